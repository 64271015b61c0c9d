#include <catch2/catch.hpp>

#include "files.h"
#include "fixtures.h"
#include "raw_db.h"

namespace authkv::test {

TEST_CASE("GetSessionAndUser returns the session with its user", "[store][sessions]") {
  StoreFixture f;
  User u = MakeUser("u1", "a@x.io");
  REQUIRE_OK(f.store->CreateUser(u));
  Session s = MakeSession("tok-1", "u1", f.now() + kHourMs);
  auto created = f.store->CreateSession(s);
  REQUIRE_OK(created);
  REQUIRE(*created == s);
  auto got = f.store->GetSessionAndUser("tok-1");
  REQUIRE_OK(got);
  REQUIRE(got->session == s);  // Carries the caller's token.
  REQUIRE(got->user == u);
  REQUIRE_CODE(f.store->GetSessionAndUser("invalid-token"), Code::kNotFound);
}

TEST_CASE("an expired session is never returned as live", "[store][sessions]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  const int64_t expires = f.now() + kHourMs;
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", expires)));
  f.clock.Set(expires);  // Auth.js: expired only when expires < now.
  REQUIRE_OK(f.store->GetSessionAndUser("tok"));
  f.clock.Set(expires + 1);
  REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  SECTION("it can still be deleted, and DeleteSession returns it") {
    auto deleted = f.store->DeleteSession("tok");
    REQUIRE_OK(deleted);
    REQUIRE(deleted->expires_ms == expires);
  }
}

TEST_CASE("session rules: unique token, existing user", "[store][sessions]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "b@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  REQUIRE_CODE(f.store->CreateSession(MakeSession("tok", "u2", f.now() + kHourMs)),
               Code::kAlreadyExists);
  REQUIRE(f.store->GetSessionAndUser("tok")->user.id == "u1");
  REQUIRE_CODE(f.store->CreateSession(MakeSession("tok2", "ghost", f.now() + kHourMs)),
               Code::kFailedPrecondition);
}

TEST_CASE("UpdateSession moves the expiry and DeleteSession removes it",
          "[store][sessions]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  const int64_t month = f.now() + 30 * 24 * kHourMs;
  auto updated = f.store->UpdateSession("tok", month);
  REQUIRE_OK(updated);
  REQUIRE(updated->expires_ms == month);
  REQUIRE(updated->session_token == "tok");
  REQUIRE(f.store->GetSessionAndUser("tok")->session.expires_ms == month);
  REQUIRE_CODE(f.store->UpdateSession("nope", month), Code::kNotFound);

  auto deleted = f.store->DeleteSession("tok");
  REQUIRE_OK(deleted);
  REQUIRE(deleted->user_id == "u1");
  REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  REQUIRE_CODE(f.store->DeleteSession("tok"), Code::kNotFound);
  // A deleted token can be used again (Auth.js' deleteUser test does this).
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));

  f.Close();
  RawDb raw(f.path());
  REQUIRE(raw.Count("sessions") == 1);
  REQUIRE(raw.Count("expiry") == 1);  // The old expiry entries are gone.
  REQUIRE(raw.Count("user_links") == 1);
}

TEST_CASE("session tokens are stored only as SHA-256 digests", "[store][sessions]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  const std::string token = "9f2b8c1e-raw-session-token-value";
  REQUIRE_OK(f.store->CreateSession(MakeSession(token, "u1", f.now() + kHourMs)));
  f.Close();
  RawDb raw(f.path());
  for (const std::string family : {"sessions", "user_links", "expiry"}) {
    for (const auto& key : raw.Keys(family)) {
      REQUIRE(key.find(token) == std::string::npos);
      REQUIRE(raw.Get(family, key).find(token) == std::string::npos);
    }
  }
}

TEST_CASE("no raw session or verification token in any file, WAL or SST",
          "[store][sessions]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  std::vector<std::string> secrets;
  for (int i = 0; i < 20; ++i) {
    secrets.push_back("raw-session-token-" + std::to_string(i) + "-7c1e0b9a");
    REQUIRE_OK(f.store->CreateSession(MakeSession(secrets.back(), "u1", f.now() + kHourMs)));
    secrets.push_back("verification-token-" + std::to_string(i) + "-5d2f88e1");
    REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", secrets.back(), f.now() + kHourMs}));
  }
  // Reopening replays the WAL into an SST, so both file kinds are checked.
  f.Close();
  REQUIRE(AnyFileEndsWith(f.path(), ".log"));
  for (const auto& s : secrets) REQUIRE_FALSE(AnyFileContains(f.path(), s));
  f.Open();
  f.Close();
  REQUIRE(AnyFileEndsWith(f.path(), ".sst"));
  for (const auto& s : secrets) REQUIRE_FALSE(AnyFileContains(f.path(), s));
  // The check itself works: the email is stored in clear.
  REQUIRE(AnyFileContains(f.path(), "a@x.io"));
}

}  // namespace authkv::test
