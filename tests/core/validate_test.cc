#include "validate.h"

#include <catch2/catch.hpp>

#include "fixtures.h"

namespace authkv::internal {

TEST_CASE("UTF-8 validation rejects malformed sequences", "[validate]") {
  REQUIRE(IsValidUtf8("plain"));
  REQUIRE(IsValidUtf8("r\xc3\xb6le \xf0\x9f\x98\x80"));
  REQUIRE_FALSE(IsValidUtf8("\xc3"));           // Truncated.
  REQUIRE_FALSE(IsValidUtf8("\xc0\xaf"));       // Overlong.
  REQUIRE_FALSE(IsValidUtf8("\xed\xa0\x80"));   // Surrogate.
  REQUIRE_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Past U+10FFFF.
  REQUIRE_FALSE(IsValidUtf8("\xff"));
}

TEST_CASE("keys must be non-empty, bounded, NUL-free UTF-8", "[validate]") {
  REQUIRE(CheckKey("id", "abc").ok());
  REQUIRE(CheckKey("id", "").IsInvalidArgument());
  REQUIRE(CheckKey("id", std::string(kMaxKeyBytes + 1, 'a')).IsInvalidArgument());
  REQUIRE(CheckKey("id", std::string("a\0b", 3)).IsInvalidArgument());
  REQUIRE(CheckKey("id", "\xff").IsInvalidArgument());
  REQUIRE(CheckKey("id", "x").message().empty());
  REQUIRE(std::string(CheckKey("user.id", "").message()).find("user.id") != std::string::npos);
}

TEST_CASE("records are validated field by field", "[validate]") {
  User u = test::MakeUser("u1", "a@b.c");
  REQUIRE(ValidateUser(u, true).ok());
  u.id.clear();
  REQUIRE(ValidateUser(u, false).ok());
  REQUIRE(ValidateUser(u, true).IsInvalidArgument());
  u.extra_json = "not json";
  REQUIRE(ValidateUser(u, false).IsInvalidArgument());
  u.extra_json = "{\"role\":\"admin\"}";
  u.name = std::string(kMaxTextBytes + 1, 'n');
  REQUIRE(ValidateUser(u, false).IsInvalidArgument());

  Account a = test::MakeAccount("u1", "github", "1");
  REQUIRE(ValidateAccount(a).ok());
  a.provider = std::string("git\0hub", 7);
  REQUIRE(ValidateAccount(a).IsInvalidArgument());
  REQUIRE(ValidateSession(Session{"", "u1", 0}).IsInvalidArgument());
  REQUIRE(ValidateVerificationToken(VerificationToken{"a@b.c", "", 0}).IsInvalidArgument());
  Authenticator auth = test::MakeAuthenticator("c1", "u1");
  auth.user_id.clear();
  REQUIRE(ValidateAuthenticator(auth).IsInvalidArgument());
}

TEST_CASE("control characters are refused in ids, emails, names and provider fields",
          "[validate]") {
  // C0 (tab and newline included), DEL and C1 (U+009B is an 8-bit CSI).
  for (const std::string bad : {"a\x1b[2Jb", "a\tb", "a\nb", "a\rb", "a\x7f", "a\xc2\x9b" "31m",
                                "\xc2\x85"}) {
    INFO(bad);
    User u = test::MakeUser("u1", "a@b.c");
    u.name = bad;
    CHECK(ValidateUser(u, true).IsInvalidArgument());
    u = test::MakeUser(bad, "a@b.c");
    CHECK(ValidateUser(u, true).IsInvalidArgument());
    u = test::MakeUser("u1", bad + "@b.c");
    CHECK(ValidateUser(u, true).IsInvalidArgument());
    Account a = test::MakeAccount("u1", bad, "1");
    CHECK(ValidateAccount(a).IsInvalidArgument());
    a = test::MakeAccount("u1", "github", bad);
    CHECK(ValidateAccount(a).IsInvalidArgument());
    CHECK(ValidateSession(Session{"tok", bad, 0}).IsInvalidArgument());
    CHECK(ValidateVerificationToken(VerificationToken{bad, "tok", 0}).IsInvalidArgument());
    Authenticator w = test::MakeAuthenticator(bad, "u1");
    CHECK(ValidateAuthenticator(w).IsInvalidArgument());
  }
  // Other non-ASCII text and opaque secrets stay accepted.
  User u = test::MakeUser("u1", "\xc3\xa9mile@b.c");
  u.name = "\xc3\x89mile \xc2\xa0Zo\xc3\xab \xe2\x80\x94 \xf0\x9f\x98\x80";
  CHECK(ValidateUser(u, true).ok());
  Account a = test::MakeAccount("u1", "github", "1");
  a.access_token = "opaque\x01\x7f";
  CHECK(ValidateAccount(a).ok());
  CHECK(ValidateSession(Session{"tok\x1b", "u1", 0}).ok());
  // Reads still take such keys, so old data stays reachable.
  CHECK(CheckKey("email", "a\x1b@b.c").ok());
}

TEST_CASE("the store refuses a control character at the write", "[validate][store]") {
  test::StoreFixture f;
  User u = test::MakeUser("u1", "a@b.c");
  u.name = "Ann\x1b]0;title\x07";
  auto created = f.store->CreateUser(u);
  CHECK(created.status().IsInvalidArgument());
  CHECK(std::string(created.status().message()).find("user.name") != std::string::npos);
  REQUIRE(f.store->CreateUser(test::MakeUser("u1", "a@b.c")).ok());
  User patch;
  patch.id = "u1";
  patch.name = "x\ny";
  CHECK(f.store->UpdateUser(patch).status().IsInvalidArgument());
}

}  // namespace authkv::internal
