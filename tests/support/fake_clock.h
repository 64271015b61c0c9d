// authkv tests: a clock the test moves by hand, so expiry tests never sleep.
// Its wall clock and its monotonic clock move together when time passes
// (Advance) and apart when the wall clock is stepped (Step, Set).

#ifndef AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_
#define AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <atomic>

#include "authkv/clock.h"

namespace authkv::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'700'000'000'000) : now_(now_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  int64_t MonotonicMillis() const override { return monotonic_.load(); }
  // Steps the wall clock to `now_ms`; no time passes.
  void Set(int64_t now_ms) { now_.store(now_ms); }
  // Steps the wall clock by `ms` (either way); no time passes.
  void Step(int64_t ms) { now_.fetch_add(ms); }
  // `ms` of time pass. A negative `ms` steps the wall clock back instead,
  // since the monotonic clock never goes back.
  void Advance(int64_t ms) {
    now_.fetch_add(ms);
    if (ms > 0) monotonic_.fetch_add(ms);
  }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int64_t> monotonic_{1'000'000};
};

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_
