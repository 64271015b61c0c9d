// authkv fuzz targets. Licensed under the ISC license.
//
// The records the C ABI fuzz targets keep in their store, as C++ values.
// The targets seed their store with them, and make_corpus.cc writes corpus
// inputs that name them, so the fuzzer starts from inputs that find
// something (a user to link to, a session to read) instead of having to
// guess "u1" byte by byte.
//
// Thread safety: constants and pure functions.

#ifndef AUTHKV_TESTS_FUZZ_SEED_RECORDS_H_
#define AUTHKV_TESTS_FUZZ_SEED_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "authkv/records.h"

namespace authkv::fuzz {

// 2100-01-01: far enough that no run sees a seeded session expire.
inline constexpr int64_t kFarFutureMs = 4102444800000;

inline constexpr const char* kSeedUserId = "u1";
inline constexpr const char* kSeedUserEmail = "ann@example.com";
inline constexpr const char* kSeedUser2Id = "u2";
inline constexpr const char* kSeedProvider = "github";
inline constexpr const char* kSeedProviderAccountId = "gh-1";
inline constexpr const char* kSeedSessionToken = "sess-1";
inline constexpr const char* kSeedExpiredSessionToken = "sess-old";
inline constexpr const char* kSeedTokenIdentifier = "ann@example.com";
inline constexpr const char* kSeedToken = "vt-1";
inline constexpr const char* kSeedCredentialId = "Y3JlZC0x";  // base64("cred-1")

// u1 has every field set (extra_json too); u2 has a null email and leaves
// the rest absent, so both shapes of a stored user are there to be read.
inline std::vector<User> SeedUsers() {
  User ann;
  ann.id = kSeedUserId;
  ann.name = "Ann";
  ann.email = kSeedUserEmail;
  ann.email_verified_ms = int64_t{1700000000000};
  ann.image = Nullable<std::string>::Null();
  ann.extra_json = R"({"role":"admin","phone":null})";
  User bob;
  bob.id = kSeedUser2Id;
  bob.email = Nullable<std::string>::Null();
  return {ann, bob};
}

inline Account SeedAccount() {
  Account a;
  a.user_id = kSeedUserId;
  a.type = "oauth";
  a.provider = kSeedProvider;
  a.provider_account_id = kSeedProviderAccountId;
  a.access_token = "gho_seedaccesstoken";
  a.refresh_token = Nullable<std::string>::Null();
  a.scope = "read:user user:email";
  a.token_type = "bearer";
  a.expires_at = int64_t{1900000000};
  a.extra_json = R"({"login":"ann"})";
  return a;
}

// One live session of u1 and one expired session of u2 (expired sessions
// read as not found but are still stored).
inline std::vector<Session> SeedSessions() {
  return {Session{kSeedSessionToken, kSeedUserId, kFarFutureMs},
          Session{kSeedExpiredSessionToken, kSeedUser2Id, 1000}};
}

inline VerificationToken SeedVerificationToken() {
  return VerificationToken{kSeedTokenIdentifier, kSeedToken, kFarFutureMs};
}

inline Authenticator SeedAuthenticator() {
  Authenticator a;
  a.credential_id = kSeedCredentialId;
  a.user_id = kSeedUserId;
  a.provider_account_id = kSeedCredentialId;
  a.credential_public_key = "pQECAyYgASFYIA";
  a.counter = 1;
  a.credential_backed_up = true;
  a.credential_device_type = "multiDevice";
  a.transports = "usb,nfc";
  return a;
}

}  // namespace authkv::fuzz

#endif  // AUTHKV_TESTS_FUZZ_SEED_RECORDS_H_
