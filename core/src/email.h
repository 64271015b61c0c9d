// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The form of an email the users_by_email index is keyed by.
//
// Thread safety: pure function.

#ifndef AUTHKV_CORE_SRC_EMAIL_H_
#define AUTHKV_CORE_SRC_EMAIL_H_

#include <string>
#include <string_view>

#include "authkv/options.h"

namespace authkv::internal {

// kCaseInsensitive folds ASCII A-Z to a-z and leaves every other byte as it
// is: Auth.js already lowercases OAuth and email-provider addresses, and full
// Unicode case folding would need ICU for a case no provider produces.
std::string NormalizeEmail(std::string_view email, EmailMatch mode);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_EMAIL_H_
