// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Result<T> holds either a value or a non-OK Status (Abseil's StatusOr,
// without depending on C++23's std::expected). Every authkv call that
// produces a value returns one.
//
// Thread safety: a value type; no internal synchronisation.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_RESULT_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_RESULT_H_

#include <cstdlib>
#include <optional>
#include <utility>

#include "authkv/status.h"

namespace authkv {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok(). An OK status without a value is a bug and is
  // turned into an Internal error rather than a Result that lies.
  Result(Status status)  // NOLINT: implicit, so `return status;` works.
      : status_(std::move(status)) {
    if (status_.ok()) status_ = Status::Internal("Result built from OK status");
  }
  Result(T value)  // NOLINT: implicit, so `return value;` works.
      : value_(std::move(value)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok(). Checked: calling these on an error aborts, because
  // reading a value that is not there would otherwise be undefined.
  const T& value() const& { return Checked(); }
  T& value() & { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  const T& operator*() const& { return Checked(); }
  T& operator*() & { return Checked(); }
  const T* operator->() const { return &Checked(); }
  T* operator->() { return &Checked(); }

 private:
  T& Checked() {
    if (!value_) std::abort();
    return *value_;
  }
  const T& Checked() const {
    if (!value_) std::abort();
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_RESULT_H_
