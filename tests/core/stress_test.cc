// Many threads mixing every operation on a small, overlapping key space for
// a bounded time; then the invariants: VerifyDatabase finds nothing wrong
// (no orphan, no dangling or missing index entry, no duplicate email), and
// no verification token was used more often than it was created.
//
// Duration: AUTHKV_STRESS_MS (default 1500 ms) — the TSan run sets it higher.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "authkv/inspect.h"
#include "fixtures.h"

namespace authkv::test {
namespace {

constexpr int kThreads = 6;
constexpr int kKeys = 12;  // Small, so threads collide on every kind of key.

int DurationMs() {
  const char* env = std::getenv("AUTHKV_STRESS_MS");
  return env && *env ? std::atoi(env) : 1500;
}

struct Counters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> ok{0};
  std::array<std::atomic<int64_t>, kKeys> token_created{};
  std::array<std::atomic<int64_t>, kKeys> token_used{};
};

void Worker(Store& store, FakeClock& clock, Counters& c, int seed,
            std::chrono::steady_clock::time_point deadline) {
  std::mt19937 rng(seed);
  auto pick = [&] { return std::uniform_int_distribution<int>(0, kKeys - 1)(rng); };
  while (std::chrono::steady_clock::now() < deadline) {
    const int k = pick(), j = pick();
    const std::string uid = "u" + std::to_string(k);
    const int64_t later = clock.NowMillis() + kHourMs;
    bool ok = false;
    switch (std::uniform_int_distribution<int>(0, 16)(rng)) {
      case 0: ok = store.CreateUser(MakeUser(uid, "e" + std::to_string(j) + "@x.io")).ok(); break;
      case 1: {
        User patch;
        patch.id = uid;
        patch.email = "E" + std::to_string(j) + "@x.io";  // Collides by case.
        patch.extra_json = R"({"n":)" + std::to_string(j) + "}";
        ok = store.UpdateUser(patch).ok();
        break;
      }
      case 2: ok = store.DeleteUser(uid).ok(); break;
      case 3: ok = store.LinkAccount(MakeAccount(uid, "github", std::to_string(j))).ok(); break;
      case 4: ok = store.UnlinkAccount("github", std::to_string(j)).ok(); break;
      case 5: {
        Account patch;
        patch.provider = "github";
        patch.provider_account_id = std::to_string(j);
        patch.access_token = "at" + std::to_string(k);
        ok = store.UpdateAccount(patch).ok();
        break;
      }
      case 6: ok = store.CreateSession(MakeSession("s" + std::to_string(j), uid, later)).ok(); break;
      case 7: ok = store.GetSessionAndUser("s" + std::to_string(j)).ok(); break;
      case 8: ok = store.UpdateSession("s" + std::to_string(j), later + 1).ok(); break;
      case 9: ok = store.DeleteSession("s" + std::to_string(j)).ok(); break;
      case 10:
        ok = store.CreateVerificationToken({"a@x.io", "t" + std::to_string(j), later}).ok();
        if (ok) c.token_created[j].fetch_add(1);
        break;
      case 11:
        ok = store.UseVerificationToken("a@x.io", "t" + std::to_string(j)).ok();
        if (ok) c.token_used[j].fetch_add(1);
        break;
      case 12: ok = store.CreateAuthenticator(MakeAuthenticator("c" + std::to_string(j), uid)).ok(); break;
      case 13: ok = store.UpdateAuthenticatorCounter("c" + std::to_string(j), k).ok(); break;
      case 14: ok = store.ListAuthenticatorsByUserId(uid).ok(); break;
      case 15: ok = store.GetUserByEmail("e" + std::to_string(j) + "@x.io").ok(); break;
      default: ok = store.PurgeExpired(clock.NowMillis()).ok(); break;
    }
    c.ops.fetch_add(1);
    if (ok) c.ok.fetch_add(1);
  }
}

}  // namespace

TEST_CASE("threads mixing every operation keep every invariant", "[stress][race]") {
  StoreFixture f;
  Counters c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(DurationMs());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(Worker, std::ref(*f.store), std::ref(f.clock), std::ref(c), 1000 + t,
                         deadline);
  }
  for (auto& t : threads) t.join();
  INFO(c.ops.load() << " operations, " << c.ok.load() << " succeeded");
  REQUIRE(c.ops > 1000);

  // Single use: each use consumed one creation, and what is left is stored.
  for (int j = 0; j < kKeys; ++j) {
    const int64_t created = c.token_created[j], used = c.token_used[j];
    INFO("token t" << j << ": created " << created << ", used " << used);
    REQUIRE(used <= created);
    REQUIRE(created - used <= 1);
    const bool stored = f.store->UseVerificationToken("a@x.io", "t" + std::to_string(j)).ok();
    REQUIRE(stored == (created - used == 1));
  }
  f.Close();
  auto report = VerifyDatabase(f.path(), VerifyOptions{});
  REQUIRE_OK(report);
  for (const auto& p : report->problems) UNSCOPED_INFO(p.ToString());
  REQUIRE(report->ok());
  REQUIRE(report->records > 0);
}

}  // namespace authkv::test
