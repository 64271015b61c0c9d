// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Status methods, and the one place RocksDB statuses become authkv ones.

#include "authkv/status.h"

#include <rocksdb/status.h>

#include "status_macros.h"

namespace authkv {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kFailedPrecondition: return "FailedPrecondition";
    case Code::kCorruption: return "Corruption";
    case Code::kIOError: return "IOError";
    case Code::kBusy: return "Busy";
    case Code::kVersionMismatch: return "VersionMismatch";
    case Code::kInternal: return "Internal";
    case Code::kNoMemory: return "NoMemory";
  }
  return "Unknown";
}

Status::Status(Code code, std::string_view message) {
  // An OK code with a message would make ok() lie; keep OK rep-less.
  if (code != Code::kOk) rep_.reset(new Rep{code, std::string(message)});
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? new Rep(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_.reset(other.rep_ ? new Rep(*other.rep_) : nullptr);
  return *this;
}

std::string_view Status::message() const {
  return rep_ ? std::string_view(rep_->message) : std::string_view();
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(rep_->code);
  if (!rep_->message.empty()) {
    out += ": ";
    out += rep_->message;
  }
  return out;
}

namespace internal {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string msg(context);
  if (!msg.empty()) msg += ": ";
  msg += s.ToString();
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return Status::NotFound(msg);
    case rocksdb::Status::kCorruption:
      return Status::Corruption(msg);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return Status::InvalidArgument(msg);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
      return Status::Busy(msg);
    case rocksdb::Status::kIOError:
      // RocksDB reports a LOCK held by another process as an IOError; a
      // caller can retry that, so it is Busy, not a broken file system.
      if (s.ToString().find("lock") != std::string::npos ||
          s.ToString().find("LOCK") != std::string::npos) {
        return Status::Busy(msg);
      }
      return Status::IOError(msg);
    default:
      return Status::IOError(msg);
  }
}

}  // namespace internal
}  // namespace authkv
