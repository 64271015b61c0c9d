// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Store is an open authkv database: the Auth.js adapter model (users,
// accounts, sessions, verification tokens, WebAuthn authenticators) kept in
// one RocksDB directory. There is one method per Auth.js adapter method.
//
// Outcomes, for every method:
//   - OK with the record.
//   - NotFound when the record asked for does not exist. An expired session
//     is NotFound too. This is an ordinary outcome, not a failure.
//   - AlreadyExists when a unique key is taken: a user id or email, a
//     provider + providerAccountId pair, a session token, a verification
//     token, a credential id.
//   - FailedPrecondition when a record refers to a user that does not exist.
//   - InvalidArgument for malformed input (empty or oversized keys, a NUL in
//     a key, invalid UTF-8, extra_json that is not a JSON object).
//   - Corruption when stored bytes fail their checksum or verification;
//     corrupted data is never returned as a record.
//   - IOError / Busy / VersionMismatch from the storage layer.
// A failed write changes nothing: every write is one atomic batch.
//
// Thread safety: all methods may be called concurrently from any number of
// threads. Uniqueness and single use hold under races: of N threads creating
// the same key exactly one succeeds, and of N threads using one verification
// token exactly one gets it.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_STORE_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/options.h"
#include "authkv/records.h"
#include "authkv/result.h"
#include "authkv/status.h"

namespace authkv {

// The on-disk format version this library writes. Opening a database with a
// newer version fails with VersionMismatch; an older one is upgraded in
// place by a writable open (a read-only open fails with VersionMismatch).
//   1: the first format.
//   2: value checksums cover the record's key; emails are indexed by
//      JavaScript's toLowerCase of the whole address. The upgrade from 1
//      fails with FailedPrecondition, naming the users and changing
//      nothing, if two users' emails become one address.
inline constexpr uint32_t kSchemaVersion = 2;

// Counters of the in-memory session cache (Options::session_cache_bytes).
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;           // Approximate memory held by entries.
  uint64_t capacity_bytes = 0;  // 0 when the cache is off.
};

// What the background purge (Options::purge_interval_ms) has done.
struct MaintenanceStats {
  uint64_t purge_runs = 0;
  uint64_t purged_sessions = 0;
  uint64_t purged_verification_tokens = 0;
  Status last_error;  // OK, or why the latest run failed.
  // Runs held back by a forward clock step (Options::
  // purge_clock_step_tolerance_ms), and by how much the wall clock was
  // ahead at the latest run (0 when it was not held back).
  uint64_t clock_step_held_runs = 0;
  int64_t clock_ahead_ms = 0;
  // Forward steps accepted after Options::purge_clock_step_hold_ms.
  uint64_t clock_steps_accepted = 0;
};

class Store {
 public:
  // Opens (or, with Options::create_if_missing, creates) the database in the
  // directory `path`. Errors: Busy if another process holds it open,
  // VersionMismatch if it was written by a newer authkv, InvalidArgument if
  // the directory is not an authkv database or the options conflict with it.
  //
  // A directory is open at most once per process. Opening one that is open
  // already, under any path spelling (relative, absolute, trailing slash,
  // symlink), returns another Store on the same open database; each Store
  // is destroyed on its own and the last one closes the database. Such an
  // open fails with InvalidArgument if it disagrees with the first on
  // read_only, sync, email_match, token_keys or clock; cache sizes and the
  // purge interval are the first open's.
  static Result<std::unique_ptr<Store>> Open(const std::string& path,
                                             const Options& options);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  // Drops this handle; the last handle on a directory closes the database.
  // REQUIRES: no call is running on this Store on another thread.
  ~Store();

  // --- Users ---------------------------------------------------------------

