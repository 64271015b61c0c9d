// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Striped locks for check-then-write invariants (unique email, single-use
// tokens, no record for a missing user). A key maps to one of a fixed array
// of mutexes by XXH3 of (family, key); an operation locks every stripe it
// touches in ascending order, so two operations never deadlock, and writes
// to unrelated keys run in parallel, which lets RocksDB's write group merge
// their commits into one WAL write and one fsync (group commit).
//
// The locking rule the store follows (store_rep.h): a write holds the
// stripe of every unique key it checks or writes, and a write to an account,
// session or authenticator also holds its owning user's stripe, so it cannot
// race with that user's cascade delete.
//
// Thread safety: LockStripes is shared by all threads; a StripeGuard belongs
// to the thread that made it.

#ifndef AUTHKV_CORE_SRC_LOCK_STRIPES_H_
#define AUTHKV_CORE_SRC_LOCK_STRIPES_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "keys.h"

namespace authkv::internal {

// An empty `key` stands for no key (a user without an email) and locks
// nothing: all such keys would share one stripe, and every email-less
// CreateUser would then wait on one mutex through its commit's fsync.
struct LockKey {
  Family family;
  std::string_view key;
};

class LockStripes {
 public:
  static constexpr size_t kStripes = 1024;

  size_t StripeOf(const LockKey& k) const;

  std::mutex& at(size_t stripe) { return stripes_[stripe]; }

 private:
  std::array<std::mutex, kStripes> stripes_;
};

// Holds the stripes of a set of keys, locked in ascending order, until it
// is destroyed.
class StripeGuard {
 public:
  StripeGuard(LockStripes& stripes, std::initializer_list<LockKey> keys);
  StripeGuard(LockStripes& stripes, const std::vector<LockKey>& keys);
  ~StripeGuard();

  StripeGuard(const StripeGuard&) = delete;
  StripeGuard& operator=(const StripeGuard&) = delete;

 private:
  void Lock(LockStripes& stripes);
  std::vector<size_t> held_;
  LockStripes* stripes_;
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_LOCK_STRIPES_H_
