// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Maintenance from outside the app: a consistent backup (a RocksDB
// checkpoint when the database is free, a logical copy of one secondary view
// when an app holds it), and purging expired records.

#include <rocksdb/utilities/checkpoint.h>
#include <stdlib.h>

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

// The copy is built under a temporary name beside `dir` and renamed into
// place only when complete, so `dir` never holds half a backup.
Status LogicalCopy(const std::string& path, const std::string& dir, const ProgressFn& progress) {
  AUTHKV_ASSIGN_OR_RETURN(auto source,
                          Inspector::Open(path, internal::ModeOptions(OpenMode::kSecondary)));
  std::string tmp = dir + ".partial-XXXXXX";
  if (::mkdtemp(tmp.data()) == nullptr) {
    return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  }
  auto copy = [&]() -> Status {
    {
      Options create;
      create.create_if_missing = true;
      create.email_match = source->email_match();
      AUTHKV_ASSIGN_OR_RETURN(auto store, Store::Open(tmp, create));
    }
    AUTHKV_ASSIGN_OR_RETURN(auto target,
                            Inspector::Open(tmp, internal::ModeOptions(OpenMode::kPrimary)));
    return CopyAll(source->rep(), target->rep(), progress);
  };
  Status s = copy();
  if (s.ok() && std::rename(tmp.c_str(), dir.c_str()) != 0) {
    s = Status::IOError("cannot rename " + tmp + " to " + dir + ": " + std::strerror(errno));
  }
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
  }
  return s;
}

}  // namespace

Result<BackupMethod> Backup(const std::string& path, const std::string& dir,
                            const ProgressFn& progress) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Status::InvalidArgument(dir + " already exists; back up into a new directory");
  }
  auto primary = Inspector::Open(path, internal::ModeOptions(OpenMode::kPrimary));
  if (primary.ok()) {
    AUTHKV_RETURN_IF_ERROR(Checkpoint(**primary, dir));
    return BackupMethod::kCheckpoint;
  }
  if (!primary.status().IsBusy()) return primary.status();
  AUTHKV_RETURN_IF_ERROR(LogicalCopy(path, dir, progress));
  return BackupMethod::kLogicalCopy;
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
