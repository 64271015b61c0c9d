// authkv: embedded auth-data store. Licensed under the ISC license.

#include "sqlite_baseline.h"

#include <sqlite3.h>

#include <chrono>
#include <random>

#include "dataset.h"

namespace authkv::bench {
namespace {

// The DDL MikroORM 6 generates for @auth/mikro-orm-adapter's entities on
// SQLite (docs/contract.md §4.1).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS `user` (
  `id` text NOT NULL, `name` text NULL, `email` text NULL DEFAULT '',
  `email_verified` datetime NULL, `image` text NULL,
  PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `user_email_unique` ON `user` (`email`);
CREATE TABLE IF NOT EXISTS `account` (
  `id` text NOT NULL, `user_id` text NOT NULL, `type` text NOT NULL,
  `provider` text NOT NULL, `provider_account_id` text NOT NULL,
  `refresh_token` text NULL, `access_token` text NULL, `expires_at` integer NULL,
  `token_type` text NULL, `scope` text NULL, `id_token` text NULL,
  `session_state` text NULL,
  CONSTRAINT `account_user_id_foreign` FOREIGN KEY (`user_id`)
    REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `account_user_id_index` ON `account` (`user_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `account_provider_provider_account_id_unique`
  ON `account` (`provider`, `provider_account_id`);
CREATE TABLE IF NOT EXISTS `session` (
  `id` text NOT NULL, `user_id` text NOT NULL, `expires` datetime NOT NULL,
  `session_token` text NOT NULL,
  CONSTRAINT `session_user_id_foreign` FOREIGN KEY (`user_id`)
    REFERENCES `user` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `session_user_id_index` ON `session` (`user_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `session_session_token_unique`
  ON `session` (`session_token`);
CREATE TABLE IF NOT EXISTS `verification_token` (
  `token` text NOT NULL, `expires` datetime NOT NULL, `identifier` text NOT NULL,
  PRIMARY KEY (`token`));
CREATE UNIQUE INDEX IF NOT EXISTS `verification_token_token_identifier_unique`
  ON `verification_token` (`token`, `identifier`);
)sql";

#define AUTHKV_USER_COLUMNS(t) t "id, " t "name, " t "email, " t "email_verified, " t "image"

enum StatementId : int {
  kInsertUser,
  kSelectUser,
  kSelectUserByEmail,
  kSelectUserByAccount,
  kInsertAccount,
  kInsertSession,
  kSelectSessionAndUser,
  kUpdateSession,
  kDeleteSession,
  kInsertVerificationToken,
  kUseVerificationToken,
  kStatementCount,
};

constexpr const char* kStatementSql[kStatementCount] = {
    "INSERT INTO `user` (id, name, email, email_verified, image) VALUES (?, ?, ?, ?, ?)",
    "SELECT " AUTHKV_USER_COLUMNS("") " FROM `user` WHERE id = ?",
    "SELECT " AUTHKV_USER_COLUMNS("") " FROM `user` WHERE email = ?",
    "SELECT " AUTHKV_USER_COLUMNS("u.") " FROM `account` a JOIN `user` u ON u.id = a.user_id"
    " WHERE a.provider = ? AND a.provider_account_id = ?",
    "INSERT INTO `account` (id, user_id, type, provider, provider_account_id,"
    " refresh_token, access_token, expires_at, token_type, scope, id_token, session_state)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO `session` (id, user_id, expires, session_token) VALUES (?, ?, ?, ?)",
    "SELECT s.user_id, s.expires, " AUTHKV_USER_COLUMNS("u.")
    " FROM `session` s JOIN `user` u ON u.id = s.user_id WHERE s.session_token = ?",
    "UPDATE `session` SET expires = ? WHERE session_token = ? RETURNING user_id, expires",
    "DELETE FROM `session` WHERE session_token = ? RETURNING user_id, expires",
    "INSERT INTO `verification_token` (token, expires, identifier) VALUES (?, ?, ?)",
    "DELETE FROM `verification_token` WHERE identifier = ? AND token = ?"
    " RETURNING identifier, token, expires",
};

#undef AUTHKV_USER_COLUMNS

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// A prepared statement. Each use binds, steps and resets it; the reset
// ends the statement's implicit transaction and unpins the bound text.
class SqliteBaseline::Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  sqlite3_stmt** out() { return &stmt_; }

  // Binders take 1-based parameter indexes. Text is bound without a copy:
  // REQUIRES: it outlives the next Reset.
  void Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, const Nullable<std::string>& v) {
    if (v.has_value()) {
      Bind(i, std::string_view(*v));
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }
  void Bind(int i, const Nullable<int64_t>& v) {
    if (v.has_value()) {
      Bind(i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  // Steps a statement that returns no rows, or one row it ignores.
  int Run() {
    int rc = Step();
    return rc == SQLITE_ROW ? Step() : rc;
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Column readers for the current row; 0-based indexes.
  std::string Text(int i) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  Nullable<std::string> NullableText(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return Nullable<std::string>::Null();
    return Text(i);
  }
  int64_t Int(int i) { return sqlite3_column_int64(stmt_, i); }
  Nullable<int64_t> NullableInt(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return Nullable<int64_t>::Null();
    return Int(i);
  }
  // The five user columns from column `first` on.
  User ReadUser(int first) {
    User user;
    user.id = Text(first);
    user.name = NullableText(first + 1);
    user.email = NullableText(first + 2);
    user.email_verified_ms = NullableInt(first + 3);
    user.image = NullableText(first + 4);
    return user;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

namespace {

// Resets a statement on scope exit, whatever path the call returns by.
template <typename S>
class ResetOnExit {
 public:
  explicit ResetOnExit(S& s) : s_(s) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { s_.Reset(); }

 private:
  S& s_;
};

}  // namespace

SqliteBaseline::SqliteBaseline(sqlite3* db)
    : db_(db),
      statements_(new Statement[kStatementCount]),
      row_id_state_(std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)) {}

SqliteBaseline::~SqliteBaseline() {
  statements_.reset();  // Finalise every statement before closing.
  sqlite3_close(db_);
}

Result<std::unique_ptr<SqliteBaseline>> SqliteBaseline::Open(const std::string& path,
                                                             const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteBaseline> baseline(new SqliteBaseline(db));
  if (rc != SQLITE_OK) return baseline->Error("open " + path);
  sqlite3_busy_timeout(db, 10000);
  const std::string cache_kib = std::to_string(options.cache_bytes / 1024);
  const std::string pragmas =
      "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
      " PRAGMA cache_size = -" +
      cache_kib + ";";
  if (Status s = baseline->Exec(pragmas.c_str()); !s.ok()) return s;
  if (Status s = baseline->SetSync(options.sync); !s.ok()) return s;
  if (Status s = baseline->Exec(kSchema); !s.ok()) return s;
  if (Status s = baseline->Prepare(); !s.ok()) return s;
  return baseline;
}

Status SqliteBaseline::Prepare() {
  for (int id = 0; id < kStatementCount; ++id) {
    if (sqlite3_prepare_v3(db_, kStatementSql[id], -1, SQLITE_PREPARE_PERSISTENT,
                           statements_[id].out(), nullptr) != SQLITE_OK) {
      return Error(kStatementSql[id]);
    }
  }
  return Status::OK();
}

Status SqliteBaseline::Error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::FailedPrecondition(msg);
  if ((code & 0xFF) == SQLITE_CONSTRAINT) return Status::AlreadyExists(msg);
  if ((code & 0xFF) == SQLITE_BUSY) return Status::Busy(msg);
  return Status::IOError(msg);
}

SqliteBaseline::Statement& SqliteBaseline::Stmt(int id) { return statements_[id]; }

std::string SqliteBaseline::NewRowId() {
  const uint64_t hi = SplitMix64(&row_id_state_);
  return FormatUuid(hi, SplitMix64(&row_id_state_));
}

Status SqliteBaseline::SetSync(bool sync) {
  return Exec(sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

Status SqliteBaseline::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
  Status s = Status::IOError(std::string(sql).substr(0, 60) + ": " + (err ? err : "?"));
  sqlite3_free(err);
  return s;
}

Result<User> SqliteBaseline::CreateUser(const User& user) {
  Statement& st = Stmt(kInsertUser);
  ResetOnExit reset(st);
  st.Bind(1, std::string_view(user.id));
  st.Bind(2, user.name);
  st.Bind(3, user.email);
  st.Bind(4, user.email_verified_ms);
  st.Bind(5, user.image);
  if (st.Run() != SQLITE_DONE) return Error("create user");
  return user;
}

Result<User> SqliteBaseline::GetUser(std::string_view id) {
  Statement& st = Stmt(kSelectUser);
  ResetOnExit reset(st);
  st.Bind(1, id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such user");
  if (rc != SQLITE_ROW) return Error("get user");
  return st.ReadUser(0);
}

Result<User> SqliteBaseline::GetUserByEmail(std::string_view email) {
  Statement& st = Stmt(kSelectUserByEmail);
  ResetOnExit reset(st);
  st.Bind(1, email);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no user with this email");
  if (rc != SQLITE_ROW) return Error("get user by email");
  return st.ReadUser(0);
}

Result<User> SqliteBaseline::GetUserByAccount(std::string_view provider,
                                              std::string_view provider_account_id) {
  Statement& st = Stmt(kSelectUserByAccount);
  ResetOnExit reset(st);
  st.Bind(1, provider);
  st.Bind(2, provider_account_id);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such account");
  if (rc != SQLITE_ROW) return Error("get user by account");
  return st.ReadUser(0);
}

Result<Account> SqliteBaseline::LinkAccount(const Account& account) {
  Statement& st = Stmt(kInsertAccount);
  ResetOnExit reset(st);
  const std::string row_id = NewRowId();
  st.Bind(1, std::string_view(row_id));
  st.Bind(2, std::string_view(account.user_id));
  st.Bind(3, std::string_view(account.type));
  st.Bind(4, std::string_view(account.provider));
  st.Bind(5, std::string_view(account.provider_account_id));
  st.Bind(6, account.refresh_token);
  st.Bind(7, account.access_token);
  st.Bind(8, account.expires_at);
  st.Bind(9, account.token_type);
  st.Bind(10, account.scope);
  st.Bind(11, account.id_token);
  st.Bind(12, account.session_state);
  if (st.Run() != SQLITE_DONE) return Error("link account");
  return account;
}

Result<Session> SqliteBaseline::CreateSession(const Session& session) {
  Statement& st = Stmt(kInsertSession);
  ResetOnExit reset(st);
  const std::string row_id = NewRowId();
  st.Bind(1, std::string_view(row_id));
  st.Bind(2, std::string_view(session.user_id));
  st.Bind(3, session.expires_ms);
  st.Bind(4, std::string_view(session.session_token));
  if (st.Run() != SQLITE_DONE) return Error("create session");
  return session;
}

Result<SessionAndUser> SqliteBaseline::GetSessionAndUser(std::string_view session_token) {
  Statement& st = Stmt(kSelectSessionAndUser);
  ResetOnExit reset(st);
  st.Bind(1, session_token);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such session");
  if (rc != SQLITE_ROW) return Error("get session and user");
  // Expired sessions are misses, as in authkv.
  const int64_t expires_ms = st.Int(1);
  if (expires_ms < NowMillis()) return Status::NotFound("session expired");
  return SessionAndUser{Session{std::string(session_token), st.Text(0), expires_ms},
                        st.ReadUser(2)};
}

Result<Session> SqliteBaseline::UpdateSession(std::string_view session_token, int64_t expires_ms) {
  Statement& st = Stmt(kUpdateSession);
  ResetOnExit reset(st);
  st.Bind(1, expires_ms);
  st.Bind(2, session_token);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such session");
  if (rc != SQLITE_ROW) return Error("update session");
  Session session{std::string(session_token), st.Text(0), st.Int(1)};
  if (st.Step() != SQLITE_DONE) return Error("update session");
  return session;
}

Result<Session> SqliteBaseline::DeleteSession(std::string_view session_token) {
  Statement& st = Stmt(kDeleteSession);
  ResetOnExit reset(st);
  st.Bind(1, session_token);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such session");
  if (rc != SQLITE_ROW) return Error("delete session");
  Session session{std::string(session_token), st.Text(0), st.Int(1)};
  if (st.Step() != SQLITE_DONE) return Error("delete session");
  return session;
}

Result<VerificationToken> SqliteBaseline::CreateVerificationToken(const VerificationToken& token) {
  Statement& st = Stmt(kInsertVerificationToken);
  ResetOnExit reset(st);
  st.Bind(1, std::string_view(token.token));
  st.Bind(2, token.expires_ms);
  st.Bind(3, std::string_view(token.identifier));
  if (st.Run() != SQLITE_DONE) return Error("create verification token");
  return token;
}

Result<VerificationToken> SqliteBaseline::UseVerificationToken(std::string_view identifier,
                                                               std::string_view token) {
  Statement& st = Stmt(kUseVerificationToken);
  ResetOnExit reset(st);
  st.Bind(1, identifier);
  st.Bind(2, token);
  int rc = st.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no such verification token");
  if (rc != SQLITE_ROW) return Error("use verification token");
  VerificationToken used{st.Text(0), st.Text(1), st.Int(2)};
  if (st.Step() != SQLITE_DONE) return Error("use verification token");
  return used;
}

}  // namespace authkv::bench
