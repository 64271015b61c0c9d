// authkv tests: a RocksDB FileSystem that fails chosen calls and can cut the
// power.
//
// FaultFs wraps the default (POSIX) file system. Everything goes through to
// the real disk, so a test opens, reads and verifies the directory as usual,
// but:
//   - Inject() makes writes, syncs, opens for writing or renames of chosen
//     file kinds fail with EIO, ENOSPC or EMFILE, after a countdown of
//     matching calls, a chosen number of times or until Clear();
//   - every file created through it is tracked: its size, the size at its
//     last Sync/Fsync, and whether its directory entry has been made durable
//     by an fsync of its directory. CrashAfter(n, dest) copies the directory
//     as a power cut just before the n-th mutating call would leave it
//     (each tracked file cut back to its last synced size, a file whose
//     directory entry was never fsynced left out, a rename whose directory
//     was never fsynced undone where the old file was small enough to keep)
//     into `dest`, and lets the live database run on.
//
// Use with ScopedFaultEnv (below), which makes Store::Open on this thread
// use the file system.
//
// Thread safety: all members may be called from any thread.

#ifndef AUTHKV_TESTS_SUPPORT_FAULT_FS_H_
#define AUTHKV_TESTS_SUPPORT_FAULT_FS_H_

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "test_overrides.h"

namespace authkv::test {

// What a file is to RocksDB, from its name. Bits, so a fault can cover several.
enum FileKind : unsigned {
  kWalFile = 1,        // 000012.log
  kSstFile = 2,        // 000013.sst
  kManifestFile = 4,   // MANIFEST-000005
  kInfoLogFile = 8,    // LOG, LOG.old.*
  kOtherFile = 16,     // CURRENT, OPTIONS-*, IDENTITY, LOCK, *.dbtmp
  kDirectory = 32,     // the database directory itself (its fsync)
  kAnyFile = 63,
};

// The calls a fault can hit. Bits.
enum FaultOp : unsigned {
  kWriteOp = 1,   // Append / PositionedAppend
  kSyncOp = 2,    // Sync / Fsync of a file, Fsync of a directory
  kOpenOp = 4,    // NewWritableFile, ReopenWritableFile, ReuseWritableFile, NewRandomRWFile
  kRenameOp = 8,  // RenameFile (the kind is the target's)
};

enum class FaultError { kEIO, kENOSPC, kEMFILE };

struct Fault {
  unsigned ops = 0;     // FaultOp bits
  unsigned kinds = 0;   // FileKind bits
  FaultError error = FaultError::kEIO;
  int after = 0;        // let this many matching calls succeed first
  int times = -1;       // then fail this many; -1: until Clear()
};

FileKind KindOf(const std::string& path);

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  FaultFs();
  const char* Name() const override { return "AuthkvFaultFs"; }

  // Replaces the current fault, if any.
  void Inject(const Fault& fault);
  void Clear();
  // How many calls have failed by injection since construction.
  uint64_t failures() const { return failures_.load(); }

  // Arms a power cut: the n-th mutating call from now (n >= 1; append,
  // sync, open for writing, rename, delete, directory fsync) first copies
  // what would survive a power cut at that moment into `dest` (a directory
  // that need not exist), then proceeds. Everything in `db_dir` is copied.
  void CrashAfter(uint64_t n, const std::string& db_dir, const std::string& dest);
  // Copies what would survive a power cut now.
  void CrashNow(const std::string& db_dir, const std::string& dest);
  // Whether the armed power cut has happened (the copy exists).
  bool crashed() const { return crashed_.load(); }

  // ---- FileSystem -------------------------------------------------------
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;
  // RocksDB's own info LOG writer (EnvLogger, as Debian's build uses), over
  // this file system so its writes can fail too; needs set_env().
  rocksdb::IOStatus NewLogger(const std::string& f, const rocksdb::IOOptions& o,
                              std::shared_ptr<rocksdb::Logger>* r,
                              rocksdb::IODebugContext* dbg) override;
  // The Env over this file system (ScopedFaultEnv sets it).
  void set_env(rocksdb::Env* env) { env_ = env; }

  // ---- Called by the wrapped files --------------------------------------
  // The injected error for this call, or OK; also counts the call toward an
  // armed power cut.
  rocksdb::IOStatus Check(FaultOp op, const std::string& path);
  void Appended(const std::string& path, uint64_t end_offset);
  void Truncated(const std::string& path, uint64_t size);
  // Returns the size a sync starting now will make durable.
  uint64_t SizeOf(const std::string& path);
  void Synced(const std::string& path, uint64_t size);
  void DirectorySynced(const std::string& dir);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = false;
  };
  void Track(const std::string& path, FileState state);
  void CopyDurableLocked(const std::string& db_dir, const std::string& dest);
  void CountMutationLocked();

  mutable std::mutex mutex_;
  Fault fault_;                   // Guarded by mutex_.
  int fault_seen_ = 0;            // Matching calls so far; guarded by mutex_.
  int fault_failed_ = 0;          // Failures so far; guarded by mutex_.
  bool fault_active_ = false;     // Guarded by mutex_.
  std::atomic<uint64_t> failures_{0};
  std::map<std::string, FileState> files_;          // Guarded by mutex_.
  // Durable contents of a file replaced by a rename whose directory has not
  // been fsynced since: a power cut brings them back.
  std::map<std::string, std::string> replaced_;     // Guarded by mutex_.
  uint64_t crash_countdown_ = 0;  // 0: not armed; guarded by mutex_.
  std::string crash_db_dir_, crash_dest_;          // Guarded by mutex_.
  std::atomic<bool> crashed_{false};
  rocksdb::Env* env_ = nullptr;
};

// A FaultFs with the Env RocksDB opens through, made current for
// Store::Open on this thread for the object's lifetime; `write_buffer_bytes`
// (when not 0) shrinks every family's memtable so flushes and compactions
// happen after a few hundred writes.
class ScopedFaultEnv {
 public:
  explicit ScopedFaultEnv(size_t write_buffer_bytes = 0);
  ~ScopedFaultEnv();
  ScopedFaultEnv(const ScopedFaultEnv&) = delete;
  ScopedFaultEnv& operator=(const ScopedFaultEnv&) = delete;

  FaultFs& fs() { return *fs_; }
  rocksdb::Env* env() { return env_.get(); }

 private:
  std::shared_ptr<FaultFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  internal::OpenOverrides previous_;
};

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FAULT_FS_H_
