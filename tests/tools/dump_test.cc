// authkv tests: authkv-dump's formatting (dump.h) on a seeded database,
// compared with the exact expected text.

#include "dump/dump.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "tool_support.h"

namespace authkv::test {
namespace {

using dump::DumpOptions;
using dump::ListFormat;

struct Seeded {
  TempDir dir;
  std::unique_ptr<Inspector> inspector;
  Seeded() {
    Seed(dir.Sub("db"));
    auto opened = Inspector::Open(dir.Sub("db"), InspectOptions{});
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    inspector = std::move(opened).value();
  }
};

std::string Dump(Inspector& inspector, DumpOptions options) {
  options.now_ms = kSeedNow;
  std::ostringstream out;
  std::vector<Problem> problems;
  Status s =
      dump::DumpTo(inspector, options, out, [&](const Problem& p) { problems.push_back(p); });
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(problems.empty());
  return out.str();
}

DumpOptions Kind(RecordKind kind, ListFormat format = ListFormat::kText) {
  DumpOptions o;
  o.kind = kind;
  o.format = format;
  return o;
}

}  // namespace

TEST_CASE("DumpTo lists users as an aligned table", "[dump]") {
  Seeded s;
  CHECK(Dump(*s.inspector, Kind(RecordKind::kUser)) ==
        "ID  EMAIL            NAME         EMAIL_VERIFIED            IMAGE                       "
        "        EXTRA_JSON\n"
        "u1  ann@example.com  Fill Murray  2023-11-14T22:13:20.123Z  "
        "https://www.fillmurray.com/460/300  {\"role\":\"admin\"}\n"
        "u2  Bob@Example.com  null         -                         -                           "
        "        -\n");
}

TEST_CASE("DumpTo redacts OAuth tokens unless secrets are asked for", "[dump]") {
  Seeded s;
  CHECK(Dump(*s.inspector, Kind(RecordKind::kAccount)) ==
        "PROVIDER  PROVIDER_ACCOUNT_ID  USER_ID  TYPE   SCOPE  EXPIRES_AT                "
        "ACCESS_TOKEN         REFRESH_TOKEN        ID_TOKEN\n"
        "github    101                  u1       oauth  user   1970-01-31T00:00:00.000Z  "
        "<redacted:10 bytes>  <redacted:11 bytes>  <redacted:6 bytes>\n"
        "google    202                  u2       oidc   -      -                         "
        "<redacted:11 bytes>  -                    null\n");
  DumpOptions secrets = Kind(RecordKind::kAccount, ListFormat::kJson);
  secrets.user_id = "u2";
  secrets.show_secrets = true;
  CHECK(Dump(*s.inspector, secrets) ==
        R"({"kind":"account","key":"676f6f676c6500323032","value":{"user_id":"u2",)"
        R"("type":"oidc","provider":"google","provider_account_id":"202",)"
        R"("access_token":"ya29.secret","id_token":null}})"
        "\n");
}

TEST_CASE("DumpTo shows sessions by digest with their state, filtered", "[dump]") {
  Seeded s;
  const std::string expired = HexString(TokenDigest("tok-expired"));
  DumpOptions o = Kind(RecordKind::kSession);
  o.expired_only = true;
  CHECK(Dump(*s.inspector, o) ==
        "TOKEN_SHA256                              USER_ID  EXPIRES                   STATE\n" +
            expired.substr(0, 37) + "...  u1       2023-11-14T21:13:20.000Z  expired\n");
  o = Kind(RecordKind::kSession, ListFormat::kJson);
  o.user_id = "u2";
  CHECK(Dump(*s.inspector, o) ==
        R"({"kind":"session","key":")" + HexString(TokenDigest("tok-bob")) +
            R"(","value":{"token_sha256":")" + HexString(TokenDigest("tok-bob")) +
            R"(","user_id":"u2","expires_ms":1700007200000,)"
            R"("expires":"2023-11-15T00:13:20.000Z"}})"
            "\n");
}

