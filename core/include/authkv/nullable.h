// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Nullable<T>: a field that is absent, explicitly null, or holds a value.
// Auth.js tells the three apart (`{name: null}` is not `{}`), so the store
// keeps all three through a round trip, and an empty string stays a value.
//
// Thread safety: a value type; no internal synchronisation.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_NULLABLE_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_NULLABLE_H_

#include <cstdint>
#include <type_traits>
#include <utility>

namespace authkv {

template <typename T>
class Nullable {
 public:
  enum class State : uint8_t { kAbsent, kNull, kValue };

  Nullable() = default;  // Absent.
  // Implicit from anything a T is built from, so `user.name = "Ann";` works.
  template <typename U>
    requires(std::is_constructible_v<T, U &&> &&
             !std::is_same_v<std::remove_cvref_t<U>, Nullable>)
  Nullable(U&& value)  // NOLINT(google-explicit-constructor)
      : state_(State::kValue), value_(std::forward<U>(value)) {}
  static Nullable Null() {
    Nullable n;
    n.state_ = State::kNull;
    return n;
  }

  State state() const { return state_; }
  bool has_value() const { return state_ == State::kValue; }
  bool is_null() const { return state_ == State::kNull; }
  bool is_absent() const { return state_ == State::kAbsent; }

  // REQUIRES: has_value(); otherwise returns a default-constructed T.
  const T& value() const { return value_; }
  const T& operator*() const { return value_; }
  const T* operator->() const { return &value_; }
  const T& value_or(const T& fallback) const {
    return has_value() ? value_ : fallback;
  }

  void reset() { *this = Nullable(); }
  void set_null() { *this = Null(); }

  friend bool operator==(const Nullable& a, const Nullable& b) {
    if (a.state_ != b.state_) return false;
    return a.state_ != State::kValue || a.value_ == b.value_;
  }

 private:
  State state_ = State::kAbsent;
  T value_{};
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_NULLABLE_H_
