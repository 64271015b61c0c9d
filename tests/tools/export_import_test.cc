// authkv tests: export and import. The NDJSON round trip reproduces every
// column family byte for byte; bad input is reported line by line and
// nothing is half-imported.

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "tool_support.h"

namespace authkv::test {
namespace {

constexpr std::string_view kHeader =
    R"({"kind":"header","format":"authkv-export","format_version":1,"schema_version":2,)"
    R"("email_match":"case_insensitive"})";
constexpr std::string_view kUserLine =
    R"({"kind":"user","value":{"id":"u1","email":"ann@example.com"}})";

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

TEST_CASE("export then import reproduces the database byte for byte", "[export]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  const std::string file = dir.Sub("export.ndjson");
  Run exported = RunTool({"export", dir.Sub("db"), "--output", file});
  REQUIRE(exported.code == 0);
  CHECK(ReadFile(file).rfind(std::string(kHeader) + "\n", 0) == 0);

  Run imported = RunTool({"import", dir.Sub("copy"), file});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  CHECK(imported.out ==
        "imported 2 users, 2 accounts, 3 sessions, 2 verification tokens, 1 authenticators\n");
  CHECK(FamilyContents(dir.Sub("copy")) == FamilyContents(dir.Sub("db")));
  // The copy exports to the same text, and reads through the store.
  CHECK(RunTool({"export", dir.Sub("copy")}).out == ReadFile(file));
  auto store = Store::Open(dir.Sub("copy"), Options{});
  REQUIRE_OK(store);
  CHECK((*store)->GetUserByEmail("BOB@example.com")->id == "u2");
  CHECK((*store)->GetUserByAccount("github", "101")->id == "u1");
  CHECK((*store)->GetAuthenticator("cred-1")->counter == 7);
}

TEST_CASE("import reads an export from stdin into an empty directory", "[export]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  WriteFile(dir.Sub("export.ndjson"), RunTool({"export", dir.Sub("db")}).out);
  std::filesystem::create_directory(dir.Sub("empty"));
  Run run = RunTool({"import", dir.Sub("empty"), "-"}, dir.Sub("export.ndjson"));
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(FamilyContents(dir.Sub("empty")) == FamilyContents(dir.Sub("db")));
}

TEST_CASE("malformed lines are reported with their numbers and nothing is imported", "[export]") {
  TempDir dir;
  const std::string file = dir.Sub("bad.ndjson");
  WriteFile(file, std::string(kHeader) + "\n" + std::string(kUserLine) + "\n" +
                      "{\"kind\":\"user\",\"value\":{\"id\":\n" +
                      R"({"kind":"widget","value":{}})" + "\n" +
                      R"({"kind":"account","value":{"user_id":"u1","type":"oauth",)"
                      R"("provider":"github","provider_account_id":"1",)"
                      R"("access_token":"<redacted:12 bytes>"}})" +
                      "\n" + R"({"kind":"user","value":{"id":"u2","email":7}})" + "\n");
  Run run = RunTool({"import", dir.Sub("target"), file});
  CHECK(run.code == 1);
  const std::string err = run.err;
  CHECK(Contains(err, "authkv-dump: line 3: invalid JSON: "));
  CHECK(Contains(err, "authkv-dump: line 4: unknown record kind \"widget\"\n"));
  CHECK(Contains(err, "authkv-dump: line 5: field \"access_token\" is redacted"));
  CHECK(Contains(err, "authkv-dump: line 6: field \"email\": must be a string\n"));
  CHECK(Contains(err, "authkv-dump: 4 bad lines; nothing imported\n"));
  CHECK(!Contains(err, "line 2"));
  CHECK(!Exists(dir.Sub("target")));
}

TEST_CASE("records that break the store's rules are refused as a whole", "[export]") {
  TempDir dir;
  const std::string file = dir.Sub("rules.ndjson");
  WriteFile(file, std::string(kHeader) + "\n" + std::string(kUserLine) + "\n" +
                      R"({"kind":"user","value":{"id":"u2","email":"ANN@example.com"}})" + "\n" +
                      R"({"kind":"session","value":{"token_sha256":")" +
                      HexString(TokenDigest("t")) + R"(","user_id":"u9","expires_ms":1}})" + "\n" +
                      std::string(kUserLine) + "\n");
  Run run = RunTool({"import", dir.Sub("target"), file});
  CHECK(run.code == 1);
  CHECK(Contains(run.err,
                 "authkv-dump: line 3: email ANN@example.com is taken (by line 2; emails "
                 "compare case_insensitive)\n"));
  CHECK(Contains(run.err, "authkv-dump: line 4: its user u9 is not in the import\n"));
  CHECK(Contains(run.err, "authkv-dump: line 5: duplicate user (also at line 2)\n"));
  CHECK(!Exists(dir.Sub("target")));
}

