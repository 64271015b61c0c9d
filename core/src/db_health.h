// authkv: embedded auth-data store. Licensed under the ISC license.
//
// DbHealth listens for RocksDB's background errors: a failed WAL write or
// sync, flush, compaction or MANIFEST write. After one, RocksDB 7.8.3
// refuses every write (measured with tests/support/fault_fs.h: EIO and
// EMFILE are "fatal", which DB::Resume cannot clear; ENOSPC is "hard" and
// waits for an SstFileManager that authkv does not run, so Resume returns
// Busy), so the store knows, before it calls DB::Write, that the write
// cannot reach the log: Rep::Commit then reports IOError, with nothing
// written, instead of the unknown outcome of a write that failed on its way
// to the disk.
//
// Thread safety: all methods may be called from any thread.

#ifndef AUTHKV_CORE_SRC_DB_HEALTH_H_
#define AUTHKV_CORE_SRC_DB_HEALTH_H_

#include <rocksdb/listener.h>

#include <atomic>
#include <mutex>
#include <string>

namespace authkv::internal {

class DbHealth final : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "AuthkvDbHealth"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // Whether RocksDB has stopped taking writes.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // The error that stopped it ("" when it is not stopped).
  std::string why() const;
  // Notes a stop the store found itself (a write that failed).
  void NoteStopped(const std::string& why);
  // After the store replaced the RocksDB instance.
  void Reset();

 private:
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  std::string why_;  // Guarded by mutex_.
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_DB_HEALTH_H_
