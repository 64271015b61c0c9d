// The C++ example of README.md ("The C++ API"), line for line, so the
// README shows code that compiles and does what it says
// (tests/docs/readme_code_test.mjs checks that the lines match).

#include <catch2/catch.hpp>

#include <filesystem>

#include "authkv/clock.h"
#include "authkv/store.h"
#include "temp_dir.h"

namespace authkv::test {

TEST_CASE("the README's C++ example runs", "[readme]") {
  TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const int64_t expires_ms = authkv::Clock::System()->NowMillis() + 3'600'000;
  {
    auto opened = authkv::Store::Open("./data/auth", authkv::Options{});
    if (!opened.ok()) { /* opened.status().ToString() says why */ }
    REQUIRE(opened.ok());
    authkv::Store& store = **opened;

    authkv::User user;
    user.email = "ada@example.com";
    user.name = "Ada";
    user.extra_json = R"({"role":"ADMIN"})";        // app-defined fields
    auto created = store.CreateUser(user);          // id generated (UUIDv7)
    REQUIRE(created.ok());

    authkv::Account account;
    account.user_id = created->id;
    account.type = "oauth";
    account.provider = "github";
    account.provider_account_id = "1001";
    auto linked = store.LinkAccount(account);       // FailedPrecondition if no such user

    authkv::Session session;
    session.session_token = "<cookie value>";
    session.user_id = created->id;
    session.expires_ms = expires_ms;
    auto started = store.CreateSession(session);
    REQUIRE(linked.ok());
    REQUIRE(started.ok());

    auto su = store.GetSessionAndUser("<cookie value>");  // the hot read
    if (su.status().IsNotFound()) { /* no session, or expired */ }
    REQUIRE(su.ok());
    REQUIRE(su->user.id == created->id);
    REQUIRE(store.GetUserByAccount("github", "1001")->id == created->id);
  }
  std::filesystem::current_path(previous);
}

}  // namespace authkv::test