  // Stores `user` and returns it as stored. An empty id gets a new UUIDv7.
  // AlreadyExists if the id or the (normalized) email is taken.
  Result<User> CreateUser(User user);
  Result<User> GetUser(std::string_view id);
  // Finds a user by email, compared per Options::email_match.
  Result<User> GetUserByEmail(std::string_view email);
  Result<User> GetUserByAccount(std::string_view provider,
                                std::string_view provider_account_id);
  // Merges `patch` into the stored user `patch.id`: absent fields are kept,
  // null or valued fields are set, and extra_json's keys are merged into the
  // stored object. Returns the whole updated user. NotFound if missing;
  // AlreadyExists if a changed email belongs to someone else.
  Result<User> UpdateUser(const User& patch);
  // Deletes the user with its accounts, sessions and authenticators in one
  // atomic batch and returns the deleted user. NotFound if missing.
  Result<User> DeleteUser(std::string_view id);

  // --- Accounts ------------------------------------------------------------

  // FailedPrecondition if account.user_id does not exist; AlreadyExists if
  // the provider + provider_account_id pair is linked already.
  Result<Account> LinkAccount(const Account& account);
  Result<Account> GetAccount(std::string_view provider,
                             std::string_view provider_account_id);
  // Merges token fields into a linked account, like UpdateUser (Auth.js does
  // not refresh stored tokens on later sign-ins; apps call this instead).
  // user_id and type cannot change. NotFound if missing.
  Result<Account> UpdateAccount(const Account& patch);
  // Rewrites every account whose tokens are not sealed with the current
  // (first) Options::token_keys entry: the step between adding a new key and
  // dropping an old one. Returns how many accounts were rewritten.
  // InvalidArgument if no token key is configured.
  Result<uint64_t> ReencryptAccounts();

  // Removes the account and returns it. NotFound if missing. Works without
  // the token key its tokens were encrypted with; the returned account then
  // has no tokens.
  Result<Account> UnlinkAccount(std::string_view provider,
                                std::string_view provider_account_id);

  // --- Sessions ------------------------------------------------------------

  // FailedPrecondition if the user does not exist; AlreadyExists if the
  // token is in use.
  Result<Session> CreateSession(const Session& session);
  // The hot read: the session for `session_token` and its user. NotFound if
  // either is missing or the session has expired.
  Result<SessionAndUser> GetSessionAndUser(std::string_view session_token);
  // Sets a session's expiry and returns the session. NotFound if missing.
  Result<Session> UpdateSession(std::string_view session_token,
                                int64_t expires_ms);
  // Deletes a session and returns it (expired or not). NotFound if missing.
  Result<Session> DeleteSession(std::string_view session_token);

  // --- Verification tokens --------------------------------------------------

  // Several tokens may coexist for one identifier. AlreadyExists if this
  // exact identifier + token pair is stored.
  Result<VerificationToken> CreateVerificationToken(
      const VerificationToken& token);
  // Finds and deletes the token in one step and returns it, expired or not
  // (Auth.js checks expiry itself). NotFound if it does not exist, was used
  // already, or belongs to another identifier.
  Result<VerificationToken> UseVerificationToken(std::string_view identifier,
                                                 std::string_view token);

  // --- Authenticators (WebAuthn) --------------------------------------------

  // FailedPrecondition if the user does not exist; AlreadyExists if the
  // credential id is registered.
  Result<Authenticator> CreateAuthenticator(const Authenticator& authenticator);
  Result<Authenticator> GetAuthenticator(std::string_view credential_id);
  // Every authenticator of the user, ordered by credential id; empty (not
  // NotFound) for an unknown user.
  Result<std::vector<Authenticator>> ListAuthenticatorsByUserId(
      std::string_view user_id);
  // NotFound if the credential does not exist.
  Result<Authenticator> UpdateAuthenticatorCounter(
      std::string_view credential_id, uint64_t counter);

  // --- Maintenance -----------------------------------------------------------

  // Deletes every session and verification token that expired before
  // `now_ms`, in batches, and says how many of each went.
  Result<PurgeResult> PurgeExpired(int64_t now_ms);

  // The schema version stored in the database.
  uint32_t schema_version() const;

  // Hit and miss counts and size of the session cache.
  CacheStats GetCacheStats() const;

  MaintenanceStats GetMaintenanceStats() const;

  struct Rep;  // Implementation detail, defined in core/src.

 private:
  explicit Store(std::shared_ptr<Rep> rep);
  // Shared by every Store open on the same directory in this process.
  std::shared_ptr<Rep> rep_;
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_STORE_H_
