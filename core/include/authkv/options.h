// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Options for Store::Open. Every field documents its default.
//
// Thread safety: a plain struct; Open copies what it needs.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_OPTIONS_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authkv {

class Clock;

// How GetUserByEmail and the uniqueness rule compare emails. Fixed when the
// database is created (the email index depends on it): opening an existing
// database with the other mode succeeds and uses the stored mode, whatever
// Options::email_match says (Store::Open of a directory already open in
// this process with the other mode fails with InvalidArgument).
enum class EmailMatch {
  // Emails compare by their lowercase as JavaScript's toLowerCase() computes
  // it (what Auth.js applies to email identifiers), over the whole address:
  // "Ann@X.io" and "ann@x.io", or "Émile@x.io" and "émile@x.io", are the
  // same user. The user keeps the email exactly as given.
  kCaseInsensitive,
  // Byte-for-byte comparison, as SQL adapters with a plain UNIQUE do.
  kExact,
};

// "case_insensitive" or "exact", as the database's meta family spells it.
std::string_view EmailMatchName(EmailMatch match);
// The inverse of EmailMatchName; nullopt for anything else.
std::optional<EmailMatch> ParseEmailMatchName(std::string_view name);

// An app-supplied key for encrypting OAuth tokens at rest.
struct TokenKey {
  uint32_t id = 0;   // Stored with each sealed record, to find the key again.
  std::string key;   // Exactly 32 bytes (AES-256).
};

struct Options {
  // Create the database (directory included) if it does not exist.
  // Default: true.
  bool create_if_missing = true;

  // Open without writing anything; every write returns InvalidArgument.
  // Must not be used on a database another process has open for writing.
  // Default: false.
  bool read_only = false;

  // fsync the write-ahead log before acknowledging a write, so it survives
  // power loss, not only a process crash. Costs one fdatasync (~150-200 us
  // here) per commit; concurrent commits share one (group commit).
  // Default: false (acknowledged writes survive a crash of the process).
  bool sync = false;

  // Email comparison, for new databases only; an existing database keeps
  // its own (see EmailMatch).
  // Default: kCaseInsensitive.
  EmailMatch email_match = EmailMatch::kCaseInsensitive;

  // Bytes of RocksDB block cache shared by every column family. Caches only
  // fill as the data grows; at 1M users the defaults keep RSS well under
  // 512 MiB.
  // Default: 128 MiB.
  size_t block_cache_bytes = size_t{128} << 20;

  // Memory for the cache of recently read sessions with their users, which
  // serves GetSessionAndUser from memory; 0 turns it off. Writes keep it
  // coherent (see core/src/session_cache.h).
  // Default: 128 MiB (about 350k sessions with their users).
  size_t session_cache_bytes = size_t{128} << 20;

  // Run PurgeExpired on a background thread every this many milliseconds
  // (judged by `clock`); the thread stops when the store closes. 0: never,
  // the app or `authkv-dump purge-expired` purges by hand.
  // Default: 0.
  int64_t purge_interval_ms = 0;

  // How far the wall clock may run ahead of the monotonic clock between two
  // background purges before the purge treats it as a clock step. A run
  // after a forward step larger than this purges only up to the time the
  // monotonic clock vouches for, so a clock stepped a year ahead deletes no
  // live session (see core/src/clock_step_guard.h). Purges by hand
  // (Store::PurgeExpired) use the time they are given.
  // Default: 10 minutes.
  int64_t purge_clock_step_tolerance_ms = 10 * 60 * 1000;

  // How long a forward step must persist, the wall clock keeping time with
  // the monotonic clock, before the background purge accepts it as a
  // correction and purges by it. Holding back only delays deletion of
  // records that reads already treat as expired.
  // Default: 24 hours.
  int64_t purge_clock_step_hold_ms = 24 * 60 * 60 * 1000;

  // Encrypt accounts' access, refresh and id tokens at rest (AES-256-GCM).
  // The first key encrypts new writes; every key listed decrypts. To rotate,
  // put the new key first, call Store::ReencryptAccounts, then drop the old
  // one. Reading an account's tokens (GetAccount, UpdateAccount,
  // ReencryptAccounts) sealed with a key that is not listed fails with
  // KeyUnavailable, naming the key id; lookups that return no tokens
  // (GetUserByAccount, DeleteUser, UnlinkAccount) work without the key. An
  // account written without encryption stays readable; ReencryptAccounts
  // encrypts it.
  // Default: empty (tokens stored as given).
  std::vector<TokenKey> token_keys;

  // Bytes each column family buffers in memory before RocksDB flushes it to
  // a table file (and starts a new write-ahead log). For tests, which set it
  // small so flushes, compactions and log switches happen after a few
  // hundred writes, and for tuning; RocksDB raises anything below 64 KiB
  // to 64 KiB. The meta family never takes more than 1 MiB.
  // Default: 8 MiB.
  size_t write_buffer_bytes = size_t{8} << 20;

  // Time source for expiry. Not owned; must outlive the store.
  // Default: nullptr, meaning Clock::System().
  const Clock* clock = nullptr;
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_OPTIONS_H_
