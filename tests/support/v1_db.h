// authkv tests: databases as schema version 1 wrote them, for the upgrade
// tests. Version 1 had the same families and keys as version 2 except two
// things, and this header writes both: values sealed in envelope format
// 0x01 (checksum of the value alone) and, with case-insensitive matching,
// email index keys folded on ASCII A-Z only.

#ifndef AUTHKV_TESTS_SUPPORT_V1_DB_H_
#define AUTHKV_TESTS_SUPPORT_V1_DB_H_

#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "authkv/options.h"
#include "codec.h"
#include "digest.h"
#include "email.h"
#include "raw_db.h"

namespace authkv::test {

inline constexpr std::array<const char*, 5> kRecordFamilies = {
    "users", "accounts", "sessions", "verification_tokens", "authenticators"};

// `flatbuffer` in a format 0x01 envelope.
inline std::string SealV1(std::string_view flatbuffer) {
  std::string out(flatbuffer);
  out.push_back(static_cast<char>(internal::kEnvelopeFormatV1));
  const uint64_t sum = internal::Xxh3(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

// The FlatBuffer inside a current (0x02) value stored under `key`.
inline std::string BodyOf(std::string_view key, std::string_view value) {
  auto body = internal::Unseal(key, value, "value");
  INFO(body.status().ToString());
  REQUIRE(body.ok());
  return std::string(*body);
}

// Adds a user as version 1 wrote one: its record and its email entry.
inline void PutUserV1(RawDb& raw, const User& user, EmailMatch match) {
  raw.Put("users", user.id, SealV1(internal::EncodeUser(user)));
  if (user.email.has_value() && !user.email->empty()) {
    raw.Put("users_by_email", internal::NormalizeEmailV1(*user.email, match), user.id);
  }
}

// Rewrites a closed current database at `path` into what version 1 would
// have stored for the same records.
inline void RewriteAsV1(const std::string& path, EmailMatch match) {
  RawDb raw(path);
  for (const auto& key : raw.Keys("users_by_email")) raw.Delete("users_by_email", key);
  for (const char* family : kRecordFamilies) {
    for (const auto& key : raw.Keys(family)) {
      const std::string body = BodyOf(key, raw.Get(family, key));
      if (std::string_view(family) == "users") {
        auto user = internal::DecodeUser(body);
        REQUIRE(user.ok());
        PutUserV1(raw, *user, match);
      } else {
        raw.Put(family, key, SealV1(body));
      }
    }
  }
  raw.Put("meta", "schema_version", "1");
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_V1_DB_H_
