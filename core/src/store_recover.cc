// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Holding the RocksDB instance for an operation, and replacing one that has
// stopped taking writes (store_rep.h: Use, UseForWrite, Recover).

#include <rocksdb/file_system.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "status_macros.h"
#include "recovery.h"
#include "store_rep.h"

namespace authkv {

namespace {

constexpr char kProbeName[] = "/authkv-disk-probe.tmp";

// Whether the directory takes a small synced write: the least a fresh
// instance needs (a new WAL, and a flush of the old one's records).
Status ProbeDisk(rocksdb::Env* env, const std::string& path) {
  const std::shared_ptr<rocksdb::FileSystem>& fs = env->GetFileSystem();
  const std::string probe = path + kProbeName;
  rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = fs->NewWritableFile(probe, rocksdb::FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Append(std::string(4096, '\0'), io, nullptr);
  if (s.ok()) s = file->Sync(io, nullptr);
  if (file) {
    rocksdb::IOStatus closed = file->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  fs->DeleteFile(probe, io, nullptr).PermitUncheckedError();
  if (s.ok()) return Status::OK();
  return Status::IOError("write refused, nothing written: the database stopped taking writes "
                         "after a disk error, and the disk still fails: " + s.ToString());
}

}  // namespace

Result<Store::Rep::DbUse> Store::Rep::Use() {
  for (int attempt = 0;; ++attempt) {
    DbUse use(db_lock);
    if (db) return use;
    use.unlock();
    Status recovered = Recover();
    if (!recovered.ok() && attempt > 0) return recovered;
  }
}

Result<Store::Rep::DbUse> Store::Rep::UseForWrite() {
  AUTHKV_RETURN_IF_ERROR(CheckWritable());
  if (health->stopped()) AUTHKV_RETURN_IF_ERROR(Recover());
  return Use();
}

Status Store::Rep::Recover() {
  std::unique_lock<internal::DbLock> exclusive(db_lock);
  if (db && !health->stopped()) return Status::OK();  // Another call did it.
  if (health->close_unsafe()) {
    return Status::IOError(
        "write refused, nothing written: RocksDB failed to switch to a new write-ahead log (" +
        health->why() +
        ") and cannot be closed safely afterwards, so the store cannot reopen it in this "
        "process; restart the process once the disk is fine");
  }
  rocksdb::Env* env = db_options.env ? db_options.env : rocksdb::Env::Default();
  AUTHKV_RETURN_IF_ERROR(ProbeDisk(env, path));
  // An unknown-outcome write may be applied by the new instance's recovery.
  if (session_cache) session_cache->Clear();
  CloseDb();
  health->Reset();
  return OpenDb();
}

Status Store::Rep::OpenDb() {
  std::vector<rocksdb::ColumnFamilyHandle*> opened;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &opened, &raw)
                : rocksdb::DB::Open(db_options, path, descriptors, &opened, &raw);
  if (!s.ok()) {
    return internal::FromRocksOpen(
        s, path, s.IsCorruption() ? internal::DescribeWalDamage(path, db_options, descriptors) : "");
  }
  db.reset(raw);
  for (size_t i = 0; i < opened.size(); ++i) handles[i] = opened[i];
  return Status::OK();
}

void Store::Rep::CloseDb() {
  if (!db) return;
  if (health->close_unsafe()) {
    // Closing would abort the process (db_health.h). The instance, its
    // memory and its LOCK stay until the process exits, held by a
    // process-wide list so they stay reachable: kept on purpose, not leaked
    // (LeakSanitizer would report them otherwise).
    static std::mutex kept_mutex;
    static auto* kept = new std::vector<std::pair<rocksdb::DB*, decltype(handles)>>();
    std::lock_guard<std::mutex> lock(kept_mutex);
    kept->emplace_back(db.release(), handles);
    handles = {};
    return;
  }
  for (auto*& h : handles) {
    if (h) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    h = nullptr;
  }
  db->Close().PermitUncheckedError();
  db.reset();
}

}  // namespace authkv
