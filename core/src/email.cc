// authkv: embedded auth-data store. Licensed under the ISC license.

#include "email.h"

#include "unicode_lower.h"

namespace authkv::internal {

std::string NormalizeEmail(std::string_view email, EmailMatch mode) {
  if (mode == EmailMatch::kExact) return std::string(email);
  auto lower = JsToLowerCase(email);
  return lower.ok() ? std::move(lower).value() : std::string(email);
}

std::string NormalizeEmailV1(std::string_view email, EmailMatch mode) {
  std::string out(email);
  if (mode == EmailMatch::kCaseInsensitive) {
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace authkv::internal
