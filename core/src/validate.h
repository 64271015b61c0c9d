// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Input checks every write runs before touching the database, so bad input
// is an InvalidArgument naming the field, never a stored record a reader
// chokes on. Limits are generous for real auth data and small enough that
// one record cannot blow up a RocksDB block.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_VALIDATE_H_
#define AUTHKV_CORE_SRC_VALIDATE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "authkv/nullable.h"
#include "authkv/records.h"
#include "authkv/status.h"

namespace authkv::internal {

// Ids, emails, providers, tokens: anything that is (part of) a key.
inline constexpr size_t kMaxKeyBytes = 1024;
// Other strings (OAuth tokens, public keys, image URLs).
inline constexpr size_t kMaxTextBytes = 64 * 1024;
// A whole extra_json object.
inline constexpr size_t kMaxExtraJsonBytes = 256 * 1024;

bool IsValidUtf8(std::string_view s);

// Non-empty, at most kMaxKeyBytes, no NUL (keys join parts with NUL), UTF-8.
Status CheckKey(std::string_view field, std::string_view value);
// No C0 control character (U+0000-U+001F), DEL (U+007F) or C1 control
// (U+0080-U+009F). Ids, emails, names and provider fields are printed by
// authkv-dump and end up in logs, where such characters move the cursor or
// rewrite what an operator sees. Opaque secrets (tokens) are not checked.
Status CheckNoControls(std::string_view field, std::string_view value);
// CheckKey and CheckNoControls: a key that is also shown to people.
Status CheckLabel(std::string_view field, std::string_view value);
// At most kMaxTextBytes and UTF-8, when it holds a value.
Status CheckNullableText(std::string_view field, const Nullable<std::string>& value);
Status CheckText(std::string_view field, std::string_view value);
// CheckText / CheckNullableText and CheckNoControls.
Status CheckDisplayText(std::string_view field, std::string_view value);
Status CheckNullableDisplayText(std::string_view field, const Nullable<std::string>& value);
// "" or one JSON object within kMaxExtraJsonBytes.
Status CheckExtraJson(std::string_view value);

// Whole-record checks. `require_id` is false where the store fills the id in.
// Reads check their keys with CheckKey only, so a record stored before
// control characters were refused can still be looked up.
Status ValidateUser(const User& user, bool require_id);
Status ValidateAccount(const Account& account);
Status ValidateSession(const Session& session);
Status ValidateVerificationToken(const VerificationToken& token);
Status ValidateAuthenticator(const Authenticator& authenticator);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_VALIDATE_H_
