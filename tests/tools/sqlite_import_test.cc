// authkv tests: import --from-sqlite of an Auth.js database in the MikroORM
// adapter's default schema, which the test builds itself (the DDL MikroORM's
// SQLite driver generates for the adapter's entities; datetimes as epoch
// milliseconds), with every row checked through the store afterwards.

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "dump/sqlite_source.h"
#include "tool_support.h"

namespace authkv::test {
namespace {

constexpr const char* kMikroOrmSchema = R"sql(
create table `user` (`id` text not null, `name` text null, `email` text null default '',
  `email_verified` datetime null, `image` text null, primary key (`id`));
create unique index `user_email_unique` on `user` (`email`);
create table `account` (`id` text not null, `user_id` text not null, `type` text not null,
  `provider` text not null, `provider_account_id` text not null, `refresh_token` text null,
  `access_token` text null, `expires_at` integer null, `token_type` text null,
  `scope` text null, `id_token` text null, `session_state` text null,
  constraint `account_user_id_foreign` foreign key(`user_id`) references `user`(`id`)
    on delete cascade on update cascade, primary key (`id`));
create index `account_user_id_index` on `account` (`user_id`);
create unique index `account_provider_provider_account_id_unique`
  on `account` (`provider`, `provider_account_id`);
create table `session` (`id` text not null, `user_id` text not null,
  `expires` datetime not null, `session_token` text not null,
  constraint `session_user_id_foreign` foreign key(`user_id`) references `user`(`id`)
    on delete cascade on update cascade, primary key (`id`));
create index `session_user_id_index` on `session` (`user_id`);
create unique index `session_session_token_unique` on `session` (`session_token`);
create table `verification_token` (`token` text not null, `expires` datetime not null,
  `identifier` text not null, primary key (`token`));
create unique index `verification_token_token_identifier_unique`
  on `verification_token` (`token`, `identifier`);
)sql";

// Far enough ahead that the wall clock never expires them during the test.
constexpr int64_t kFuture = 4'102'444'800'000;  // 2100-01-01.

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : "") << "\n" << sql);
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

void BuildMikroOrmDatabase(const std::string& path, const std::string& rows) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  Exec(db, kMikroOrmSchema);
  Exec(db, rows);
  sqlite3_close(db);
}

const std::string kRows = R"sql(
insert into `user` values ('a1b2', 'Ann', 'ann@example.com', 1700000000123, 'https://img/ann');
insert into `user` values ('c3d4', null, '', null, null);
insert into account values ('acc-1', 'a1b2', 'oauth', 'github', '101', 'gh-refresh',
  'gh-access', 1700003600, 'bearer', 'read:user', null, null);
insert into account values ('acc-2', 'c3d4', 'oidc', 'google', '202', null, 'g-access',
  null, 'bearer', 'openid', 'g-id-token', 'state-1');
insert into session values ('s-1', 'a1b2', )sql" +
                          std::to_string(kFuture) +
                          R"sql(, 'raw-session-token-1');
insert into session values ('s-2', 'c3d4', )sql" +
                          std::to_string(kFuture) +
                          R"sql(, 'raw-session-token-2');
insert into verification_token values ('hashed-vt-1', )sql" +
                          std::to_string(kFuture) +
                          R"sql(, 'ann@example.com');
)sql";

}  // namespace

