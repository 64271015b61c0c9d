// authkv: embedded auth-data store. Licensed under the ISC license.

#include "dump/sqlite_source.h"

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>

#include "authkv/store.h"

namespace authkv::dump {
namespace {

// Days since 1970-01-01 of a calendar date; nullopt for one that does not
// exist (February 31).
std::optional<int64_t> DaysSinceEpoch(int64_t y, int64_t m, int64_t d) {
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(y)),
                                         std::chrono::month(static_cast<unsigned>(m)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date).time_since_epoch().count();
}

// Reads `n` digits at *pos into *out.
bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Typed access to the current row; problems are collected, not returned,
// so one pass lists every bad value of a row.
class Row {
 public:
  Row(sqlite3_stmt* stmt, std::vector<std::string>* problems) : stmt_(stmt), problems_(problems) {}

  Nullable<std::string> Text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return Nullable<std::string>::Null();
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return std::string(data ? data : "", sqlite3_column_bytes(stmt_, col));
  }
  std::string Required(int col) const {
    auto v = Text(col);
    if (!v.has_value()) problems_->push_back(std::string(Name(col)) + " is NULL");
    return v.value_or("");
  }
  Nullable<int64_t> Int(int col) const {
    switch (sqlite3_column_type(stmt_, col)) {
      case SQLITE_NULL:
        return Nullable<int64_t>::Null();
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt_, col));
      default:
        break;
    }
    const std::string text = Text(col).value_or("");
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      problems_->push_back(std::string(Name(col)) + " is not an integer: " + text);
      return Nullable<int64_t>::Null();
    }
    return v;
  }
  Nullable<int64_t> Date(int col) const {
    switch (sqlite3_column_type(stmt_, col)) {
      case SQLITE_NULL:
        return Nullable<int64_t>::Null();
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt_, col));
      case SQLITE_FLOAT:
        return static_cast<int64_t>(std::llround(sqlite3_column_double(stmt_, col)));
      default:
        break;
    }
    const std::string text = Text(col).value_or("");
    auto ms = ParseSqliteDate(text);
    if (!ms) {
      problems_->push_back(std::string(Name(col)) + " is not a date: " + text);
      return Nullable<int64_t>::Null();
    }
    return *ms;
  }
  int64_t RequiredDate(int col) const {
    auto ms = Date(col);
    if (ms.is_null() && sqlite3_column_type(stmt_, col) == SQLITE_NULL) {
      problems_->push_back(std::string(Name(col)) + " is NULL");
    }
    return ms.value_or(0);
  }

 private:
  std::string_view Name(int col) const { return sqlite3_column_name(stmt_, col); }
  sqlite3_stmt* stmt_;
  std::vector<std::string>* problems_;
};

class SqliteReader {
 public:
  SqliteReader(sqlite3* db, const ProblemSink& problems) : db_(db), problems_(problems) {}

  // Runs `select` on `table` and hands each row to `read`, which returns
  // the record and a label naming the row.
  Status Table(std::string_view table, const std::string& select,
               const std::function<Record(const Row&, std::string* label)>& read, ImportSet* set) {
    Statement stmt;
    if (sqlite3_prepare_v2(db_, select.c_str(), -1, stmt.out(), nullptr) != SQLITE_OK) {
      return Status::InvalidArgument("not an Auth.js MikroORM database (table " +
                                     std::string(table) + "): " + sqlite3_errmsg(db_));
    }
    int rc;
    for (size_t n = 1; (rc = sqlite3_step(stmt.get())) == SQLITE_ROW; ++n) {
      std::vector<std::string> row_problems;
      Row row(stmt.get(), &row_problems);
      std::string label;
      Record record = read(row, &label);
      std::string origin = "sqlite " + std::string(table) + " row " + std::to_string(n);
      if (!label.empty()) origin += " (" + label + ")";
      for (auto& p : row_problems) {
        ++bad_;
        if (problems_) problems_(Problem{origin, std::move(p)});
      }
      if (row_problems.empty()) set->items.push_back({std::move(record), std::move(origin)});
    }
    if (rc != SQLITE_DONE) {
      return Status::IOError("reading table " + std::string(table) + ": " + sqlite3_errmsg(db_));
    }
    return Status::OK();
  }

  size_t bad() const { return bad_; }

