// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The small text helpers every output format shares (declared in
// authkv/inspect.h): hex, ISO-8601 dates, JSON string literals and the
// redaction marker, and TerminalSafe for text printed for people.
//
// Thread safety: pure functions.

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "authkv/inspect.h"
#include "digest.h"
#include "validate.h"

namespace authkv {
namespace {

// Whether s[i] starts a C1 control (U+0080-U+009F: 0xC2 0x80-0x9F in UTF-8),
// which some terminals obey like the C0 escape sequences.
bool IsC1Lead(std::string_view s, size_t i) {
  return static_cast<unsigned char>(s[i]) == 0xC2 && i + 1 < s.size() &&
         static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

}  // namespace

std::string HexString(std::string_view bytes) { return internal::ToHex(bytes); }

std::string FormatIsoMillis(int64_t ms) {
  using namespace std::chrono;
  constexpr int64_t kDayMs = 86'400'000;
  // Whole days and the time of day by hand, not with floor<days>: turning
  // the days back into milliseconds overflows near the ends of int64.
  int64_t day_count = ms / kDayMs;
  int64_t time_ms = ms % kDayMs;
  if (time_ms < 0) {  // Floor division, so times before 1970 land on the right day.
    time_ms += kDayMs;
    --day_count;
  }
  // std::chrono::year ends at 32,767 but a stored time may be any int64
  // (nothing bounds what a provider sends as expires_at). The Gregorian
  // calendar repeats every 400 years, so <chrono> is given the same date in
  // the 400 years from 1970 and the years of the whole cycles are added back.
  constexpr int64_t kCycleDays = 146'097;
  const int64_t cycles = day_count / kCycleDays - (day_count % kCycleDays < 0 ? 1 : 0);
  const year_month_day date{sys_days(days(day_count - cycles * kCycleDays))};
  const hh_mm_ss time{milliseconds(time_ms)};
  char buf[64];  // Room for any int64 year, so nothing is cut.
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ",
                int64_t{static_cast<int>(date.year())} + cycles * 400,
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buf;
}

std::optional<std::string> FormatIsoSeconds(int64_t seconds) {
  int64_t ms = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1000}, &ms)) return std::nullopt;
  return FormatIsoMillis(ms);
}

std::string JsonQuote(std::string_view s) {
  const bool utf8 = internal::IsValidUtf8(s);
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F || (u >= 0x80 && !utf8)) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", u);
          out += esc;
        } else if (utf8 && IsC1Lead(s, i)) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(s[++i]));
          out += esc;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string TerminalSafe(std::string_view s) {
  const bool utf8 = internal::IsValidUtf8(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    const bool c1 = utf8 && IsC1Lead(s, i);
    if (u < 0x20 || u == 0x7F || (u >= 0x80 && !utf8) || c1) {
      char esc[16];
      if (c1) {
        std::snprintf(esc, sizeof esc, "\\x%02x\\x%02x", u,
                      static_cast<unsigned char>(s[++i]));
      } else {
        std::snprintf(esc, sizeof esc, "\\x%02x", u);
      }
      out += esc;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string RedactedText(size_t bytes) { return "<redacted:" + std::to_string(bytes) + " bytes>"; }

}  // namespace authkv
