// authkv tests: the fault-injecting file system (fault_fs.h).

#include "fault_fs.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

namespace authkv::test {

namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Paths as RocksDB spells them may contain "//" or a trailing "/"; the
// tracking keys must agree with the directory names given to NewDirectory.
std::string Normal(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

IOStatus ErrorFor(FaultError e, FaultOp op, const std::string& path) {
  const std::string what = std::string(op == kWriteOp    ? "write"
                                       : op == kSyncOp   ? "sync"
                                       : op == kOpenOp   ? "open"
                                                         : "rename") +
                           " " + path;
  switch (e) {
    case FaultError::kENOSPC: return IOStatus::NoSpace("injected ENOSPC", what);
    case FaultError::kEMFILE: return IOStatus::IOError("injected EMFILE (Too many open files)", what);
    case FaultError::kEIO: break;
  }
  return IOStatus::IOError("injected EIO (Input/output error)", what);
}

std::string ReadWhole(const std::string& path, uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() > limit) data.resize(limit);
  return data;
}

void WriteWhole(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::string path, std::unique_ptr<rocksdb::FSWritableFile> target,
                    FaultFs* fs)
      : FSWritableFileOwnerWrapper(std::move(target)), path_(std::move(path)), fs_(fs) {}

  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = fs_->Check(kWriteOp, path_);
    if (!s.ok()) return s;
    const uint64_t start = target()->GetFileSize(o, dbg);
    s = target()->Append(data, o, dbg);
    if (s.ok()) fs_->Appended(path_, start + data.size());
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& o,
                  const rocksdb::DataVerificationInfo&, IODebugContext* dbg) override {
    return Append(data, o, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    IOStatus s = fs_->Check(kWriteOp, path_);
    if (!s.ok()) return s;
    s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok()) fs_->Appended(path_, offset + data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo&, IODebugContext* dbg) override {
    return PositionedAppend(data, offset, o, dbg);
  }
  IOStatus Truncate(uint64_t size, const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = target()->Truncate(size, o, dbg);
    if (s.ok()) fs_->Truncated(path_, size);
    return s;
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    return SyncWith(o, dbg, /*full=*/false);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return SyncWith(o, dbg, /*full=*/true);
  }

 private:
  IOStatus SyncWith(const IOOptions& o, IODebugContext* dbg, bool full) {
    IOStatus s = fs_->Check(kSyncOp, path_);
    if (!s.ok()) return s;
    // What a sync makes durable is what was written before it began.
    const uint64_t size = fs_->SizeOf(path_);
    s = full ? target()->Fsync(o, dbg) : target()->Sync(o, dbg);
    if (s.ok()) fs_->Synced(path_, size);
    return s;
  }

  const std::string path_;
  FaultFs* const fs_;
};

class FaultDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  FaultDirectory(std::string path, std::unique_ptr<rocksdb::FSDirectory> target, FaultFs* fs)
      : FSDirectoryWrapper(std::move(target)), path_(std::move(path)), fs_(fs) {}

  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = fs_->Check(kSyncOp, path_);
    if (!s.ok()) return s;
    s = FSDirectoryWrapper::Fsync(o, dbg);
    if (s.ok()) fs_->DirectorySynced(path_);
    return s;
  }
  IOStatus FsyncWithDirOptions(const IOOptions& o, IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& options) override {
    IOStatus s = fs_->Check(kSyncOp, path_);
    if (!s.ok()) return s;
    s = FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, options);
    if (s.ok()) fs_->DirectorySynced(path_);
    return s;
  }

 private:
  const std::string path_;
  FaultFs* const fs_;
};

}  // namespace

FileKind KindOf(const std::string& path) {
  const std::string name = BaseName(path);
  if (name == "LOG" || name.rfind("LOG.old", 0) == 0) return kInfoLogFile;
  if (name.rfind("MANIFEST-", 0) == 0) return kManifestFile;
  if (EndsWith(name, ".sst")) return kSstFile;
  if (EndsWith(name, ".log")) return kWalFile;
  return kOtherFile;
}

FaultFs::FaultFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFs::Inject(const Fault& fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  fault_ = fault;
  fault_seen_ = 0;
  fault_failed_ = 0;
  fault_active_ = true;
}

void FaultFs::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  fault_active_ = false;
}

