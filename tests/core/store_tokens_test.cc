#include <catch2/catch.hpp>

#include "fixtures.h"

namespace authkv::test {

TEST_CASE("UseVerificationToken returns the token once", "[store][tokens]") {
  StoreFixture f;
  VerificationToken t{"info@example.com", "hashed-token", f.now() + 15 * 60'000};
  REQUIRE_OK(f.store->CreateVerificationToken(t));
  auto used = f.store->UseVerificationToken("info@example.com", "hashed-token");
  REQUIRE_OK(used);
  REQUIRE(*used == t);
  REQUIRE_CODE(f.store->UseVerificationToken("info@example.com", "hashed-token"),
               Code::kNotFound);
}

TEST_CASE("a token only matches its own identifier", "[store][tokens]") {
  StoreFixture f;
  VerificationToken t{"info@example.com", "tok", f.now() + 60'000};
  REQUIRE_OK(f.store->CreateVerificationToken(t));
  REQUIRE_CODE(f.store->UseVerificationToken("invalid@identifier.com", "tok"),
               Code::kNotFound);
  REQUIRE_OK(f.store->UseVerificationToken("info@example.com", "tok"));
}

TEST_CASE("several tokens coexist per identifier; a used one can be re-created",
          "[store][tokens]") {
  StoreFixture f;
  const int64_t exp = f.now() + 60'000;
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t1", exp}));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t2", exp}));
  REQUIRE_CODE(f.store->CreateVerificationToken({"a@x.io", "t2", exp}), Code::kAlreadyExists);
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "t2"));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t2", exp}));
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "t1"));
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "t2"));
}

TEST_CASE("an expired token is returned (and consumed) for Auth.js to reject",
          "[store][tokens]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t", f.now() - 1}));
  auto used = f.store->UseVerificationToken("a@x.io", "t");
  REQUIRE_OK(used);
  REQUIRE(used->expires_ms < f.now());
  REQUIRE_CODE(f.store->UseVerificationToken("a@x.io", "t"), Code::kNotFound);
}

}  // namespace authkv::test
