// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Status methods, and the one place RocksDB statuses become authkv ones.

#include "authkv/status.h"

#include <fcntl.h>
#include <unistd.h>

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
    case Code::kUnknownOutcome: return "UnknownOutcome";
    case Code::kKeyUnavailable: return "KeyUnavailable";
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
      // Not Busy even when the text mentions a lock: a path such as
      // /srv/blockstore would match. Store::Open asks the LOCK file itself
      // whether another process holds it (store_open.cc).
      return Status::IOError(msg);
    default:
      return Status::IOError(msg);
  }
}

Status UnknownOutcomeOfWrite(const rocksdb::Status& s) {
  return Status::UnknownOutcome(
      "write failed on its way to the disk and may or may not have been applied (read "
      "before retrying): " + s.ToString());
}

// Why DB::Open failed, in words a person can act on. RocksDB reports a LOCK
// held by another process as an IOError whose text varies by version, so
// the LOCK file is asked directly (F_GETLK names the holder). Within this
// process a second open of a store never reaches RocksDB (open_stores.h),
// so Busy always means another process.
//
// Corruption is refused rather than opened around (recovery.h), so its
// message says where the damage is and how to keep what is intact.
Status FromRocksOpen(const rocksdb::Status& s, const std::string& path,
                     std::string_view damage) {
  Status failed = FromRocks(s, "open " + path);
  if (s.IsCorruption()) {
    return Status::Corruption(
        "the database " + path + " is damaged: " +
        (damage.empty() ? s.ToString() : std::string(damage)) +
        ". authkv opens a database past damage only when it is a write cut short at the end "
        "of the log by a crash; opening past this would silently lose the writes after it. "
        "To keep everything that is intact, run: authkv-dump salvage " + path +
        " NEW_DIR (it leaves " + path + " as it is), then use NEW_DIR in its place\ncause: " +
        s.ToString());
  }
  if (!s.IsIOError()) return failed;
  const std::string lock_path = path + "/LOCK";
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  if (!held) return failed;
  return Status::Busy("the database " + path + " is open in another process (pid " +
                      std::to_string(probe.l_pid) +
                      "); a database can be open in one process at a time, so stop that "
                      "process first\ncause: " +
                      s.ToString());
}

}  // namespace internal
}  // namespace authkv