 private:
  sqlite3* db_;
  const ProblemSink& problems_;
  size_t bad_ = 0;
};

Record ReadUser(const Row& row, std::string* label) {
  User u;
  u.id = row.Required(0);
  *label = "id=" + u.id;
  u.name = row.Text(1);
  u.email = row.Text(2);
  // MikroORM's entity default for a user without an email is ''.
  if (u.email.has_value() && u.email->empty()) u.email = Nullable<std::string>::Null();
  u.email_verified_ms = row.Date(3);
  u.image = row.Text(4);
  return u;
}

Record ReadAccount(const Row& row, std::string* label) {
  StoredAccount stored;
  Account& a = stored.account;
  a.user_id = row.Required(0);
  a.type = row.Required(1);
  a.provider = row.Required(2);
  a.provider_account_id = row.Required(3);
  *label = a.provider + "/" + a.provider_account_id;
  a.refresh_token = row.Text(4);
  a.access_token = row.Text(5);
  a.expires_at = row.Int(6);
  a.token_type = row.Text(7);
  a.scope = row.Text(8);
  a.id_token = row.Text(9);
  a.session_state = row.Text(10);
  return stored;
}

Record ReadSession(const Row& row, std::string* label) {
  StoredSession s;
  s.user_id = row.Required(0);
  *label = "user_id=" + s.user_id;
  s.expires_ms = row.RequiredDate(1);
  s.token_sha256 = TokenDigest(row.Required(2));
  return s;
}

Record ReadToken(const Row& row, std::string* label) {
  StoredVerificationToken t;
  t.identifier = row.Required(0);
  *label = "identifier=" + t.identifier;
  t.token_sha256 = TokenDigest(row.Required(1));
  t.expires_ms = row.RequiredDate(2);
  return t;
}

}  // namespace

std::optional<int64_t> ParseSqliteDate(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return v;

  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!Digits(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &day)) {
    return std::nullopt;
  }
  const std::optional<int64_t> days = DaysSinceEpoch(year, month, day);
  if (!days) return std::nullopt;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!Digits(s, &pos, 2, &hour) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &minute)) {
      return std::nullopt;
    }
    if (Expect(s, &pos, ':') && !Digits(s, &pos, 2, &second)) return std::nullopt;
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (Expect(s, &pos, '.')) {
      // Milliseconds from the first three fraction digits; finer ones drop.
      size_t digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits++ < 3) millis = millis * 10 + (s[pos] - '0');
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 3; ++digits) millis *= 10;
    }
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos++] == '-' ? -1 : 1;
    int64_t oh = 0, om = 0;
    if (!Digits(s, &pos, 2, &oh)) return std::nullopt;
    Expect(s, &pos, ':');
    if (!Digits(s, &pos, 2, &om) || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t seconds = *days * 86'400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

Result<ImportSet> ReadMikroOrmSqlite(const std::string& path, const ProblemSink& problems) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("no SQLite database at " + path);
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (rc != SQLITE_OK) {
    return Status::InvalidArgument("cannot open " + path + ": " +
                                   (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  ImportSet set;
  set.schema_version = kSchemaVersion;
  SqliteReader reader(db.get(), problems);
  Status s = reader.Table(
      "user", "SELECT id, name, email, email_verified, image FROM \"user\" ORDER BY rowid",
      ReadUser, &set);
  if (s.ok()) {
    s = reader.Table("account",
                     "SELECT user_id, type, provider, provider_account_id, refresh_token, "
                     "access_token, expires_at, token_type, scope, id_token, session_state "
                     "FROM account ORDER BY rowid",
                     ReadAccount, &set);
  }
  if (s.ok()) {
    s = reader.Table("session",
                     "SELECT user_id, expires, session_token FROM session ORDER BY rowid",
                     ReadSession, &set);
  }
  if (s.ok()) {
    s = reader.Table("verification_token",
                     "SELECT identifier, token, expires FROM verification_token ORDER BY rowid",
                     ReadToken, &set);
  }
  if (!s.ok()) return s;
  if (reader.bad() > 0) {
    return Status::InvalidArgument(std::to_string(reader.bad()) + " bad value" +
                                   (reader.bad() == 1 ? "" : "s") + "; nothing imported");
  }
  return set;
}

}  // namespace authkv::dump
