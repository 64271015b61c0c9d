// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Export: the lossless NDJSON form (read back by ReadExport), and SQL for
// PostgreSQL in the table layout of the official Auth.js PostgreSQL
// adapter, so an app can move to it. Both read one view (inspect.h).

#include <ostream>
#include <unordered_set>

#include "record_json.h"
#include "inspector_rep.h"
#include "status_macros.h"

namespace authkv {

namespace {

constexpr uint64_t kProgressEvery = 10'000;

// The adapter's schema.sql (next-auth packages/adapter-pg), widened only
// where authkv's data would not fit it; the header comment says where.
constexpr std::string_view kPostgresPreamble = R"sql(-- authkv-dump export --format sql
--
-- PostgreSQL tables in the layout of the official Auth.js PostgreSQL adapter
-- (@auth/pg-adapter, schema.sql): users, accounts, sessions,
-- verification_token, with its column names. Load with:
--   psql -v ON_ERROR_STOP=1 -f FILE DATABASE
-- Differences from the adapter's schema.sql, so authkv's data loads as is:
--   * users.id and every "userId" are TEXT, not SERIAL/INTEGER: authkv user
--     ids are strings (UUIDs). New users get gen_random_uuid()::text, so the
--     adapter, which inserts users without an id, keeps working.
--   * VARCHAR(255) columns are TEXT: authkv accepts longer values.
--   * users.email may be NULL (OAuth profiles without an email); an empty
--     email is written as NULL so it does not collide under UNIQUE.
-- Not exported:
--   * Sessions and verification tokens. authkv stores only the SHA-256
--     digest of each token, never the token, and the adapter looks tokens up
--     by their raw value, so they cannot be carried over: every user signs
--     in again after the move, and pending sign-in links must be requested
--     again. The tables are created empty.
--   * App-defined fields (extra_json of users and accounts): the adapter's
--     tables have no columns for them.
--   * OAuth tokens that authkv encrypts at rest (Options::token_keys): the
--     tool has no keys, so those columns are NULL, marked row by row.

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

BEGIN;

CREATE TABLE users
(
  id TEXT NOT NULL DEFAULT gen_random_uuid()::text,
  name TEXT,
  email TEXT UNIQUE,
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE accounts
(
  id SERIAL,
  "userId" TEXT NOT NULL REFERENCES users ON DELETE CASCADE,
  type TEXT NOT NULL,
  provider TEXT NOT NULL,
  "providerAccountId" TEXT NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id),
  UNIQUE (provider, "providerAccountId")
);

CREATE TABLE sessions
(
  id SERIAL,
  "userId" TEXT NOT NULL REFERENCES users ON DELETE CASCADE,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" TEXT UNIQUE NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

)sql";

// A SQL string literal. PostgreSQL text cannot hold NUL, so a value with one
// makes the row unexportable (the caller reports it).
class SqlRow {
 public:
  void Text(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) has_nul_ = true;
    Sep();
    out_ += '\'';
    for (char c : s) {
      if (c == '\'') out_ += '\'';
      out_ += c;
    }
    out_ += '\'';
  }
  void NullableText(const Nullable<std::string>& v) {
    if (v.has_value()) return Text(*v);
    Sep();
    out_ += "NULL";
  }
  void NullableInt(const Nullable<int64_t>& v) {
    Sep();
    out_ += v.has_value() ? std::to_string(*v) : "NULL";
  }
  void NullableTime(const Nullable<int64_t>& ms) {
    if (ms.has_value()) return Text(FormatIsoMillis(*ms));
    Sep();
    out_ += "NULL";
  }
  bool has_nul() const { return has_nul_; }
  std::string Finish() { return out_ + ")"; }

