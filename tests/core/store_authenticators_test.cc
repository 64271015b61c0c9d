#include <catch2/catch.hpp>

#include "fixtures.h"

namespace authkv::test {

TEST_CASE("authenticators are created, found, listed and counted", "[store][authenticators]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "b@x.io")));
  Authenticator a1 = MakeAuthenticator("Y3JlZDE=", "u1");
  Authenticator a2 = MakeAuthenticator("Y3JlZDI=", "u1");
  a2.transports = Nullable<std::string>::Null();
  Authenticator a3 = MakeAuthenticator("Y3JlZDM=", "u2");
  for (const auto& a : {a1, a2, a3}) REQUIRE(*f.store->CreateAuthenticator(a) == a);

  REQUIRE(*f.store->GetAuthenticator("Y3JlZDE=") == a1);
  REQUIRE_CODE(f.store->GetAuthenticator("invalid-credential-id"), Code::kNotFound);

  auto list1 = f.store->ListAuthenticatorsByUserId("u1");
  REQUIRE_OK(list1);
  REQUIRE(*list1 == std::vector<Authenticator>{a1, a2});
  REQUIRE(*f.store->ListAuthenticatorsByUserId("u2") == std::vector<Authenticator>{a3});
  REQUIRE(f.store->ListAuthenticatorsByUserId("invalid-user-id")->empty());

  auto bumped = f.store->UpdateAuthenticatorCounter("Y3JlZDI=", 99);
  REQUIRE_OK(bumped);
  REQUIRE(bumped->counter == 99);
  REQUIRE(f.store->GetAuthenticator("Y3JlZDI=")->counter == 99);
  REQUIRE(f.store->ListAuthenticatorsByUserId("u1")->size() == 2);  // Not duplicated.
  REQUIRE_CODE(f.store->UpdateAuthenticatorCounter("invalid-credential-id", 1),
               Code::kNotFound);
}

TEST_CASE("authenticator rules: unique credential, existing user", "[store][authenticators]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateAuthenticator(MakeAuthenticator("c", "u1")));
  REQUIRE_CODE(f.store->CreateAuthenticator(MakeAuthenticator("c", "u1")), Code::kAlreadyExists);
  REQUIRE_CODE(f.store->CreateAuthenticator(MakeAuthenticator("d", "ghost")),
               Code::kFailedPrecondition);
}

}  // namespace authkv::test
