// authkv: embedded auth-data store. Licensed under the ISC license.

#include "clock_step_guard.h"

#include <cstdlib>

namespace authkv::internal {

ClockStepGuard::Verdict ClockStepGuard::Judge(int64_t wall_ms, int64_t monotonic_ms) {
  if (!trusted_) {
    trusted_ = Reading{wall_ms, monotonic_ms};
    return Verdict{wall_ms};
  }
  const int64_t expected_ms = trusted_->wall_ms + (monotonic_ms - trusted_->monotonic_ms);
  const int64_t ahead_ms = wall_ms - expected_ms;
  if (ahead_ms <= tolerance_ms_) {
    trusted_ = Reading{wall_ms, monotonic_ms};
    held_.reset();
    return Verdict{wall_ms};
  }
  // A new step, or the held one moved again: hold from now.
  if (!held_ || std::llabs(ahead_ms - held_->ahead_ms) > tolerance_ms_) {
    held_ = HeldStep{monotonic_ms, ahead_ms};
  }
  if (monotonic_ms - held_->since_monotonic_ms >= hold_ms_) {
    trusted_ = Reading{wall_ms, monotonic_ms};
    held_.reset();
    return Verdict{wall_ms, 0, /*accepted=*/true};
  }
  return Verdict{expected_ms, ahead_ms};
}

}  // namespace authkv::internal
