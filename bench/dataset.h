// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The benchmark data set: N users, each with one GitHub account and one
// session, generated deterministically so authkv, the SQLite baseline and
// the raw-RocksDB floor all hold and probe exactly the same records.
//
// Every field of record i is a pure function of (seed, i): each kind of
// field is its own SplitMix64 stream seeded from the data set's seed, and
// record i's field is made of that stream's draws at index i (random
// access into the PRNG's output). So nothing is stored, a record can be
// rebuilt anywhere (a probe, a forked loader, another process), and indexes
// i >= users() give fresh records for the write benchmarks. Identifiers
// look like what Auth.js produces: UUIDs for user ids and session tokens
// (crypto.randomUUID()), 64 hex characters for verification tokens.
//
// Thread safety: Dataset is immutable after construction; FixedColumn is
// read-only after Fill. Both may be shared across threads.

#ifndef AUTHKV_BENCH_DATASET_H_
#define AUTHKV_BENCH_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/records.h"
#include "authkv/status.h"
#include "authkv/store.h"

namespace authkv::bench {

class SqliteBaseline;

inline constexpr uint64_t kDefaultSeed = 0x5eed2026a07c0de5;

// Expiry of every generated session and token: 2100-01-01T00:00:00Z, so
// nothing expires during a run.
inline constexpr int64_t kFarFutureMs = 4102444800000;

// Every account is a GitHub one, as in the Auth.js getting-started guide.
inline constexpr std::string_view kProvider = "github";

// SplitMix64: advances *state by one step and returns its output.
uint64_t SplitMix64(uint64_t* state);

// 128 random bits formatted as a version-4 UUID, as crypto.randomUUID()
// returns: 36 lowercase characters.
std::string FormatUuid(uint64_t hi, uint64_t lo);

class Dataset {
 public:
  explicit Dataset(uint64_t users, uint64_t seed = kDefaultSeed);

  uint64_t users() const { return users_; }
  uint64_t seed() const { return seed_; }

  // Fields of user i, any i. Lengths are fixed for i < 10^7: a UUID is 36
  // characters, an email 28, a provider account id 10.
  std::string UserId(uint64_t i) const;
  std::string SessionToken(uint64_t i) const;
  std::string Email(uint64_t i) const;
  std::string ProviderAccountId(uint64_t i) const;

  // The records of user i as the Auth.js OAuth sign-in creates them.
  User UserAt(uint64_t i) const;
  Account AccountAt(uint64_t i) const;
  Session SessionAt(uint64_t i) const;

  // The k-th verification token of the email sign-in flow, for the user
  // k % users(). Tokens are never part of the loaded data.
  VerificationToken VerificationTokenAt(uint64_t k) const;
  // The k-th WebAuthn authenticator, for the user k % users().
  Authenticator AuthenticatorAt(uint64_t k) const;

 private:
  enum class Stream : uint64_t {
    kUserId = 1,
    kSessionToken,
    kEmail,
    kAccessToken,
    kVerificationToken,
    kCredential,
  };
  // Draw `i` of stream `s`: output i + 1 of SplitMix64 seeded for `s`.
  uint64_t Draw(Stream s, uint64_t i) const;
  // Draws 2i and 2i + 1 of stream `s` as a UUID.
  std::string Uuid(Stream s, uint64_t i) const;
  // `words` draws of stream `s` from draw i * words on, as hex.
  std::string Hex(Stream s, uint64_t i, size_t words) const;

  uint64_t users_;
  uint64_t seed_;
};

// One fixed-width field of every user, laid out flat so a benchmark reads
// a random user's key from one cache line (and can prefetch the next one)
// instead of chasing a std::string to the heap.
class FixedColumn {
 public:
  // Fills row i with field(i) for i in [0, rows). REQUIRES: every value has
  // the length of field(0).
  template <typename Field>
  void Fill(uint64_t rows, Field field) {
    width_ = field(0).size();
    data_.assign(rows * width_, '\0');
    for (uint64_t i = 0; i < rows; ++i) Set(i, field(i));
  }

  std::string_view operator[](uint64_t i) const { return {data_.data() + i * width_, width_}; }
  // Starts loading row i into the CPU cache.
  void Prefetch(uint64_t i) const { __builtin_prefetch(data_.data() + i * width_); }

 private:
  void Set(uint64_t i, std::string_view value);

  size_t width_ = 0;
  std::vector<char> data_;
};

// Loads users [0, dataset.users()), each with its account and session,
// through the public Store API (CreateUser, LinkAccount, CreateSession) on
// `threads` threads. REQUIRES: an empty store.
Status LoadIntoStore(const Dataset& dataset, Store& store, int threads);

// Loads the same records into the SQLite baseline, in one transaction.
Status LoadIntoSqlite(const Dataset& dataset, SqliteBaseline& sqlite);

}  // namespace authkv::bench

#endif  // AUTHKV_BENCH_DATASET_H_
