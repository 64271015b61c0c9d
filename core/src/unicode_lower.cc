// authkv: embedded auth-data store. Licensed under the ISC license.

#include "unicode_lower.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "utf8.h"

namespace authkv::internal {
namespace {

struct LowerRun {
  char32_t first;
  uint16_t count;
  uint8_t stride;
  int32_t delta;
};

struct LowerSpecial {
  char32_t cp;
  std::string_view utf8;
};

enum class SigmaClass : uint8_t { kOther, kCased, kCaseIgnorable };

struct SigmaRange {
  char32_t first;
  char32_t last;
  SigmaClass cls;
};

#include "unicode_lower_table.inc"

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kSmallSigma = 0x03C3;
constexpr char32_t kFinalSigma = 0x03C2;

// The single code point `cp` lowercases to (itself if unmapped).
char32_t LowerOne(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  // The last run starting at or before cp.
  auto it = std::upper_bound(std::begin(kLowerRuns), std::end(kLowerRuns), cp,
                             [](char32_t c, const LowerRun& r) { return c < r.first; });
  if (it == std::begin(kLowerRuns)) return cp;
  const LowerRun& r = *(it - 1);
  const char32_t offset = cp - r.first;
  if (offset % r.stride != 0 || offset / r.stride >= r.count) return cp;
  return static_cast<char32_t>(static_cast<int64_t>(cp) + r.delta);
}

const LowerSpecial* Special(char32_t cp) {
  auto it = std::lower_bound(std::begin(kLowerSpecial), std::end(kLowerSpecial), cp,
                             [](const LowerSpecial& s, char32_t c) { return s.cp < c; });
  return (it != std::end(kLowerSpecial) && it->cp == cp) ? &*it : nullptr;
}

SigmaClass ClassOf(char32_t cp) {
  auto it = std::upper_bound(std::begin(kSigmaContext), std::end(kSigmaContext), cp,
                             [](char32_t c, const SigmaRange& r) { return c < r.first; });
  if (it == std::begin(kSigmaContext)) return SigmaClass::kOther;
  const SigmaRange& r = *(it - 1);
  return cp <= r.last ? r.cls : SigmaClass::kOther;
}

// Final_Sigma: a cased letter before `at` (skipping case-ignorables) and
// none after it.
bool IsFinalSigma(const std::vector<char32_t>& cps, size_t at) {
  auto cased_in = [&](auto begin, auto end) {
    for (auto it = begin; it != end; ++it) {
      const SigmaClass c = ClassOf(*it);
      if (c != SigmaClass::kCaseIgnorable) return c == SigmaClass::kCased;
    }
    return false;
  };
  const bool before = cased_in(cps.rbegin() + static_cast<ptrdiff_t>(cps.size() - at),
                               cps.rend());
  return before && !cased_in(cps.begin() + static_cast<ptrdiff_t>(at + 1), cps.end());
}

}  // namespace

Result<std::string> JsToLowerCase(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  // ASCII needs no context: only a sigma looks at its neighbours.
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    for (char c : utf8) out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
    return out;
  }
  std::vector<char32_t> cps;
  cps.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const size_t at = i;
    const char32_t cp = NextCodePoint(utf8, &i);
    if (cp == kInvalidUtf8) {
      return Status::InvalidArgument("not valid UTF-8 at byte " + std::to_string(at));
    }
    cps.push_back(cp);
  }
  for (size_t k = 0; k < cps.size(); ++k) {
    const char32_t cp = cps[k];
    if (cp == kCapitalSigma) {
      AppendUtf8(IsFinalSigma(cps, k) ? kFinalSigma : kSmallSigma, &out);
    } else if (const LowerSpecial* s = Special(cp)) {
      out.append(s->utf8);
    } else {
      AppendUtf8(LowerOne(cp), &out);
    }
  }
  return out;
}

std::string_view UnicodeLowerVersion() { return kUnicodeVersion; }

}  // namespace authkv::internal
