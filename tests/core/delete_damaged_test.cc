// authkv tests: a user whose account, session or authenticator fails its
// checksum can still be deleted. DeleteUser removes the damaged child's
// record and link (all that its user_links entry tells), and what it cannot
// compute -- a damaged session's expiry entry -- is left for VerifyDatabase
// to report and verify --repair to remove.

#include <catch2/catch.hpp>

#include "authkv/inspect.h"
#include "fixtures.h"
#include "keys.h"
#include "raw_db.h"

namespace authkv::test {
namespace {

void Damage(const std::string& path, const std::string& family, const std::string& key) {
  RawDb raw(path);
  std::string value = raw.Get(family, key);
  value[value.size() / 2] ^= 0x40;
  raw.Put(family, key, value);
}

}  // namespace

TEST_CASE("a user with a damaged child record can still be deleted", "[store][delete]") {
  Options o;
  o.session_cache_bytes = 0;
  StoreFixture f(o);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "42")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  REQUIRE_OK(f.store->CreateAuthenticator(MakeAuthenticator("cred", "u1")));
  f.Close();
  const std::string account_key = std::string("github") + '\0' + "42";
  const std::string session_key = internal::SessionKey("tok");
  const auto [family, key] = GENERATE_COPY(
      std::pair<std::string, std::string>{"accounts", account_key},
      std::pair<std::string, std::string>{"sessions", session_key},
      std::pair<std::string, std::string>{"authenticators", "cred"});
  INFO(family);
  Damage(f.path(), family, key);
  f.Open(o);

  REQUIRE_OK(f.store->DeleteUser("u1"));
  REQUIRE_CODE(f.store->GetUser("u1"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetAccount("github", "42"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetAuthenticator("cred"), Code::kNotFound);
  f.Close();
  {
    RawDb raw(f.path());
    CHECK(raw.Count(family) == 0);
    CHECK(raw.Count("user_links") == 0);
    CHECK(raw.Count("users_by_email") == 0);
    // The damaged session's expiry entry needs the expiry in its value.
    CHECK(raw.Count("expiry") == (family == "sessions" ? 1u : 0u));
  }
  auto report = VerifyDatabase(f.path(), VerifyOptions{});
  REQUIRE_OK(report);
  if (family == "sessions") {
    REQUIRE(report->problems.size() == 1);
    CHECK(report->problems[0].where.rfind("expiry/", 0) == 0);
    CHECK(report->problems[0].reason.find("dangling") != std::string::npos);
    VerifyOptions repair;
    repair.repair = true;
    auto repaired = VerifyDatabase(f.path(), repair);
    REQUIRE_OK(repaired);
    CHECK(repaired->ok());
  } else {
    CHECK(report->ok());
  }
}

}  // namespace authkv::test
