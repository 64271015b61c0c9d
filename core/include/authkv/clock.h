// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The time source the store judges expiry by. Injected through Options so
// tests drive expiry without sleeping.
//
// Thread safety: implementations must be safe to call from any thread.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_CLOCK_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_CLOCK_H_

#include <cstdint>

namespace authkv {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch: the wall clock, which can be
  // stepped (NTP, an operator, a VM resumed).
  virtual int64_t NowMillis() const = 0;

  // Milliseconds since an arbitrary start, never stepped: the background
  // purge measures NowMillis against it to tell a clock step from time
  // passing (Options::purge_clock_step_tolerance_ms).
  // Default: std::chrono::steady_clock.
  virtual int64_t MonotonicMillis() const;

  // The wall clock. Static: never freed, valid for the process lifetime.
  static const Clock* System();
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_CLOCK_H_
