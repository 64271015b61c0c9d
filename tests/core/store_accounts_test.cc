#include <catch2/catch.hpp>

#include "fixtures.h"

namespace authkv::test {

TEST_CASE("LinkAccount round-trips every token field and extra fields",
          "[store][accounts]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  Account a = MakeAccount("u1", "github", "42");
  a.extra_json = R"({"refresh_token_expires_in":15897600,"ok":true})";
  REQUIRE_OK(f.store->LinkAccount(a));
  REQUIRE(*f.store->GetAccount("github", "42") == a);
  REQUIRE(f.store->GetUserByAccount("github", "42")->id == "u1");
  REQUIRE_CODE(f.store->GetAccount("github", "43"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetAccount("gitlab", "42"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetUserByAccount("gitlab", "42"), Code::kNotFound);
}

TEST_CASE("an account without tokens keeps them absent", "[store][accounts]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  Account a;
  a.user_id = "u1";
  a.type = "webauthn";
  a.provider = "webauthn";
  a.provider_account_id = "Y3JlZA==";
  REQUIRE_OK(f.store->LinkAccount(a));
  Account back = *f.store->GetAccount("webauthn", "Y3JlZA==");
  REQUIRE(back == a);
  REQUIRE(back.access_token.is_absent());
  REQUIRE(back.expires_at.is_absent());
}

TEST_CASE("account uniqueness and owner rules", "[store][accounts]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "b@x.io")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "42")));
  SECTION("a linked provider account cannot be linked again, even to another user") {
    REQUIRE_CODE(f.store->LinkAccount(MakeAccount("u2", "github", "42")), Code::kAlreadyExists);
    REQUIRE(f.store->GetUserByAccount("github", "42")->id == "u1");
  }
  SECTION("an account for a missing user is refused") {
    REQUIRE_CODE(f.store->LinkAccount(MakeAccount("ghost", "github", "9")),
                 Code::kFailedPrecondition);
    REQUIRE_CODE(f.store->GetAccount("github", "9"), Code::kNotFound);
  }
}

TEST_CASE("UnlinkAccount removes the account, and the key can be linked again",
          "[store][accounts]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "42")));
  auto removed = f.store->UnlinkAccount("github", "42");
  REQUIRE_OK(removed);
  REQUIRE(removed->provider_account_id == "42");
  REQUIRE_CODE(f.store->GetAccount("github", "42"), Code::kNotFound);
  REQUIRE_CODE(f.store->UnlinkAccount("github", "42"), Code::kNotFound);
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "42")));
}

TEST_CASE("UpdateAccount refreshes tokens and merges extra fields", "[store][accounts]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  Account a = MakeAccount("u1", "zoom", "7");
  a.extra_json = R"({"ext_expires_in":3600})";
  REQUIRE_OK(f.store->LinkAccount(a));
  Account patch;
  patch.provider = "zoom";
  patch.provider_account_id = "7";
  patch.access_token = "new-access";
  patch.refresh_token = "new-refresh";
  patch.expires_at = int64_t{99};
  patch.extra_json = R"({"refresh_token_expires_in":10})";
  auto updated = f.store->UpdateAccount(patch);
  REQUIRE_OK(updated);
  REQUIRE(*updated->access_token == "new-access");
  REQUIRE(*updated->id_token == *a.id_token);
  REQUIRE(*updated->expires_at == 99);
  REQUIRE(updated->extra_json == R"({"ext_expires_in":3600,"refresh_token_expires_in":10})");
  REQUIRE(*f.store->GetAccount("zoom", "7") == *updated);
  patch.provider_account_id = "8";
  REQUIRE_CODE(f.store->UpdateAccount(patch), Code::kNotFound);
  patch.provider_account_id = "7";
  patch.user_id = "someone-else";
  REQUIRE_CODE(f.store->UpdateAccount(patch), Code::kInvalidArgument);
}

}  // namespace authkv::test
