// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The extra_json fields hold a JSON object of app-defined fields. The store
// checks that text is one strict RFC 8259 object (so a reader never meets
// garbage) and merges objects key by key on update. Values are kept as the
// exact text given: numbers are never reformatted. The checking is
// nlohmann::json's (json_object.cc says how the members are then found).
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_JSON_OBJECT_H_
#define AUTHKV_CORE_SRC_JSON_OBJECT_H_

#include <string>
#include <string_view>
#include <vector>

#include "authkv/result.h"

namespace authkv::internal {

struct JsonMember {
  std::string key;             // Decoded (escapes resolved).
  std::string_view raw_key;    // As written, quotes included.
  std::string_view raw_value;  // As written, trimmed of whitespace.
};

// Splits a JSON object into its members, in order. InvalidArgument (with the
// byte offset) unless `text` is exactly one valid JSON object. Views point
// into `text`. Nesting deeper than 64 levels is refused, and so is a number
// too large for a double (1e400), which nlohmann::json does not read. A
// key is decoded as nlohmann decodes it, except that an escaped lone
// surrogate (which the grammar allows) is taken, and decoded as U+FFFD.
Result<std::vector<JsonMember>> ParseJsonObject(std::string_view text);

// The text of a JSON string literal (quotes included), decoded.
// InvalidArgument unless it is exactly one valid string.
Result<std::string> DecodeJsonString(std::string_view literal);

// `base` with each member of `patch` replacing the member of the same key or
// appended after them. Either may be "" (no members). Both must be valid.
Result<std::string> MergeJsonObjects(std::string_view base, std::string_view patch);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_JSON_OBJECT_H_