TEST_CASE("import --from-sqlite brings every MikroORM row into authkv", "[sqlite]") {
  TempDir dir;
  BuildMikroOrmDatabase(dir.Sub("auth.sqlite"), kRows);
  Run run = RunTool({"import", dir.Sub("db"), "--from-sqlite", dir.Sub("auth.sqlite")});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(run.out ==
        "imported 2 users, 2 accounts, 2 sessions, 1 verification tokens, 0 authenticators\n");
  CHECK(RunTool({"verify", dir.Sub("db")}).code == 0);

  auto opened = Store::Open(dir.Sub("db"), Options{});
  REQUIRE_OK(opened);
  Store& store = **opened;
  User ann = *store.GetUser("a1b2");
  CHECK(*ann.name == "Ann");
  CHECK(*ann.email == "ann@example.com");
  CHECK(*ann.email_verified_ms == 1'700'000'000'123);
  CHECK(*ann.image == "https://img/ann");
  CHECK(store.GetUserByEmail("ANN@example.com")->id == "a1b2");
  User anon = *store.GetUser("c3d4");
  CHECK(anon.name.is_null());
  CHECK(anon.email.is_null());  // MikroORM's '' for "no email".
  CHECK(anon.email_verified_ms.is_null());
  CHECK(anon.image.is_null());

  Account github = *store.GetAccount("github", "101");
  CHECK(github.user_id == "a1b2");
  CHECK(github.type == "oauth");
  CHECK(*github.refresh_token == "gh-refresh");
  CHECK(*github.access_token == "gh-access");
  CHECK(*github.expires_at == 1'700'003'600);
  CHECK(*github.token_type == "bearer");
  CHECK(*github.scope == "read:user");
  CHECK(github.id_token.is_null());
  CHECK(github.session_state.is_null());
  Account google = *store.GetAccount("google", "202");
  CHECK(google.user_id == "c3d4");
  CHECK(google.refresh_token.is_null());
  CHECK(*google.id_token == "g-id-token");
  CHECK(*google.session_state == "state-1");
  CHECK(google.expires_at.is_null());
  CHECK(store.GetUserByAccount("google", "202")->id == "c3d4");

  // Raw tokens were hashed on the way in, so existing cookies still work.
  auto s1 = store.GetSessionAndUser("raw-session-token-1");
  REQUIRE_OK(s1);
  CHECK(s1->user.id == "a1b2");
  CHECK(s1->session.expires_ms == kFuture);
  CHECK(store.GetSessionAndUser("raw-session-token-2")->user.id == "c3d4");
  auto vt = store.UseVerificationToken("ann@example.com", "hashed-vt-1");
  REQUIRE_OK(vt);
  CHECK(vt->expires_ms == kFuture);
}

TEST_CASE("import --from-sqlite reports bad rows and a foreign file, importing nothing",
          "[sqlite]") {
  TempDir dir;
  BuildMikroOrmDatabase(dir.Sub("auth.sqlite"),
                        kRows +
                            "insert into session values ('s-3', 'a1b2', 'soon', 'tok-3');"
                            "insert into session values ('s-4', 'zz', 1, 'tok-4');");
  Run run = RunTool({"import", dir.Sub("db"), "--from-sqlite", dir.Sub("auth.sqlite")});
  CHECK(run.code == 1);
  CHECK(Contains(
      run.err, "authkv-dump: sqlite session row 3 (user_id=a1b2): expires is not a date: soon\n"));
  CHECK(!std::filesystem::exists(dir.Sub("db")));

  WriteFile(dir.Sub("other.sqlite"), "");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.Sub("other.sqlite").c_str(), &db) == SQLITE_OK);
    Exec(db, "create table notes (body text);");
    sqlite3_close(db);
  }
  Run foreign = RunTool({"import", dir.Sub("db"), "--from-sqlite", dir.Sub("other.sqlite")});
  CHECK(foreign.code == 1);
  CHECK(foreign.err ==
        "authkv-dump: not an Auth.js MikroORM database (table user): no such table: user\n");
}

TEST_CASE("MikroORM datetimes parse as epoch milliseconds or ISO-8601", "[sqlite]") {
  using dump::ParseSqliteDate;
  CHECK(ParseSqliteDate("1700000000123") == 1'700'000'000'123);
  CHECK(ParseSqliteDate("2023-11-14T22:13:20.123Z") == 1'700'000'000'123);
  CHECK(ParseSqliteDate("2023-11-14 22:13:20") == 1'700'000'000'000);
  CHECK(ParseSqliteDate("2023-11-15T00:13:20+02:00") == 1'700'000'000'000);
  CHECK(ParseSqliteDate("1969-12-31T23:59:59.999Z") == -1);
  CHECK(!ParseSqliteDate("soon"));
  CHECK(!ParseSqliteDate("2023-13-01"));
  CHECK(ParseSqliteDate("2024-02-29") == 1'709'164'800'000);
  CHECK(!ParseSqliteDate("2023-02-29"));
  CHECK(!ParseSqliteDate("2023-02-31T00:00:00Z"));
  CHECK(!ParseSqliteDate("2023-11-14T99:00:00Z"));
  CHECK(!ParseSqliteDate("2023-11-14T22:60:00Z"));
  CHECK(!ParseSqliteDate("2023-11-14T22:13:20+24:00"));
  CHECK(!ParseSqliteDate(""));
}

}  // namespace authkv::test
