// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The small text helpers every output format shares (declared in
// authkv/inspect.h): hex, ISO-8601 dates, JSON string literals and the
// redaction marker.
//
// Thread safety: pure functions.

#include <cinttypes>
#include <cstdio>

#include "authkv/inspect.h"
#include "digest.h"
#include "validate.h"

namespace authkv {

std::string HexString(std::string_view bytes) { return internal::ToHex(bytes); }

std::string FormatIsoMillis(int64_t ms) {
  // Floor division, so times before 1970 land on the right day.
  int64_t days = ms / 86'400'000;
  int64_t rem = ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  // Civil date from days since the epoch (Howard Hinnant's algorithm), which
  // needs no time zone database and works for every int64 day count we meet.
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[128];  // Room for any int64 year, so nothing is cut.
  std::snprintf(buf, sizeof buf,
                "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64 ":%02" PRId64
                ".%03" PRId64 "Z",
                year, month, day, rem / 3'600'000, rem / 60'000 % 60, rem / 1000 % 60, rem % 1000);
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
  for (char c : s) {
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
        if (u < 0x20 || (u >= 0x80 && !utf8)) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", u);
          out += esc;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string RedactedText(size_t bytes) { return "<redacted:" + std::to_string(bytes) + " bytes>"; }

}  // namespace authkv
