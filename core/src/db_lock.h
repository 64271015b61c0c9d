// authkv: embedded auth-data store. Licensed under the ISC license.
//
// DbLock keeps a store's RocksDB instance in place while operations use it:
// every operation holds it shared for its whole length (its snapshots and
// iterators belong to the instance), and the store takes it exclusively only
// to replace a RocksDB instance that stopped taking writes (store_rep.h).
//
// A pthread rwlock that prefers writers, so a stream of overlapping reads
// cannot postpone the replacement forever (glibc's default prefers readers).
// Not recursive: an operation takes it once.
//
// Meets the SharedMutex requirements, for std::shared_lock / unique_lock.

#ifndef AUTHKV_CORE_SRC_DB_LOCK_H_
#define AUTHKV_CORE_SRC_DB_LOCK_H_

#include <pthread.h>

namespace authkv::internal {

class DbLock {
 public:
  DbLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~DbLock() { pthread_rwlock_destroy(&lock_); }
  DbLock(const DbLock&) = delete;
  DbLock& operator=(const DbLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&lock_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_DB_LOCK_H_
