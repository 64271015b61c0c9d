// authkv tests: striped locks. An empty key (a user without an email)
// locks nothing, so email-less CreateUser calls do not queue on one stripe.

#include "lock_stripes.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace authkv::internal {

TEST_CASE("an empty lock key takes no stripe", "[lock_stripes]") {
  LockStripes stripes;
  // Two user ids on different stripes, so only a shared email stripe could
  // make the second guard wait for the first.
  std::string a = "a", b = "b";
  for (int i = 0; stripes.StripeOf({Family::kUsers, b}) == stripes.StripeOf({Family::kUsers, a});
       ++i) {
    b = "b" + std::to_string(i);
  }
  std::atomic<bool> second_locked{false};
  std::thread second;
  {
    StripeGuard first(stripes, {LockKey{Family::kUsers, a}, LockKey{Family::kUsersByEmail, ""}});
    second = std::thread([&] {
      StripeGuard guard(stripes,
                        {LockKey{Family::kUsers, b}, LockKey{Family::kUsersByEmail, ""}});
      second_locked = true;
    });
    for (int i = 0; i < 2000 && !second_locked.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(second_locked.load());
  }
  second.join();
  // A non-empty key still excludes.
  StripeGuard held(stripes, {LockKey{Family::kUsersByEmail, "x@y.z"}});
  bool free = true;
  std::thread([&] {
    std::mutex& m = stripes.at(stripes.StripeOf({Family::kUsersByEmail, "x@y.z"}));
    free = m.try_lock();
    if (free) m.unlock();
  }).join();
  CHECK_FALSE(free);
}

}  // namespace authkv::internal
