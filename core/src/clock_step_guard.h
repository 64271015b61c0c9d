// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Keeps the background purge from acting on a wall clock that has been
// stepped forward. Sessions expire by the wall clock, so one step a year
// ahead (a bad NTP answer, a VM resumed with a stale clock fixed wrongly)
// would let a purge delete every session, and everyone would be signed out
// for good even after the clock came back. Deleting is the only thing that
// cannot be undone: a read during the step sees a session as expired (so
// does Auth.js, which judges expiry by the same clock), but a session that
// is still stored is valid again once the clock is right.
//
// So each run compares how far the wall clock moved since the last trusted
// run with how far the monotonic clock (never stepped) moved:
//   - within `tolerance_ms` of it, or behind it (a backward step only makes
//     a purge delete less): the wall clock is trusted, and becomes the new
//     reference;
//   - ahead by more: the run purges only up to where the monotonic clock
//     says the wall clock should be, which deletes what truly expired and
//     nothing that only the step made look expired. The reference stays,
//     so a clock that comes back is trusted again at once.
// A step that persists, advancing in time with the monotonic clock for
// `hold_ms`, is taken to be a correction (the clock was wrong before) and
// accepted; the records it expired are purged then.
//
// Not covered: a clock already wrong when the store opens (there is no
// reference yet), and a monotonic clock that stops while the wall clock
// goes on (a suspended machine is held back like a step, then accepted).
//
// Thread safety: none; one guard belongs to the purge thread.

#ifndef AUTHKV_CORE_SRC_CLOCK_STEP_GUARD_H_
#define AUTHKV_CORE_SRC_CLOCK_STEP_GUARD_H_

#include <cstdint>
#include <optional>

namespace authkv::internal {

class ClockStepGuard {
 public:
  ClockStepGuard(int64_t tolerance_ms, int64_t hold_ms)
      : tolerance_ms_(tolerance_ms), hold_ms_(hold_ms) {}

  struct Verdict {
    int64_t purge_to_ms;   // The time this run may purge up to.
    int64_t ahead_ms = 0;  // How far the wall clock is ahead of where it
                           // should be; 0 unless this run is held back.
    bool accepted = false; // A step held back for hold_ms was accepted.
  };
  Verdict Judge(int64_t wall_ms, int64_t monotonic_ms);

 private:
  struct Reading {
    int64_t wall_ms;
    int64_t monotonic_ms;
  };
  // A step being held back: when it was first seen, and by how much.
  struct HeldStep {
    int64_t since_monotonic_ms;
    int64_t ahead_ms;
  };

  int64_t tolerance_ms_;
  int64_t hold_ms_;
  std::optional<Reading> trusted_;
  std::optional<HeldStep> held_;
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_CLOCK_STEP_GUARD_H_
