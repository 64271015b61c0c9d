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

}  // namespace authkv::internal
