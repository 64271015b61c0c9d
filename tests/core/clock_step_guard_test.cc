// The background purge's defence against a stepped wall clock
// (core/src/clock_step_guard.h), judged reading by reading.

#include <catch2/catch.hpp>

#include "clock_step_guard.h"

namespace authkv::test {
namespace {

constexpr int64_t kYearMs = int64_t{365} * 24 * 3'600'000;
constexpr int64_t kT0 = 1'700'000'000'000;

}  // namespace

TEST_CASE("the clock step guard trusts a wall clock that keeps time", "[clock]") {
  internal::ClockStepGuard guard(/*tolerance_ms=*/1000, /*hold_ms=*/60'000);
  REQUIRE(guard.Judge(kT0, 0).purge_to_ms == kT0);
  auto v = guard.Judge(kT0 + 5000 + 900, 5000);  // 900 ms of drift: tolerated.
  REQUIRE(v.purge_to_ms == kT0 + 5900);
  REQUIRE(v.ahead_ms == 0);
}

TEST_CASE("the clock step guard purges only to the monotonic time across a forward step",
          "[clock]") {
  internal::ClockStepGuard guard(1000, 60'000);
  (void)guard.Judge(kT0, 0);
  auto held = guard.Judge(kT0 + kYearMs + 10, 10);
  REQUIRE(held.purge_to_ms == kT0 + 10);
  REQUIRE(held.ahead_ms == kYearMs);
  REQUIRE_FALSE(held.accepted);
  // Still held while time passes; what truly expired meanwhile is purged.
  held = guard.Judge(kT0 + kYearMs + 30'000, 30'000);
  REQUIRE(held.purge_to_ms == kT0 + 30'000);

  SECTION("and trusts the clock again once it comes back") {
    auto back = guard.Judge(kT0 + 40'000, 40'000);
    REQUIRE(back.purge_to_ms == kT0 + 40'000);
    REQUIRE(back.ahead_ms == 0);
    REQUIRE_FALSE(back.accepted);
  }
  SECTION("and accepts a step that keeps time for the hold period") {
    auto accepted = guard.Judge(kT0 + kYearMs + 60'010, 60'010);
    REQUIRE(accepted.accepted);
    REQUIRE(accepted.purge_to_ms == kT0 + kYearMs + 60'010);
    REQUIRE(guard.Judge(kT0 + kYearMs + 70'000, 70'000).ahead_ms == 0);
  }
  SECTION("and holds again from the start when the stepped clock moves again") {
    REQUIRE(guard.Judge(kT0 + 2 * kYearMs + 50'000, 50'000).ahead_ms == 2 * kYearMs);
    auto still = guard.Judge(kT0 + 2 * kYearMs + 70'000, 70'000);
    REQUIRE_FALSE(still.accepted);
    REQUIRE(still.purge_to_ms == kT0 + 70'000);
    REQUIRE(guard.Judge(kT0 + 2 * kYearMs + 110'000, 110'000).accepted);
  }
}

TEST_CASE("the clock step guard follows a backward step at once", "[clock]") {
  internal::ClockStepGuard guard(1000, 60'000);
  (void)guard.Judge(kT0, 0);
  auto back = guard.Judge(kT0 - kYearMs, 10);
  REQUIRE(back.purge_to_ms == kT0 - kYearMs);  // Purges less, never more.
  REQUIRE(back.ahead_ms == 0);
  // The reference moved back with it: returning to the right time is a
  // forward step as far as the guard can tell, and is held.
  REQUIRE(guard.Judge(kT0 + 20, 20).ahead_ms == kYearMs + 10);
}

}  // namespace authkv::test
