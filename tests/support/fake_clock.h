// authkv tests: a clock the test moves by hand, so expiry tests never sleep.

#ifndef AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_
#define AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <atomic>

#include "authkv/clock.h"

namespace authkv::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'700'000'000'000) : now_(now_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Set(int64_t now_ms) { now_.store(now_ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FAKE_CLOCK_H_