TEST_CASE("DumpTo lists verification tokens by identifier", "[dump]") {
  Seeded s;
  DumpOptions o = Kind(RecordKind::kVerificationToken);
  o.identifier = "ann@example.com";
  CHECK(Dump(*s.inspector, o) ==
        "IDENTIFIER       TOKEN_SHA256                              EXPIRES                   "
        "STATE\n"
        "ann@example.com  " +
            HexString(TokenDigest("vt-live")).substr(0, 37) +
            "...  2023-11-14T23:13:20.000Z  active\n");
}

TEST_CASE("DumpTo lists authenticators, raw hex and limits", "[dump]") {
  Seeded s;
  CHECK(Dump(*s.inspector, Kind(RecordKind::kAuthenticator)) ==
        "CREDENTIAL_ID  USER_ID  COUNTER  BACKED_UP  DEVICE_TYPE  TRANSPORTS\n"
        "cred-1         u1             7  yes        multiDevice  usb,ble,nfc\n");
  DumpOptions hex = Kind(RecordKind::kUser, ListFormat::kHex);
  hex.limit = 1;
  const std::string out = Dump(*s.inspector, hex);
  CHECK(CountLines(out) == 1);
  CHECK(out.rfind("7531 ==> ", 0) == 0);    // Key "u1".
  CHECK(Contains(out, HexString("AKUS")));  // The User table's identifier.
  DumpOptions limited = Kind(RecordKind::kUser, ListFormat::kJson);
  limited.limit = 1;
  CHECK(CountLines(Dump(*s.inspector, limited)) == 1);
}

TEST_CASE("PrintUserTree shows a user with what hangs off it", "[dump]") {
  Seeded s;
  auto tree = s.inspector->GetUserTree("u2", {});
  REQUIRE_OK(tree);
  DumpOptions o;
  o.now_ms = kSeedNow;
  std::ostringstream out;
  dump::PrintUserTree(*tree, o, out);
  CHECK(out.str() ==
        "user\n"
        "  id              u2\n"
        "  email           Bob@Example.com\n"
        "  name            null\n"
        "  email_verified  -\n"
        "  image           -\n"
        "  extra_json      -\n"
        "\n"
        "accounts (1)\n"
        "PROVIDER  PROVIDER_ACCOUNT_ID  USER_ID  TYPE  SCOPE  EXPIRES_AT  ACCESS_TOKEN         "
        "REFRESH_TOKEN  ID_TOKEN\n"
        "google    202                  u2       oidc  -      -           <redacted:11 bytes>  "
        "-              null\n"
        "\n"
        "sessions (1)\n"
        "TOKEN_SHA256                              USER_ID  EXPIRES                   STATE\n" +
            HexString(TokenDigest("tok-bob")).substr(0, 37) +
            "...  u2       2023-11-15T00:13:20.000Z  active\n"
            "\n"
            "authenticators (0)\n");
}

TEST_CASE("PrintStats counts records and expired ones", "[dump]") {
  Seeded s;
  auto stats = s.inspector->GetStats(kSeedNow, {});
  REQUIRE_OK(stats);
  std::ostringstream text, json;
  dump::PrintStats(*stats, "DB", false, text);
  dump::PrintStats(*stats, "DB", true, json);
  CHECK(Contains(text.str(),
                 "RECORDS              COUNT  EXPIRED\n"
                 "users                    2        -\n"
                 "accounts                 2        -\n"
                 "sessions                 3        1\n"
                 "verification_tokens      2        1\n"
                 "authenticators           1        -\n"));
  CHECK(Contains(json.str(),
                 R"("records":{"users":2,"accounts":2,"sessions":3,"verification_tokens":2,)"
                 R"("authenticators":1},"expired":{"sessions":1,"verification_tokens":1})"));
}

}  // namespace authkv::test
