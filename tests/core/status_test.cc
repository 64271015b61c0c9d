#include "authkv/status.h"

#include <catch2/catch.hpp>

#include <set>

#include "authkv/result.h"

namespace authkv {

TEST_CASE("OK status carries no message and prints OK", "[status]") {
  Status s;
  REQUIRE(s.ok());
  REQUIRE(s.code() == Code::kOk);
  REQUIRE(s.message().empty());
  REQUIRE(s.ToString() == "OK");
}

TEST_CASE("error status keeps code and message through copies", "[status]") {
  Status s = Status::AlreadyExists("email a@b.c is taken");
  Status copy = s;
  REQUIRE(copy.IsAlreadyExists());
  REQUIRE(copy.message() == "email a@b.c is taken");
  REQUIRE(copy.ToString() == "AlreadyExists: email a@b.c is taken");
  Status moved = std::move(copy);
  REQUIRE(moved.IsAlreadyExists());
}

TEST_CASE("every code has a distinct name", "[status]") {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(Code::kKeyUnavailable); ++c) {
    names.insert(CodeName(static_cast<Code>(c)));
  }
  REQUIRE(names.size() == static_cast<size_t>(Code::kKeyUnavailable) + 1);
}

TEST_CASE("Result holds a value or an error", "[status]") {
  Result<int> good = 42;
  REQUIRE(good.ok());
  REQUIRE(*good == 42);
  Result<int> bad = Status::NotFound("gone");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.status().IsNotFound());
  SECTION("an OK status without a value becomes Internal") {
    Result<int> lie = Status::OK();
    REQUIRE(lie.status().code() == Code::kInternal);
  }
}

}  // namespace authkv
