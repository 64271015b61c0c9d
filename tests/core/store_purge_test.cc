#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <utility>

#include "fixtures.h"
#include "raw_db.h"
#include "rep_of.h"

namespace authkv::test {
namespace {

// A store with user u1 (a@x.io), which the sessions below belong to.
struct UserFixture : StoreFixture {
  UserFixture() { REQUIRE_OK(store->CreateUser(MakeUser("u1", "a@x.io"))); }
};

// Gives user u1 the session `token`, expiring at `expires_ms`.
void AddSession(StoreFixture& f, const std::string& token, int64_t expires_ms) {
  REQUIRE_OK(f.store->CreateSession(MakeSession(token, "u1", expires_ms)));
}

}  // namespace

TEST_CASE("PurgeExpired removes only what expired, with its index entries",
          "[store][purge]") {
  UserFixture f;
  const int64_t now = f.now();
  AddSession(f, "old", now - 1);
  AddSession(f, "live", now + kHourMs);
  AddSession(f, "extended", now - 5);
  REQUIRE_OK(f.store->UpdateSession("extended", now + kHourMs));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "old", now - 10}));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "live", now + 60'000}));

  auto purged = f.store->PurgeExpired(now);
  REQUIRE_OK(purged);
  REQUIRE(purged->sessions == 1);
  REQUIRE(purged->verification_tokens == 1);
  REQUIRE_CODE(f.store->DeleteSession("old"), Code::kNotFound);
  REQUIRE_OK(f.store->GetSessionAndUser("live"));
  REQUIRE_OK(f.store->GetSessionAndUser("extended"));
  REQUIRE_CODE(f.store->UseVerificationToken("a@x.io", "old"), Code::kNotFound);
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "live"));
  auto again = f.store->PurgeExpired(now);
  REQUIRE_OK(again);
  REQUIRE(again->sessions == 0);

  f.Close();
  RawDb raw(f.path());
  REQUIRE(raw.Count("sessions") == 2);
  REQUIRE(raw.Count("expiry") == 2);
  REQUIRE(raw.Count("user_links") == 2);
}

TEST_CASE("a purge larger than one batch deletes all of it and nothing live",
          "[store][purge]") {
  StoreFixture f;
  const int64_t now = f.now();
  for (int u = 0; u < 3; ++u) {
    REQUIRE_OK(f.store->CreateUser(MakeUser("u" + std::to_string(u), "")));
  }
  // 700 expired sessions over three users (several batches, each holding
  // stripes of many owners), 20 of them extended, and 300 expired tokens.
  for (int i = 0; i < 700; ++i) {
    const std::string token = "s" + std::to_string(i);
    REQUIRE_OK(f.store->CreateSession(MakeSession(token, "u" + std::to_string(i % 3), now - 1 - i)));
    if (i % 35 == 0) REQUIRE_OK(f.store->UpdateSession(token, now + kHourMs));
  }
  for (int i = 0; i < 300; ++i) {
    REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t" + std::to_string(i), now - 1 - i}));
  }
  auto purged = f.store->PurgeExpired(now);
  REQUIRE_OK(purged);
  REQUIRE(purged->sessions == 680);
  REQUIRE(purged->verification_tokens == 300);
  REQUIRE_OK(f.store->GetSessionAndUser("s35"));
  REQUIRE_CODE(f.store->GetSessionAndUser("s36"), Code::kNotFound);
  f.Close();
  RawDb raw(f.path());
  REQUIRE(raw.Count("sessions") == 20);
  REQUIRE(raw.Count("expiry") == 20);
  REQUIRE(raw.Count("user_links") == 20);
  REQUIRE(raw.Count("verification_tokens") == 0);
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("the background purge removes expired sessions and stops on close",
          "[store][purge]") {
  Options o;
  o.purge_interval_ms = 5;
  StoreFixture f(o);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("old", "u1", f.now() - 1)));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "old", f.now() - 1}));
  // Polls (bounded) instead of sleeping a fixed time: the thread runs every 5 ms.
  for (int i = 0; i < 2000 && f.store->GetMaintenanceStats().purged_sessions == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  MaintenanceStats stats = f.store->GetMaintenanceStats();
  REQUIRE(stats.purge_runs >= 1);
  REQUIRE(stats.purged_sessions == 1);
  REQUIRE(stats.purged_verification_tokens == 1);
  REQUIRE(stats.last_error.ok());
  f.Close();  // Joins the thread; a hang here fails the test by timeout.
}

TEST_CASE("a negative purge interval is refused", "[store][purge]") {
  TempDir dir;
  Options o;
  o.purge_interval_ms = -1;
  REQUIRE_CODE(Store::Open(dir.Sub("db"), o), Code::kInvalidArgument);
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("an expiry written below an earlier purge's time is still purged",
          "[store][purge]") {
  UserFixture f;
  const int64_t now = f.now();
  AddSession(f, "a", now - 10);
  REQUIRE(f.store->PurgeExpired(now)->sessions == 1);
  // Written after that purge, expiring before its time: below the floor.
  AddSession(f, "b", now - 100);
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "t", now - 50}));
  AddSession(f, "c", now + kHourMs);
  REQUIRE_OK(f.store->UpdateSession("c", now - 20));  // Moved below it too.
  auto purged = f.store->PurgeExpired(now);
  REQUIRE_OK(purged);
  REQUIRE(purged->sessions == 2);
  REQUIRE(purged->verification_tokens == 1);
  REQUIRE(f.store->PurgeExpired(now)->sessions == 0);
  SECTION("and a purge at an earlier time than the last one finds nothing left") {
    REQUIRE(f.store->PurgeExpired(now - 1000)->sessions == 0);
  }
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("an expiry committed while a purge scans is purged by the next one",
          "[store][purge]") {
  UserFixture f;
  const int64_t now = f.now();
  auto rep = RepOf(f);
  AddSession(f, "seen", now - 10);
  // Committed after the purge took its snapshot, so it cannot see them:
  // one above the floor it started from, one below it.
  bool written = false;
  rep->purge_snapshot_hook_for_test = [&] {
    if (std::exchange(written, true)) return;
    AddSession(f, "during", now - 5);
    REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "during", now - 7}));
  };
  auto first = f.store->PurgeExpired(now);
  REQUIRE_OK(first);
  REQUIRE(first->sessions == 1);
  REQUIRE(first->verification_tokens == 0);

  auto second = f.store->PurgeExpired(now);
  REQUIRE_OK(second);
  REQUIRE(second->sessions == 1);
  REQUIRE(second->verification_tokens == 1);
  REQUIRE_CODE(f.store->DeleteSession("during"), Code::kNotFound);
}

