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

// kCaseInsensitive: the whole address lowercased as JavaScript's
// toLowerCase() does (unicode_lower.h), which is what Auth.js applies to
// every email identifier, so "Émile@X.io" from OAuth and "émile@x.io" from a
// magic link are one user. kExact: the bytes as given.
//
// Every write and lookup has already refused invalid UTF-8 (CheckKey, as
// InvalidArgument). Bytes that are not UTF-8 can reach here only from a
// stored record older than that check; they are keyed exactly as stored,
// so writing and deleting such a record still agree on its key.
std::string NormalizeEmail(std::string_view email, EmailMatch mode);

// The kCaseInsensitive key of schema version 1 (ASCII A-Z only), which the
// upgrade to version 2 re-indexes from.
std::string NormalizeEmailV1(std::string_view email, EmailMatch mode);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_EMAIL_H_
