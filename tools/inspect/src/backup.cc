// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Maintenance from outside the app: a consistent backup (a RocksDB
// checkpoint when the database is free, a logical copy of one secondary view
// when an app holds it), and purging expired records.
//
// A backup is private (directory 0700, files 0600, whatever the umask),
// independent of the live files (every file its own copy: a checkpoint's
// hard links are replaced, so damage to a live table file cannot reach the
// backup), durable (each file and the directory fsynced), atomic (built
// inside a private directory beside the target and renamed into place) and
// verified (block checksums and every record) before it is renamed; one
// that fails verification is removed and the backup fails.

#include <fcntl.h>
#include <rocksdb/utilities/checkpoint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "authkv/store.h"
#include "inspector_rep.h"
#include "status_macros.h"

namespace authkv {

using internal::Family;

namespace {

// Commit the copy in slices of this many bytes: bounded memory, and a
// RocksDB batch well below any write-buffer limit.
constexpr size_t kCopyBatchBytes = size_t{4} << 20;
constexpr uint64_t kProgressEvery = 10'000;

Status Checkpoint(Inspector& source, const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  AUTHKV_RETURN_IF_ERROR(
      internal::FromRocks(rocksdb::Checkpoint::Create(source.rep().db.get(), &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // A log_size_for_flush of 0 flushes every family first (atomically, as the
  // store opens with atomic_flush), so the copy needs no WAL replay.
  return internal::FromRocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                             "checkpoint into " + dir);
}

// Copies every key of every family from `source`'s view into `target`.
Status CopyAll(Inspector::Rep& source, Inspector::Rep& target, const ProgressFn& progress) {
  rocksdb::WriteBatch batch;
  uint64_t done = 0;
  Status failed;
  for (size_t i = 0; i < internal::kFamilyCount && failed.ok(); ++i) {
    const auto f = static_cast<Family>(i);
    AUTHKV_RETURN_IF_ERROR(source.ForEach(f, [&](std::string_view key, std::string_view value) {
      batch
          .Put(target.cf(f), rocksdb::Slice(key.data(), key.size()),
               rocksdb::Slice(value.data(), value.size()))
          .PermitUncheckedError();
      if (progress && ++done % kProgressEvery == 0) progress("backup", done);
      if (batch.GetDataSize() >= kCopyBatchBytes) {
        failed = target.Commit(&batch);
        batch.Clear();
      }
      return failed.ok();
    }));
  }
  AUTHKV_RETURN_IF_ERROR(failed);
  return target.Commit(&batch);
}

// A logical copy from one secondary view of `path` into the new database
// `dir`.
Status LogicalCopy(const std::string& path, const std::string& dir, const ProgressFn& progress) {
  AUTHKV_ASSIGN_OR_RETURN(auto source,
                          Inspector::Open(path, internal::ModeOptions(OpenMode::kSecondary)));
  {
    Options create;
    create.create_if_missing = true;
    create.email_match = source->email_match();
    AUTHKV_ASSIGN_OR_RETURN(auto store, Store::Open(dir, create));
  }
  AUTHKV_ASSIGN_OR_RETURN(auto target,
                          Inspector::Open(dir, internal::ModeOptions(OpenMode::kPrimary)));
  return CopyAll(source->rep(), target->rep(), progress);
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open " + path);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? Status::OK() : Errno("cannot sync " + path);
}

// Makes the backup in `dir` private, independent and durable: a file that
// shares its inode with another (a checkpoint's hard link to a live table
// file) is replaced by a copy of its own; every file is made 0600 and
// fsynced, then the directory is made 0700 and fsynced.
Status Seal(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string file = entry.path().string();
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) return Errno("cannot stat " + file);
    if (!S_ISREG(st.st_mode)) continue;
    if (st.st_nlink > 1) {
      const std::string copy = file + ".copy";
      std::filesystem::copy_file(file, copy, ec);
      if (ec) return Status::IOError("cannot copy " + file + ": " + ec.message());
      if (::rename(copy.c_str(), file.c_str()) != 0) return Errno("cannot rename " + copy);
    }
    if (::chmod(file.c_str(), 0600) != 0) return Errno("cannot chmod " + file);
    AUTHKV_RETURN_IF_ERROR(SyncPath(file, O_RDONLY));
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return Errno("cannot chmod " + dir);
  return SyncPath(dir, O_RDONLY | O_DIRECTORY);
}

// Opens the finished backup as a reader would (a secondary instance, which
// writes nothing into it) and checks its table files and records.
Status VerifyBackup(const std::string& dir) {
  AUTHKV_ASSIGN_OR_RETURN(VerifyReport report, VerifyDatabase(dir, VerifyOptions{}));
  if (report.ok()) return Status::OK();
  std::string first = report.problems.front().ToString();
  return Status::Corruption("the backup failed verification, so it was removed (" +
                            std::to_string(report.problems.size()) + " problem" +
                            (report.problems.size() == 1 ? "" : "s") + ", the first: " + first +
                            ")");
}

// The parent directory of `dir`, for fsyncing the rename into it.
std::string ParentOf(const std::string& dir) {
  const auto parent = std::filesystem::path(dir).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

Result<BackupMethod> Backup(const std::string& path, const std::string& dir,
                            const ProgressFn& progress) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Status::InvalidArgument(dir + " already exists; back up into a new directory");
  }
  // Everything is built inside this private directory beside `dir` (same
  // file system, so the final rename is atomic), and it is removed at the
  // end whatever happens.
  std::string work = dir + ".partial-XXXXXX";
  if (::mkdtemp(work.data()) == nullptr) return Errno("cannot create " + work);
  struct RemoveWork {
    std::string path;
    ~RemoveWork() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_work{work};
  const std::string built = work + "/db";

  auto make = [&]() -> Result<BackupMethod> {
    auto primary = Inspector::Open(path, internal::ModeOptions(OpenMode::kPrimary));
    if (primary.ok()) {
      AUTHKV_RETURN_IF_ERROR(Checkpoint(**primary, built));
      return BackupMethod::kCheckpoint;
    }
    if (!primary.status().IsBusy()) return primary.status();
    AUTHKV_RETURN_IF_ERROR(LogicalCopy(path, built, progress));
    return BackupMethod::kLogicalCopy;
  };
  AUTHKV_ASSIGN_OR_RETURN(BackupMethod method, make());
  AUTHKV_RETURN_IF_ERROR(Seal(built));
  AUTHKV_RETURN_IF_ERROR(VerifyBackup(built));
  if (std::filesystem::exists(dir, ec)) {
    return Status::InvalidArgument(dir + " appeared while the backup was made; it is left as is");
  }
  if (::rename(built.c_str(), dir.c_str()) != 0) return Errno("cannot rename " + built + " to " + dir);
  AUTHKV_RETURN_IF_ERROR(SyncPath(ParentOf(dir), O_RDONLY | O_DIRECTORY));
  return method;
}

Result<PurgeResult> PurgeExpiredAt(const std::string& path, int64_t now_ms) {
  Options options;
  options.create_if_missing = false;
  auto store = Store::Open(path, options);
  if (store.status().IsBusy()) {
    return Status::Busy("database is open in another process: " + path +
                        " (the app can purge itself: Options::purge_interval_ms)");
  }
  if (!store.ok()) return store.status();
  return (*store)->PurgeExpired(now_ms);
}

Result<uint32_t> UpgradeAt(const std::string& path) {
  Options options;
  options.create_if_missing = false;
  auto store = Store::Open(path, options);
  if (store.status().IsBusy()) {
    return Status::Busy("database is open in another process: " + path +
                        " (the app's own open upgrades it)");
  }
  if (!store.ok()) return store.status();
  return (*store)->schema_version();
}

}  // namespace authkv