TEST_CASE("an expiry committed below the floor during a purge is purged next time",
          "[store][purge]") {
  UserFixture f;
  const int64_t now = f.now();
  auto rep = RepOf(f);
  REQUIRE(f.store->PurgeExpired(now - 100)->sessions == 0);  // Floor: now - 100.
  bool written = false;
  rep->purge_snapshot_hook_for_test = [&] {
    if (std::exchange(written, true)) return;
    AddSession(f, "below", now - 1000);
  };
  REQUIRE(f.store->PurgeExpired(now)->sessions == 0);
  REQUIRE(f.store->PurgeExpired(now)->sessions == 1);
}

}  // namespace authkv::test

namespace authkv::test {
namespace {

constexpr int64_t kYearMs = int64_t{365} * 24 * kHourMs;

// Polls (bounded, 5 s) until `done` holds for the store's maintenance stats.
template <typename Done>
MaintenanceStats WaitForPurger(StoreFixture& f, Done done) {
  MaintenanceStats stats = f.store->GetMaintenanceStats();
  for (int i = 0; i < 5000 && !done(stats); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stats = f.store->GetMaintenanceStats();
  }
  REQUIRE(done(stats));
  return stats;
}

// Waits for `runs` more purger runs than have happened so far.
MaintenanceStats WaitForRuns(StoreFixture& f, uint64_t runs) {
  const uint64_t target = f.store->GetMaintenanceStats().purge_runs + runs;
  return WaitForPurger(f, [&](const MaintenanceStats& s) { return s.purge_runs >= target; });
}

Options PurgeEvery5ms() {
  Options o;
  o.purge_interval_ms = 5;
  o.purge_clock_step_tolerance_ms = 60'000;
  o.purge_clock_step_hold_ms = kHourMs;
  return o;
}

}  // namespace

TEST_CASE("a wall clock stepped a year ahead makes the background purge delete no live session",
          "[store][purge][clock]") {
  StoreFixture f(PurgeEvery5ms());
  const int64_t t0 = f.now();
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  AddSession(f, "live", t0 + kHourMs);
  AddSession(f, "soon", t0 + 30'000);
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "link", t0 + 10 * 60'000}));
  WaitForRuns(f, 2);

  f.clock.Step(kYearMs);
  MaintenanceStats held = WaitForRuns(f, 3);
  REQUIRE(held.purged_sessions == 0);
  REQUIRE(held.purged_verification_tokens == 0);
  REQUIRE(held.clock_ahead_ms == kYearMs);
  REQUIRE(held.clock_step_held_runs >= 3);
  // Reads judge by the wall clock, as Auth.js does: expired, but kept.
  REQUIRE_CODE(f.store->GetSessionAndUser("live"), Code::kNotFound);

  // Time passes during the step: what truly expired is still purged.
  f.clock.Advance(60'000);
  WaitForPurger(f, [](const MaintenanceStats& s) { return s.purged_sessions == 1; });

  f.clock.Step(-kYearMs);
  MaintenanceStats back = WaitForRuns(f, 2);
  REQUIRE(back.clock_ahead_ms == 0);
  REQUIRE(back.clock_steps_accepted == 0);
  REQUIRE(back.purged_sessions == 1);
  REQUIRE(back.purged_verification_tokens == 0);
  REQUIRE_OK(f.store->GetSessionAndUser("live"));
  REQUIRE_CODE(f.store->GetSessionAndUser("soon"), Code::kNotFound);
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "link"));
}

TEST_CASE("the background purge accepts a forward step that lasts the hold period",
          "[store][purge][clock]") {
  StoreFixture f(PurgeEvery5ms());
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  AddSession(f, "live", f.now() + kHourMs);
  WaitForRuns(f, 1);
  f.clock.Step(kYearMs);
  WaitForPurger(f, [](const MaintenanceStats& s) { return s.clock_step_held_runs >= 2; });
  REQUIRE(f.store->GetMaintenanceStats().purged_sessions == 0);
  f.clock.Advance(kHourMs);  // The stepped clock keeps time for an hour.
  MaintenanceStats accepted =
      WaitForPurger(f, [](const MaintenanceStats& s) { return s.purged_sessions == 1; });
  REQUIRE(accepted.clock_steps_accepted == 1);
  REQUIRE(accepted.clock_ahead_ms == 0);
}

TEST_CASE("negative clock step settings are refused", "[store][purge][clock]") {
  TempDir dir;
  Options o;
  o.purge_clock_step_tolerance_ms = -1;
  REQUIRE_CODE(Store::Open(dir.Sub("db"), o), Code::kInvalidArgument);
  o = Options{};
  o.purge_clock_step_hold_ms = -1;
  REQUIRE_CODE(Store::Open(dir.Sub("db"), o), Code::kInvalidArgument);
}

}  // namespace authkv::test
