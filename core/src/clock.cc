// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The wall clock behind Clock::System().

#include "authkv/clock.h"

#include <chrono>

namespace authkv {
namespace {

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

int64_t Clock::MonotonicMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const Clock* Clock::System() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace authkv