TEST_CASE("control characters in a session's user or a token's identifier are refused",
          "[export]") {
  TempDir dir;
  const std::string file = dir.Sub("controls.ndjson");
  // ESC (C0), DEL and NEL (C1, U+0085), which terminals may obey.
  WriteFile(file, std::string(kHeader) + "\n" + std::string(kUserLine) + "\n" +
                      R"({"kind":"session","value":{"token_sha256":")" +
                      HexString(TokenDigest("t")) +
                      R"(","user_id":"u1\u001b[2J","expires_ms":1}})" + "\n" +
                      R"({"kind":"verification_token","value":{"identifier":"ann\u007f@x.io",)"
                      R"("token_sha256":")" + HexString(TokenDigest("v1")) +
                      R"(","expires_ms":1}})" + "\n" +
                      R"({"kind":"verification_token","value":{"identifier":"ann\u0085@x.io",)"
                      R"("token_sha256":")" + HexString(TokenDigest("v2")) +
                      R"(","expires_ms":1}})" + "\n");
  Run run = RunTool({"import", dir.Sub("target"), file});
  INFO(run.err);
  CHECK(run.code == 1);
  CHECK(Contains(run.err, "line 3: session.user_id contains a control character"));
  CHECK(Contains(run.err, "line 4: verification_token.identifier contains a control character"));
  CHECK(Contains(run.err, "line 5: verification_token.identifier contains a control character"));
  CHECK(!Contains(run.err, "\x1b"));  // Nothing echoed to the terminal raw.
  CHECK(!Exists(dir.Sub("target")));
}

TEST_CASE("import refuses a database that holds data, and a newer export", "[export]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  const auto before = FamilyContents(dir.Sub("db"));
  WriteFile(dir.Sub("one.ndjson"), std::string(kHeader) + "\n" + std::string(kUserLine) + "\n");
  Run full = RunTool({"import", dir.Sub("db"), dir.Sub("one.ndjson")});
  CHECK(full.code == 1);
  CHECK(full.err == "authkv-dump: " + dir.Sub("db") +
                        " already holds data (users); import only into an empty database\n");
  CHECK(FamilyContents(dir.Sub("db")) == before);

  std::string newer(kHeader);
  newer.replace(newer.find("\"schema_version\":2"), 18, "\"schema_version\":9");
  WriteFile(dir.Sub("newer.ndjson"), newer + "\n" + std::string(kUserLine) + "\n");
  Run run = RunTool({"import", dir.Sub("target"), dir.Sub("newer.ndjson")});
  CHECK(run.code == 1);
  CHECK(run.err ==
        "authkv-dump: the export is from schema version 9, newer than this authkv supports (2); "
        "use a newer authkv-dump\n");
  CHECK(!Exists(dir.Sub("target")));
  WriteFile(dir.Sub("headless.ndjson"), std::string(kUserLine) + "\n");
  Run headless = RunTool({"import", dir.Sub("target"), dir.Sub("headless.ndjson")});
  CHECK(headless.code == 1);
  CHECK(Contains(headless.err, "authkv-dump: line 1: expected the export header"));
}

TEST_CASE("RecordFromJson reads back every kind RecordToJson writes", "[export]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  auto inspector = Inspector::Open(dir.Sub("db"), InspectOptions{});
  REQUIRE_OK(inspector);
  size_t seen = 0;
  for (RecordKind kind : kAllRecordKinds) {
    Status s = (*inspector)
                   ->Scan(kind,
                          [&](const Record& r) {
                            auto back =
                                RecordFromJson(RecordToJson(r, JsonOptions{.show_secrets = true}));
                            REQUIRE_OK(back);
                            CHECK(*back == r);
                            ++seen;
                            return true;
                          },
                          {});
    REQUIRE(s.ok());
  }
  CHECK(seen == 10);
}

TEST_CASE("RecordToJson escapes only what JSON needs and keeps null apart from absent",
          "[export]") {
  User u;
  u.id = "u\"1";
  u.name = "tab\t quote\" back\\ \x01 caf\xc3\xa9";
  u.email = Nullable<std::string>::Null();
  u.email_verified_ms = 1'700'000'000'123;
  u.extra_json = R"({"big":12345678901234567890,"f":1.0e5})";
  const std::string json = RecordToJson(Record(u), JsonOptions{});
  CHECK(json == R"({"kind":"user","key":"752231","value":{"id":"u\"1",)"
                R"("name":"tab\t quote\" back\\ \u0001 caf)"
                "\xc3\xa9"
                R"(","email":null,)"
                R"("email_verified_ms":1700000000123,"email_verified":"2023-11-14T22:13:20.123Z",)"
                R"("extra_json":"{\"big\":12345678901234567890,\"f\":1.0e5}"}})");
  auto back = RecordFromJson(json);
  REQUIRE_OK(back);
  CHECK(*back == Record(u));
}

}  // namespace authkv::test
