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
// to the disk; and the next write replaces the instance (store_rep.h).
//
// One stop cannot be undone in the process: a memtable switch that failed
// (creating the new WAL, e.g. EMFILE). On RocksDB 7.8.3 the write path then
// leaks references to the other column families, and closing the instance
// aborts on `assert(last_ref)` (column_family.cc). close_unsafe() says so:
// the store then never closes that instance (it leaks it, with its LOCK)
// and refuses writes until the process restarts.
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
  // Turns RocksDB's own recovery off. After an ENOSPC on the WAL, 7.8.3
  // "recovers" at once without an SstFileManager and lets the next write
  // reach the WAL writer that failed, whose assertion then aborts the
  // process (writable_file_writer.h:312; seen in
  // tests/core/fault_injection_test.cc). The store replaces the instance
  // instead (Rep::Recover).
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;

  // Whether RocksDB has stopped taking writes.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // The error that stopped it ("" when it is not stopped).
  std::string why() const;
  // Notes a stop the store found itself (a write that failed).
  void NoteStopped(const std::string& why);
  // After the store replaced the RocksDB instance.
  void Reset();
  // Whether closing the RocksDB instance could abort the process (above).
  bool close_unsafe() const { return close_unsafe_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> stopped_{false};
  std::atomic<bool> close_unsafe_{false};  // Never reset: it belongs to the instance.
  mutable std::mutex mutex_;
  std::string why_;  // Guarded by mutex_.
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_DB_HEALTH_H_
