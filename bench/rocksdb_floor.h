// authkv: embedded auth-data store. Licensed under the ISC license.
//
// RocksDbFloor is baseline (b) of the benchmarks, the floor under authkv's
// reads: the same raw RocksDB point reads an authkv read makes when it goes
// to storage, on the same keys of the same database files, and nothing
// else -- no key validation, no hashing of the token (keys are built before
// the timed loop), no copy out of the block cache, no checksum or FlatBuffer
// decode. Per operation:
//
//   GetSessionAndUser  sessions[SHA-256(token)], users[user id]
//   GetUserByEmail     users_by_email[normalized email], users[user id]
//   GetUserByAccount   accounts[provider \0 providerAccountId], users[user id]
//   GetUser            users[user id]
//
// The floor opens an authkv database directory read-only as plain RocksDB,
// with the column family options authkv persisted in its OPTIONS file
// (bloom filters, data-block hash index, cached and pinned index/filter
// blocks) and a block cache of the caller's size: the benchmarks give it
// room for the whole database, so it measures reads of data in memory.
// Keys come from authkv's own key builders (core/src/keys.h), so a change
// of layout moves the floor with it.
//
// Also here, because it is raw RocksDB too: CompactFully, which settles a
// freshly loaded database into its bottommost level so every run reads the
// same file layout, whatever background compaction had reached.
//
// Thread safety: Get may be called concurrently; Open and the destructor
// may not race with it.

#ifndef AUTHKV_BENCH_ROCKSDB_FLOOR_H_
#define AUTHKV_BENCH_ROCKSDB_FLOOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "authkv/result.h"
#include "authkv/status.h"

namespace authkv::bench {

class RocksDbFloor {
 public:
  enum class Family { kUsers, kUsersByEmail, kAccounts, kSessions };

  // Opens the authkv database at `path` read-only. REQUIRES: nothing writes
  // to `path` while the floor has it open (open a settled copy).
  static Result<std::unique_ptr<RocksDbFloor>> Open(const std::string& path,
                                                    size_t block_cache_bytes);

  RocksDbFloor(const RocksDbFloor&) = delete;
  RocksDbFloor& operator=(const RocksDbFloor&) = delete;
  ~RocksDbFloor();

  // The keys authkv reads, built as authkv builds them.
  static std::string SessionKey(std::string_view session_token);
  static std::string EmailKey(std::string_view email);  // Default email matching.
  static std::string AccountKey(std::string_view provider, std::string_view provider_account_id);

  // One point read, pinned in the block cache and released unread.
  // NotFound if the key is missing.
  Status Get(Family family, std::string_view key) const;

  // Reads every block of the floor's families once, so they are all in the
  // block cache (if it is big enough) before anything is timed.
  Status FillCache() const;

 private:
  struct Rep;
  explicit RocksDbFloor(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// Compacts every column family of the authkv database at `path` into its
// bottommost level. REQUIRES: no Store has it open.
Status CompactFully(const std::string& path);

}  // namespace authkv::bench

#endif  // AUTHKV_BENCH_ROCKSDB_FLOOR_H_
