// authkv: embedded auth-data store. Licensed under the ISC license.
//
// SessionCache keeps decoded (session, user) pairs of recently read
// sessions in memory, keyed by the session key (SHA-256 of the token), so
// the hot read -- one per authenticated request -- is one hash probe instead
// of two RocksDB Gets (~3 us each at 1M keys, see docs/deps.md).
//
// Coherence. Every write that can change what a cached pair says (the
// session's expiry or existence, its user's fields or existence) erases the
// affected session keys after its batch commits and while it still holds
// the stripes that serialise writers of those records. A reader that misses
// fills the cache with a ticket protocol: it takes the shard's generation
// *before* reading RocksDB and inserts only if no erase bumped it since, so
// a pair read before a commit can never be inserted after the erase that
// follows that commit. Generations are per shard: an unrelated erase in the
// same shard only skips one fill.
//
// Memory is bounded by `capacity_bytes` (LRU per shard, approximate charge
// per entry). Hit and miss counts feed stats and the benchmarks.
//
// Thread safety: all methods are safe to call concurrently.

#ifndef AUTHKV_CORE_SRC_SESSION_CACHE_H_
#define AUTHKV_CORE_SRC_SESSION_CACHE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "authkv/records.h"
#include "authkv/store.h"

namespace authkv::internal {

class SessionCache {
 public:
  // The cached pair. session.session_token is empty: only the caller knows it.
  struct Entry {
    Session session;
    User user;
  };

  explicit SessionCache(size_t capacity_bytes);
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;

  // The entry for `key`, or null. Counts a hit or a miss.
  std::shared_ptr<const Entry> Lookup(std::string_view key);

  // Call before reading the records a later Insert will hold.
  uint64_t Ticket(std::string_view key);
  // Inserts unless an Erase in the key's shard happened since `ticket`.
  void Insert(std::string_view key, uint64_t ticket, Entry entry);
  // Drops `key` and invalidates outstanding tickets of its shard.
  void Erase(std::string_view key);
  // Drops every entry and invalidates every outstanding ticket (after the
  // store replaced its RocksDB instance, whose recovery may have applied a
  // write reported as an unknown outcome).
  void Clear();

  CacheStats Stats() const;

 private:
  static constexpr size_t kShards = 16;

  struct Node;
  using LruList = std::list<Node>;
  struct Node {
    std::string key;
    std::shared_ptr<const Entry> entry;
    size_t charge;
  };
  // SHA-256 output is uniform, so its first bytes are a good hash as is.
  struct DigestHash {
    size_t operator()(std::string_view key) const;
  };
  struct Shard {
    mutable std::mutex mutex;
    LruList lru;  // Front is most recently used. Guarded by mutex.
    std::unordered_map<std::string_view, LruList::iterator, DigestHash> index;  // Guarded by mutex.
    size_t bytes = 0;         // Guarded by mutex.
    uint64_t generation = 0;  // Guarded by mutex.
    std::atomic<uint64_t> hits{0};
    std::atomic<uint64_t> misses{0};
  };

  Shard& ShardOf(std::string_view key);
  static size_t ChargeOf(const std::string& key, const Entry& entry);
  // REQUIRES: shard.mutex held.
  void EraseLocked(Shard& shard, std::string_view key);

  const size_t capacity_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_SESSION_CACHE_H_
