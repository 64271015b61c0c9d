// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The one UTF-8 decoder: validation (validate.h) and the email fold
// (unicode_lower.h) read code points through it, so they cannot disagree on
// what is valid UTF-8.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_UTF8_H_
#define AUTHKV_CORE_SRC_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace authkv::internal {

inline constexpr char32_t kInvalidUtf8 = 0xFFFFFFFF;

// The code point starting at s[*i], advancing *i past it; kInvalidUtf8 (and
// *i unchanged) for a truncated sequence, a stray continuation byte, an
// overlong form, a surrogate or a value past U+10FFFF.
char32_t NextCodePoint(std::string_view s, size_t* i);

// Appends the UTF-8 form of `cp` (a scalar value) to `out`.
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_UTF8_H_
