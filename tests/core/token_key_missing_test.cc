// authkv tests: a missing or retired token key (Options::token_keys) stops
// only the calls that return OAuth tokens, with KeyUnavailable naming the
// key; OAuth sign-in (GetUserByAccount), unlinking and deleting the user go
// on, because they never decrypt the tokens.

#include <catch2/catch.hpp>

#include "fixtures.h"

namespace authkv::test {
namespace {

TokenKey Key(uint32_t id, char fill) { return TokenKey{id, std::string(32, fill)}; }

Options WithKeys(std::vector<TokenKey> keys) {
  Options o;
  o.token_keys = std::move(keys);
  return o;
}

bool Says(const Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("without its token key an account still signs in, unlinks and deletes",
          "[store][token_cipher]") {
  StoreFixture f(WithKeys({Key(7, 'k')}));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "42")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "google", "43")));
  f.Close();

  // No key at all, or only a newer one (the old one retired too early).
  const bool retired = GENERATE(false, true);
  f.Open(retired ? WithKeys({Key(8, 'n')}) : Options{});
  INFO((retired ? "key 7 retired" : "no key"));

  auto tokens = f.store->GetAccount("github", "42");
  REQUIRE_CODE(tokens, Code::kKeyUnavailable);
  CHECK(Says(tokens.status(), "token key id 7"));
  CHECK(Says(tokens.status(), "Options::token_keys"));
  CHECK(Says(tokens.status(), retired ? "not among the configured" : "no token key is configured"));

  auto signed_in = f.store->GetUserByAccount("github", "42");
  REQUIRE_OK(signed_in);
  CHECK(signed_in->id == "u1");

  auto unlinked = f.store->UnlinkAccount("github", "42");
  REQUIRE_OK(unlinked);
  CHECK(unlinked->provider_account_id == "42");
  CHECK(unlinked->access_token.is_absent());  // Could not be decrypted.
  REQUIRE_CODE(f.store->GetUserByAccount("github", "42"), Code::kNotFound);

  REQUIRE_OK(f.store->DeleteUser("u1"));
  REQUIRE_CODE(f.store->GetUserByAccount("google", "43"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetUser("u1"), Code::kNotFound);
}

TEST_CASE("with its token key, an unlinked account comes back with its tokens",
          "[store][token_cipher]") {
  StoreFixture f(WithKeys({Key(7, 'k')}));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  const Account account = MakeAccount("u1", "github", "42");
  REQUIRE_OK(f.store->LinkAccount(account));
  auto unlinked = f.store->UnlinkAccount("github", "42");
  REQUIRE_OK(unlinked);
  CHECK(*unlinked == account);
}

}  // namespace authkv::test