 private:
  void Sep() { out_ += out_.empty() ? "(" : ", "; }
  std::string out_;
  bool has_nul_ = false;
};

// One formatter per exported kind. Each returns the INSERT, or "" (with
// *why set) when PostgreSQL cannot hold the row.
std::string UserInsert(const User& u, std::string* why) {
  SqlRow row;
  row.Text(u.id);
  row.NullableText(u.name);
  row.NullableText(u.email.has_value() && u.email->empty() ? Nullable<std::string>::Null()
                                                           : u.email);
  row.NullableTime(u.email_verified_ms);
  row.NullableText(u.image);
  if (row.has_nul()) {
    *why = "not exported: a field contains a NUL byte, which PostgreSQL text cannot hold";
    return {};
  }
  return "INSERT INTO users (id, name, email, \"emailVerified\", image) VALUES " + row.Finish() +
         ";\n";
}

std::string AccountInsert(const StoredAccount& stored, std::string* why) {
  const Account& a = stored.account;
  SqlRow row;
  row.Text(a.user_id);
  row.Text(a.type);
  row.Text(a.provider);
  row.Text(a.provider_account_id);
  row.NullableText(a.refresh_token);
  row.NullableText(a.access_token);
  row.NullableInt(a.expires_at);
  row.NullableText(a.id_token);
  row.NullableText(a.scope);
  row.NullableText(a.session_state);
  row.NullableText(a.token_type);
  if (row.has_nul()) {
    *why = "not exported: a field contains a NUL byte, which PostgreSQL text cannot hold";
    return {};
  }
  // Without the app's keys, encrypted tokens can only be left out (NULL).
  const std::string note =
      stored.sealed_tokens.empty() ? "" : "-- tokens encrypted at rest in authkv: not exported\n";
  return note +
         "INSERT INTO accounts (\"userId\", type, provider, \"providerAccountId\", "
         "refresh_token, access_token, expires_at, id_token, scope, session_state, "
         "token_type) VALUES " +
         row.Finish() + ";\n";
}

class Exporter {
 public:
  Exporter(Inspector& inspector, std::ostream& out, const ProblemSink& problems,
           const ProgressFn& progress)
      : inspector_(inspector), out_(out), problems_(problems), progress_(progress) {}

  Status Ndjson() {
    out_ << internal::ExportHeaderJson({inspector_.schema_version(), inspector_.email_match()})
         << '\n';
    const JsonOptions with_secrets{.show_secrets = true};
    for (RecordKind kind : kAllRecordKinds) {
      AUTHKV_RETURN_IF_ERROR(
          Each(kind, [&](const Record& r) { out_ << RecordToJson(r, with_secrets) << '\n'; }));
    }
    return Flushed();
  }

  Status PostgresSql() {
    out_ << kPostgresPreamble;
    std::unordered_set<std::string> exported_users;
    AUTHKV_RETURN_IF_ERROR(Each(RecordKind::kUser, [&](const Record& r) {
      const auto& u = std::get<User>(r);
      std::string why;
      std::string sql = UserInsert(u, &why);
      if (sql.empty()) return Report(RecordKind::kUser, RecordKey(r), why);
      exported_users.insert(u.id);
      out_ << sql;
    }));
    AUTHKV_RETURN_IF_ERROR(Each(RecordKind::kAccount, [&](const Record& r) {
      const auto& a = std::get<StoredAccount>(r);
      if (!exported_users.contains(a.account.user_id)) {
        return Report(RecordKind::kAccount, RecordKey(r),
                      "not exported: its user " + a.account.user_id + " is not in the export");
      }
      std::string why;
      std::string sql = AccountInsert(a, &why);
      if (sql.empty()) return Report(RecordKind::kAccount, RecordKey(r), why);
      out_ << sql;
    }));
    out_ << "\nCOMMIT;\n";
    return Flushed();
  }

 private:
  template <typename Fn>
  Status Each(RecordKind kind, Fn fn) {
    return inspector_.Scan(
        kind,
        [&](const Record& r) {
          fn(r);
          if (progress_ && ++done_ % kProgressEvery == 0) progress_("export", done_);
          return out_.good();
        },
        problems_);
  }

  void Report(RecordKind kind, const std::string& key, std::string reason) {
    if (problems_) problems_(Problem::AtKey(RecordFamilyName(kind), key, std::move(reason)));
  }

  Status Flushed() {
    out_.flush();
    return out_.good() ? Status::OK() : Status::IOError("writing the export failed");
  }

  Inspector& inspector_;
  std::ostream& out_;
  const ProblemSink& problems_;
  const ProgressFn& progress_;
  uint64_t done_ = 0;
};

}  // namespace

Status Inspector::Export(std::ostream& out, ExportFormat format, const ProblemSink& problems,
                         const ProgressFn& progress) {
  Exporter exporter(*this, out, problems, progress);
  return format == ExportFormat::kNdjson ? exporter.Ndjson() : exporter.PostgresSql();
}

}  // namespace authkv