void FaultFs::CrashAfter(uint64_t n, const std::string& db_dir, const std::string& dest) {
  std::lock_guard<std::mutex> lock(mutex_);
  crash_countdown_ = n;
  crash_db_dir_ = db_dir;
  crash_dest_ = dest;
  crashed_ = false;
}

void FaultFs::CrashNow(const std::string& db_dir, const std::string& dest) {
  std::lock_guard<std::mutex> lock(mutex_);
  CopyDurableLocked(db_dir, dest);
  crash_countdown_ = 0;
  crashed_ = true;
}

void FaultFs::CountMutationLocked() {
  if (crash_countdown_ == 0 || --crash_countdown_ != 0) return;
  CopyDurableLocked(crash_db_dir_, crash_dest_);
  crashed_ = true;
}

IOStatus FaultFs::Check(FaultOp op, const std::string& raw_path) {
  const std::string path = Normal(raw_path);
  std::lock_guard<std::mutex> lock(mutex_);
  CountMutationLocked();
  if (!fault_active_ || !(fault_.ops & op)) return IOStatus::OK();
  const bool is_dir = files_.count(path) == 0 && std::filesystem::is_directory(path);
  const unsigned kind = is_dir ? kDirectory : KindOf(path);
  if (!(fault_.kinds & kind)) return IOStatus::OK();
  if (fault_seen_++ < fault_.after) return IOStatus::OK();
  if (fault_.times >= 0 && fault_failed_ >= fault_.times) return IOStatus::OK();
  ++fault_failed_;
  failures_.fetch_add(1);
  return ErrorFor(fault_.error, op, path);
}

void FaultFs::Track(const std::string& path, FileState state) {
  std::lock_guard<std::mutex> lock(mutex_);
  files_[path] = state;
}

void FaultFs::Appended(const std::string& raw_path, uint64_t end_offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(Normal(raw_path));
  if (it != files_.end() && end_offset > it->second.size) it->second.size = end_offset;
}

void FaultFs::Truncated(const std::string& raw_path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(Normal(raw_path));
  if (it == files_.end()) return;
  it->second.size = size;
  if (it->second.synced > size) it->second.synced = size;
}

uint64_t FaultFs::SizeOf(const std::string& raw_path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(Normal(raw_path));
  return it == files_.end() ? 0 : it->second.size;
}

void FaultFs::Synced(const std::string& raw_path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(Normal(raw_path));
  if (it != files_.end() && size > it->second.synced) it->second.synced = size;
}

void FaultFs::DirectorySynced(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [path, state] : files_) {
    if (DirName(path) == dir) state.entry_durable = true;
  }
  for (auto it = replaced_.begin(); it != replaced_.end();) {
    it = DirName(it->first) == dir ? replaced_.erase(it) : std::next(it);
  }
}

IOStatus FaultFs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                  std::unique_ptr<rocksdb::FSWritableFile>* r,
                                  IODebugContext* dbg) {
  IOStatus s = Check(kOpenOp, f);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  s = target()->NewWritableFile(f, o, &file, dbg);
  if (!s.ok()) return s;
  const std::string path = Normal(f);
  // Opening an existing name truncates it in place: the entry stays durable.
  bool existed_durably;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(path);
    existed_durably = it == files_.end() ? false : it->second.entry_durable;
  }
  Track(path, FileState{0, 0, existed_durably});
  r->reset(new FaultWritableFile(path, std::move(file), this));
  return s;
}

IOStatus FaultFs::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                     std::unique_ptr<rocksdb::FSWritableFile>* r,
                                     IODebugContext* dbg) {
  IOStatus s = Check(kOpenOp, f);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  s = target()->ReopenWritableFile(f, o, &file, dbg);
  if (!s.ok()) return s;
  const std::string path = Normal(f);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!files_.count(path)) {
      // Written before this file system saw it: taken to be durable.
      std::error_code ec;
      const uint64_t size = std::filesystem::file_size(path, ec);
      files_[path] = FileState{ec ? 0 : size, ec ? 0 : size, true};
    }
  }
  r->reset(new FaultWritableFile(path, std::move(file), this));
  return s;
}

IOStatus FaultFs::ReuseWritableFile(const std::string& f, const std::string& old,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    IODebugContext* dbg) {
  IOStatus s = Check(kOpenOp, f);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  s = target()->ReuseWritableFile(f, old, o, &file, dbg);
  if (!s.ok()) return s;
  const std::string path = Normal(f);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    files_.erase(Normal(old));
  }
  Track(path, FileState{});
  r->reset(new FaultWritableFile(path, std::move(file), this));
  return s;
}

