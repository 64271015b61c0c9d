// authkv-dump import killed at random moments: the next run of the same
// import must succeed and leave the target byte for byte as one run that was
// never killed does, and VerifyDatabase must find nothing wrong. A kill can
// land while the target is created (finished by Store::Open), before the
// batch commits (the re-run writes it) or after (the re-run finds exactly
// this import there and writes nothing).
//
// Rounds: 24, or 240 with AUTHKV_LONG=1.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "tool_support.h"
#include "verified.h"

namespace authkv::test {
namespace {

using Clock = std::chrono::steady_clock;

// A database big enough that an import of its export takes a while: users
// with an account, a session and an authenticator each, and tokens.
void Populate(const std::string& path, int users) {
  auto opened = Store::Open(path, Options{});
  REQUIRE_OK(opened);
  Store& store = **opened;
  const int64_t far = kSeedNow + 1000 * kHourMs;
  for (int i = 0; i < users; ++i) {
    const std::string id = "u" + std::to_string(i);
    REQUIRE_OK(store.CreateUser(MakeUser(id, id + "@example.com")));
    REQUIRE_OK(store.LinkAccount(MakeAccount(id, "github", std::to_string(i))));
    REQUIRE_OK(store.CreateSession(MakeSession("tok-" + id, id, far)));
    REQUIRE_OK(store.CreateAuthenticator(MakeAuthenticator("cred-" + id, id)));
    REQUIRE_OK(store.CreateVerificationToken({id + "@example.com", "vt-" + id, far}));
  }
}

}  // namespace

TEST_CASE("an import killed at any moment is finished by running it again", "[import][crash]") {
  const int rounds = CrashRounds(24, 240);
  TempDir dir;
  Populate(dir.Sub("source"), 1000);
  const std::string file = dir.Sub("export.ndjson");
  REQUIRE(RunTool({"export", dir.Sub("source"), "--output", file}).code == 0);

  const auto started = Clock::now();
  const Run reference = RunTool({"import", dir.Sub("reference"), file});
  const auto whole_run =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  INFO(reference.err);
  REQUIRE(reference.code == 0);
  const auto expected = FamilyContents(dir.Sub("reference"));

  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int64_t> delay_us(0, whole_run.count() * 5 / 4);
  int cut_short = 0;   // Kills that left a target behind.
  int after_write = 0;  // Re-runs that found the import already written.
  for (int round = 0; round < rounds; ++round) {
    TempDir io;
    const std::string target = io.Sub("db");
    const auto delay = std::chrono::microseconds(delay_us(rng));
    const int code =
        KillAfter(Spawn({AUTHKV_DUMP_BIN, "import", target, file}, io), delay);
    INFO("round " << round << ": killed after " << delay.count() << " us, exit " << code);
    REQUIRE((code == 0 || code == kKilled));
    if (code == kKilled && std::filesystem::exists(target)) ++cut_short;
    const Run again = RunTool({"import", target, file});
    INFO(again.err);
    REQUIRE(again.code == 0);
    if (Contains(again.out, "already imported")) after_write += code == kKilled;
    REQUIRE(FamilyContents(target) == expected);
    RequireVerified(target);
  }
  INFO(cut_short << " kills left a target, " << after_write
                 << " came after the write; a whole run takes " << whole_run.count() << " us");
  REQUIRE(cut_short >= rounds / 4);
}

TEST_CASE("a second run of a finished import succeeds and writes nothing", "[import]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  const std::string file = dir.Sub("export.ndjson");
  REQUIRE(RunTool({"export", dir.Sub("db"), "--output", file}).code == 0);
  REQUIRE(RunTool({"import", dir.Sub("copy"), file}).code == 0);
  const auto imported = FamilyContents(dir.Sub("copy"));

  Run again = RunTool({"import", dir.Sub("copy"), file});
  INFO(again.err);
  REQUIRE(again.code == 0);
  CHECK(again.out ==
        "already imported 2 users, 2 accounts, 3 sessions, 2 verification tokens, 1 "
        "authenticators (an earlier run wrote them; nothing written now)\n");
  CHECK(FamilyContents(dir.Sub("copy")) == imported);

  SECTION("but not once the database holds anything else") {
    {
      auto store = Store::Open(dir.Sub("copy"), Options{});
      REQUIRE_OK(store);
      REQUIRE_OK((*store)->CreateUser(MakeUser("u3", "carol@example.com")));
    }
    const auto changed = FamilyContents(dir.Sub("copy"));
    Run refused = RunTool({"import", dir.Sub("copy"), file});
    CHECK(refused.code == 1);
    CHECK(Contains(refused.err, "already holds data"));
    CHECK(FamilyContents(dir.Sub("copy")) == changed);
  }
  SECTION("nor when one record differs") {
    {
      RawDb raw(dir.Sub("copy"));
      raw.Put("users", "u1", raw.Get("users", "u2"));
    }
    Run refused = RunTool({"import", dir.Sub("copy"), file});
    CHECK(refused.code == 1);
    CHECK(Contains(refused.err, "already holds data"));
  }
}

}  // namespace authkv::test
