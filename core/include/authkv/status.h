// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Status is the outcome of every authkv operation: OK, or a code and a
// message. Not-found is an ordinary outcome with its own code, never an
// exception and never an empty value. authkv code throws no exceptions.
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads without synchronisation.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_STATUS_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace authkv {

// Codes are persisted in no file, but the C ABI maps them 1:1 to its own
// numbers, so new codes are only ever appended.
enum class Code : int {
  kOk = 0,
  kNotFound = 1,            // The record asked for does not exist (or expired).
  kAlreadyExists = 2,       // A unique key (email, token, ...) is taken.
  kInvalidArgument = 3,     // Bad input: fix the call, do not retry it.
  kFailedPrecondition = 4,  // The store's state forbids it (user missing).
  kCorruption = 5,          // Stored bytes fail their checksum or verifier.
  kIOError = 6,             // The file system failed.
  kBusy = 7,                // Locked by another process; retry later.
  kVersionMismatch = 8,     // Database or caller newer than this library.
  kInternal = 9,            // A bug in authkv.
  kNoMemory = 10,           // Allocation failed.
  // A write may or may not have been applied: its commit failed after the
  // batch could have reached the log (a failed fsync). Read before retrying.
  kUnknownOutcome = 11,
  kKeyUnavailable = 12,     // A token key the record was sealed with is not configured.
};

// Returns a static, human-readable name such as "NotFound".
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  // Creates an OK status; allocates nothing.
  Status() noexcept = default;
  Status(Code code, std::string_view message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&& other) noexcept = default;
  Status& operator=(Status&& other) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) {
    return {Code::kAlreadyExists, msg};
  }
  static Status InvalidArgument(std::string_view msg) {
    return {Code::kInvalidArgument, msg};
  }
  static Status FailedPrecondition(std::string_view msg) {
    return {Code::kFailedPrecondition, msg};
  }
  static Status Corruption(std::string_view msg) {
    return {Code::kCorruption, msg};
  }
  static Status IOError(std::string_view msg) { return {Code::kIOError, msg}; }
  static Status Busy(std::string_view msg) { return {Code::kBusy, msg}; }
  static Status VersionMismatch(std::string_view msg) {
    return {Code::kVersionMismatch, msg};
  }
  static Status Internal(std::string_view msg) { return {Code::kInternal, msg}; }
  static Status NoMemory(std::string_view msg) { return {Code::kNoMemory, msg}; }
  static Status UnknownOutcome(std::string_view msg) {
    return {Code::kUnknownOutcome, msg};
  }
  static Status KeyUnavailable(std::string_view msg) {
    return {Code::kKeyUnavailable, msg};
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  // The message without the code name; empty for OK.
  std::string_view message() const;

  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsFailedPrecondition() const {
    return code() == Code::kFailedPrecondition;
  }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsBusy() const { return code() == Code::kBusy; }
  bool IsVersionMismatch() const { return code() == Code::kVersionMismatch; }
  bool IsUnknownOutcome() const { return code() == Code::kUnknownOutcome; }
  bool IsKeyUnavailable() const { return code() == Code::kKeyUnavailable; }

  // "OK", or "<CodeName>: <message>".
  std::string ToString() const;

  // Marks a deliberately ignored error, so every swallowed error is greppable.
  void IgnoreError() const {}

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  // Null means OK, so the success path allocates nothing.
  std::unique_ptr<Rep> rep_;
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_STATUS_H_