IOStatus FaultFs::NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                  std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                  IODebugContext* dbg) {
  IOStatus s = Check(kOpenOp, f);
  if (!s.ok()) return s;
  return target()->NewRandomRWFile(f, o, r, dbg);
}

IOStatus FaultFs::NewDirectory(const std::string& name, const IOOptions& o,
                               std::unique_ptr<rocksdb::FSDirectory>* r,
                               IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  IOStatus s = target()->NewDirectory(name, o, &dir, dbg);
  if (!s.ok()) return s;
  r->reset(new FaultDirectory(Normal(name), std::move(dir), this));
  return s;
}

IOStatus FaultFs::RenameFile(const std::string& src, const std::string& dst,
                             const IOOptions& o, IODebugContext* dbg) {
  const std::string from = Normal(src), to = Normal(dst);
  // The kind that matters is the target's: CURRENT, not CURRENT.dbtmp.
  IOStatus s = Check(kRenameOp, to);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mutex_);
  // What the target held durably comes back if the power goes before the
  // directory is fsynced. RocksDB renames only small files (CURRENT,
  // OPTIONS), so they are kept whole.
  std::error_code ec;
  const bool target_existed = std::filesystem::exists(to, ec);
  auto old_target = files_.find(to);
  const bool target_durable =
      target_existed && (old_target == files_.end() || old_target->second.entry_durable);
  if (target_durable && !replaced_.count(to)) {
    const uint64_t synced = old_target == files_.end() ? UINT64_MAX : old_target->second.synced;
    replaced_[to] = ReadWhole(to, synced);
  }
  s = target()->RenameFile(src, dst, o, dbg);
  if (!s.ok()) return s;
  FileState moved;
  auto it = files_.find(from);
  if (it != files_.end()) {
    moved = it->second;
    files_.erase(it);
  } else {
    const uint64_t size = std::filesystem::file_size(to, ec);
    moved = FileState{size, size, false};
  }
  moved.entry_durable = false;
  files_[to] = moved;
  return s;
}

IOStatus FaultFs::DeleteFile(const std::string& f, const IOOptions& o, IODebugContext* dbg) {
  std::lock_guard<std::mutex> lock(mutex_);
  CountMutationLocked();
  IOStatus s = target()->DeleteFile(f, o, dbg);
  // A delete is taken to be durable at once (RocksDB copes with a deleted
  // file that comes back, and never relies on one staying away).
  if (s.ok()) files_.erase(Normal(f));
  return s;
}

rocksdb::IOStatus FaultFs::NewLogger(const std::string& f, const IOOptions& o,
                                     std::shared_ptr<rocksdb::Logger>* r, IODebugContext* dbg) {
  if (!env_) return target()->NewLogger(f, o, r, dbg);
  return rocksdb::status_to_io_status(rocksdb::NewEnvLogger(f, env_, r));
}

void FaultFs::CopyDurableLocked(const std::string& db_dir, const std::string& dest) {
  std::error_code ec;
  std::filesystem::create_directories(dest, ec);
  std::filesystem::permissions(dest, std::filesystem::perms::owner_all, ec);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(db_dir, ec)) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  for (const auto& name : names) {
    const std::string path = Normal(db_dir + "/" + name);
    const std::string out = dest + "/" + name;
    auto replaced = replaced_.find(path);
    if (replaced != replaced_.end()) {
      WriteWhole(out, replaced->second);
      continue;
    }
    auto it = files_.find(path);
    if (it == files_.end()) {
      WriteWhole(out, ReadWhole(path, UINT64_MAX));
    } else if (it->second.entry_durable) {
      WriteWhole(out, ReadWhole(path, it->second.synced));
    }
  }
}

ScopedFaultEnv::ScopedFaultEnv(size_t write_buffer_bytes)
    : fs_(std::make_shared<FaultFs>()), env_(rocksdb::NewCompositeEnv(fs_)) {
  internal::OpenOverrides overrides;
  fs_->set_env(env_.get());
  overrides.env = env_.get();
  overrides.write_buffer_bytes = write_buffer_bytes;
  previous_ = internal::SetOpenOverrides(overrides);
}

ScopedFaultEnv::~ScopedFaultEnv() { internal::SetOpenOverrides(previous_); }

}  // namespace authkv::test
