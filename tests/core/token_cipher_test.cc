#include "token_cipher.h"

#include <catch2/catch.hpp>

#include "files.h"
#include "fixtures.h"

namespace authkv::test {
namespace {

TokenKey Key(uint32_t id, char fill) { return TokenKey{id, std::string(32, fill)}; }

Options WithKeys(std::vector<TokenKey> keys) {
  Options o;
  o.token_keys = std::move(keys);
  return o;
}

}  // namespace

TEST_CASE("sealed tokens open with the same key and keep null and absent apart",
          "[token_cipher]") {
  auto cipher = internal::TokenCipher::Create({Key(1, 'k')});
  REQUIRE_OK(cipher);
  Account a = MakeAccount("u1", "github", "42");
  a.id_token = Nullable<std::string>::Null();
  a.refresh_token.reset();
  Account sealed = a;
  auto blob = cipher->Seal(&sealed);
  REQUIRE_OK(blob);
  REQUIRE(sealed.access_token.is_absent());
  REQUIRE(blob->find(*a.access_token) == std::string::npos);
  REQUIRE(cipher->Open(*blob, &sealed).ok());
  REQUIRE(sealed == a);
}

TEST_CASE("a blob does not open under another key or on another account",
          "[token_cipher]") {
  auto one = internal::TokenCipher::Create({Key(1, 'a')});
  auto other = internal::TokenCipher::Create({Key(1, 'b')});
  Account a = MakeAccount("u1", "github", "42");
  auto blob = one->Seal(&a);
  REQUIRE(other->Open(*blob, &a).IsFailedPrecondition());
  Account moved = MakeAccount("u1", "github", "43");  // Different associated data.
  REQUIRE(one->Open(*blob, &moved).IsFailedPrecondition());
  std::string flipped = *blob;
  flipped[flipped.size() / 2] ^= 1;
  REQUIRE(one->Open(flipped, &a).IsFailedPrecondition());
}

TEST_CASE("token keys must be 32 bytes with distinct ids", "[token_cipher]") {
  REQUIRE(internal::TokenCipher::Create({TokenKey{1, "short"}}).status().IsInvalidArgument());
  REQUIRE(internal::TokenCipher::Create({Key(1, 'a'), Key(1, 'b')}).status().IsInvalidArgument());
  TempDir dir;
  REQUIRE_CODE(Store::Open(dir.Sub("db"), WithKeys({TokenKey{1, "short"}})),
               Code::kInvalidArgument);
}

TEST_CASE("encrypted OAuth tokens round-trip and never reach disk in clear",
          "[store][token_cipher]") {
  StoreFixture f(WithKeys({Key(7, 'k')}));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  Account a = MakeAccount("u1", "github", "42");
  a.access_token = "gho_SECRET_ACCESS_TOKEN_0123456789";
  REQUIRE_OK(f.store->LinkAccount(a));
  REQUIRE(*f.store->GetAccount("github", "42") == a);
  f.Close();
  REQUIRE_FALSE(AnyFileContains(f.path(), "gho_SECRET_ACCESS_TOKEN_0123456789"));
  REQUIRE_FALSE(AnyFileContains(f.path(), *a.refresh_token));

  SECTION("reading with a wrong or missing key is a clear error") {
    f.Open(WithKeys({Key(7, 'x')}));
    auto wrong = f.store->GetAccount("github", "42");
    REQUIRE_CODE(wrong, Code::kFailedPrecondition);
    REQUIRE(std::string(wrong.status().message()).find("key 7") != std::string::npos);
    f.Close();
    f.Open();
    REQUIRE_CODE(f.store->GetAccount("github", "42"), Code::kKeyUnavailable);
    // Users and sessions stay readable without the key.
    REQUIRE_OK(f.store->GetUser("u1"));
  }
  SECTION("rotation: new key first, re-encrypt, then drop the old key") {
    f.Open(WithKeys({Key(8, 'n'), Key(7, 'k')}));
    REQUIRE(*f.store->GetAccount("github", "42") == a);
    REQUIRE(*f.store->ReencryptAccounts() == 1);
    REQUIRE(*f.store->ReencryptAccounts() == 0);
    f.Close();
    f.Open(WithKeys({Key(8, 'n')}));
    REQUIRE(*f.store->GetAccount("github", "42") == a);
  }
}

TEST_CASE("turning encryption on keeps old plaintext accounts readable",
          "[store][token_cipher]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  const Account a = MakeAccount("u1", "github", "42");
  REQUIRE_OK(f.store->LinkAccount(a));
  f.Close();
  f.Open(WithKeys({Key(1, 'k')}));
  REQUIRE(*f.store->GetAccount("github", "42") == a);
  REQUIRE(*f.store->ReencryptAccounts() == 1);
  REQUIRE(*f.store->GetAccount("github", "42") == a);
}

}  // namespace authkv::test
