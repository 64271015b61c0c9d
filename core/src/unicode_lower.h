// authkv: embedded auth-data store. Licensed under the ISC license.
//
// JavaScript's String.prototype.toLowerCase(), on UTF-8: the mapping Auth.js
// applies to email identifiers, so an address folds here exactly as it does
// in the app. Full lowercase mappings (U+0130 becomes two code points) and
// the one context-dependent rule of the root locale, Final_Sigma (U+03A3 is
// U+03C2 at the end of a word). The tables are generated from Node by
// scripts/gen-unicode-lower.mjs (unicode_lower_table.inc names the Unicode
// version); no ICU at run time, so the library stays small on every
// platform.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_UNICODE_LOWER_H_
#define AUTHKV_CORE_SRC_UNICODE_LOWER_H_

#include <string>
#include <string_view>

#include "authkv/result.h"

namespace authkv::internal {

// The lowercase of `utf8`; InvalidArgument if it is not valid UTF-8.
Result<std::string> JsToLowerCase(std::string_view utf8);

// The Unicode version of the tables (e.g. "17.0").
std::string_view UnicodeLowerVersion();

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_UNICODE_LOWER_H_
