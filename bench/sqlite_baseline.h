// authkv: embedded auth-data store. Licensed under the ISC license.
//
// SqliteBaseline is baseline (a) of the benchmarks: what the seed's Auth.js
// adapter (MikroORM on SQLite) does per adapter call, done as fast as
// SQLite's C API allows. The tables, column types, UNIQUE constraints and
// indexes are the ones @auth/mikro-orm-adapter's entities generate
// (docs/contract.md §4.1): `user`, `account`, `session`, `verification_token`,
// text UUID primary keys, dates as integer epoch milliseconds, foreign keys
// on with ON DELETE CASCADE. Every call is one prepared statement (or, for
// the reads Auth.js makes as one call, one JOIN) and one implicit
// transaction, as each adapter call is its own transaction. The database
// runs in WAL mode with synchronous=NORMAL (acknowledged writes survive a
// process crash, like authkv's default) or FULL (fsync per commit, like
// authkv's Options::sync).
//
// Results are copied into the same authkv record structs the Store returns,
// so both sides of a comparison pay for materialising the same values.
//
// Thread safety: one SqliteBaseline is one connection, opened in SQLite's
// multi-thread mode: use it from one thread at a time. Readers on other
// threads open their own connection to the same file (WAL lets them run
// concurrently); writers share one connection behind a mutex, the usual
// single-writer pattern (SQLite allows one writer at a time anyway, and its
// busy handler sleeps for milliseconds when two connections collide).

#ifndef AUTHKV_BENCH_SQLITE_BASELINE_H_
#define AUTHKV_BENCH_SQLITE_BASELINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "authkv/records.h"
#include "authkv/result.h"
#include "authkv/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace authkv::bench {

struct SqliteOptions {
  // synchronous=FULL (fsync on every commit) when true, NORMAL otherwise.
  // Default: false, matching authkv's Options::sync.
  bool sync = false;
  // Page cache of this connection (PRAGMA cache_size).
  // Default: 32 MiB, authkv's default block cache.
  size_t cache_bytes = size_t{32} << 20;
};

class SqliteBaseline {
 public:
  // Opens (creating if missing) the database file at `path` and creates the
  // Auth.js tables unless they exist. IOError if SQLite cannot.
  static Result<std::unique_ptr<SqliteBaseline>> Open(const std::string& path,
                                                      const SqliteOptions& options);

  SqliteBaseline(const SqliteBaseline&) = delete;
  SqliteBaseline& operator=(const SqliteBaseline&) = delete;
  ~SqliteBaseline();

  // Switches synchronous between FULL (true) and NORMAL (false).
  Status SetSync(bool sync);
  // Runs SQL without results ("BEGIN", "COMMIT", a PRAGMA).
  Status Exec(const char* sql);

  // The Auth.js adapter calls, with the Store's outcomes: NotFound for a
  // missing record, AlreadyExists for a UNIQUE violation. The create calls
  // give accounts and sessions a fresh UUID row id, as MikroORM does.
  Result<User> CreateUser(const User& user);
  Result<User> GetUser(std::string_view id);
  Result<User> GetUserByEmail(std::string_view email);
  // The account joined with its user.
  Result<User> GetUserByAccount(std::string_view provider, std::string_view provider_account_id);
  Result<Account> LinkAccount(const Account& account);
  Result<Session> CreateSession(const Session& session);
  // The session joined with its user by token: the hot read.
  Result<SessionAndUser> GetSessionAndUser(std::string_view session_token);
  Result<Session> UpdateSession(std::string_view session_token, int64_t expires_ms);
  Result<Session> DeleteSession(std::string_view session_token);
  Result<VerificationToken> CreateVerificationToken(const VerificationToken& token);
  // DELETE ... RETURNING: find and delete in one atomic statement.
  Result<VerificationToken> UseVerificationToken(std::string_view identifier,
                                                 std::string_view token);

 private:
  class Statement;

  explicit SqliteBaseline(sqlite3* db);
  Status Prepare();
  Status Error(std::string_view what) const;
  // The prepared statement `id` (an index into the SQL table in the .cc).
  Statement& Stmt(int id);
  std::string NewRowId();

  sqlite3* db_;
  std::unique_ptr<Statement[]> statements_;
  uint64_t row_id_state_;  // PRNG state for row ids, seeded per connection.
};

}  // namespace authkv::bench

#endif  // AUTHKV_BENCH_SQLITE_BASELINE_H_
