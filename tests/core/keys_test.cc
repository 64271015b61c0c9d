#include "keys.h"

#include <catch2/catch.hpp>

#include "digest.h"

namespace authkv::internal {

TEST_CASE("session keys are SHA-256 digests, never the token", "[keys]") {
  std::string key = SessionKey("token-123");
  REQUIRE(key.size() == 32);
  REQUIRE(key.find("token-123") == std::string::npos);
  REQUIRE(ToHex(Sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("user link keys round-trip and group by user and kind", "[keys]") {
  std::string k = UserLinkKey("u1", LinkKind::kAccount, std::string("github\0id", 9));
  auto parsed = ParseUserLinkKey(k);
  REQUIRE(parsed);
  REQUIRE(parsed->user_id == "u1");
  REQUIRE(parsed->kind == LinkKind::kAccount);
  REQUIRE(parsed->child_key == std::string_view("github\0id", 9));
  REQUIRE(k.rfind(UserLinkPrefix("u1"), 0) == 0);
  REQUIRE(k.rfind(UserLinkPrefix("u1", LinkKind::kAccount), 0) == 0);
  // "u1" links never fall under "u" or "u10".
  REQUIRE(k.rfind(UserLinkPrefix("u"), 0) != 0);
  REQUIRE_FALSE(ParseUserLinkKey("no-nul"));
}

TEST_CASE("expiry keys sort by time, negative times included", "[keys]") {
  std::string a = ExpiryKey(-5, ExpiryKind::kSession, "x");
  std::string b = ExpiryKey(0, ExpiryKind::kSession, "x");
  std::string c = ExpiryKey(1'700'000'000'000, ExpiryKind::kVerificationToken, "y");
  REQUIRE(a < b);
  REQUIRE(b < c);
  REQUIRE(c < ExpiryUpperBound(1'700'000'000'001));
  REQUIRE_FALSE(c < ExpiryUpperBound(1'700'000'000'000));
  auto parsed = ParseExpiryKey(c);
  REQUIRE(parsed);
  REQUIRE(parsed->expires_ms == 1'700'000'000'000);
  REQUIRE(parsed->kind == ExpiryKind::kVerificationToken);
  REQUIRE(parsed->child_key == "y");
}

TEST_CASE("account and verification token keys split at the NUL", "[keys]") {
  const std::string account_key = AccountKey("github", "42");
  auto pair = SplitPair(account_key);
  REQUIRE(pair);
  REQUIRE(pair->first == "github");
  REQUIRE(pair->second == "42");
  const std::string token_key = VerificationTokenKey("a@b.c", "t");
  auto vt = SplitPair(token_key);
  REQUIRE(vt);
  REQUIRE(vt->first == "a@b.c");
  REQUIRE(vt->second == Sha256("t"));
}

}  // namespace authkv::internal
