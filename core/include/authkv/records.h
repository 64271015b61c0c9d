// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The records of the Auth.js adapter model as plain C++ values. Field names
// follow Auth.js (docs/contract.md §1.2) in snake_case. Dates are milliseconds
// since the Unix epoch, except Account::expires_at, which is epoch seconds
// as Auth.js computes it.
//
// Thread safety: value types; no internal synchronisation.

#ifndef AUTHKV_CORE_INCLUDE_AUTHKV_RECORDS_H_
#define AUTHKV_CORE_INCLUDE_AUTHKV_RECORDS_H_

#include <cstdint>
#include <string>

#include "authkv/nullable.h"

namespace authkv {

// Auth.js' rule for sessions and verification tokens (`expires < now`):
// one that expires exactly now is still valid.
inline bool IsExpired(int64_t expires_ms, int64_t now_ms) { return expires_ms < now_ms; }

struct User {
  // Generated (UUIDv7) by CreateUser when empty.
  std::string id;
  Nullable<std::string> name;
  Nullable<std::string> email;
  Nullable<int64_t> email_verified_ms;
  Nullable<std::string> image;
  // App-defined fields as a JSON object text ("" when there are none).
  // UpdateUser merges it key by key into the stored object.
  std::string extra_json;

  friend bool operator==(const User&, const User&) = default;
};

struct Account {
  std::string user_id;
  std::string type;  // "oauth", "oidc", "email" or "webauthn".
  std::string provider;
  std::string provider_account_id;
  Nullable<std::string> access_token;
  Nullable<std::string> refresh_token;
  Nullable<std::string> id_token;
  Nullable<std::string> scope;
  Nullable<std::string> token_type;
  Nullable<std::string> session_state;
  Nullable<int64_t> expires_at;  // Epoch seconds.
  // Provider-specific fields as a JSON object text ("" when none).
  std::string extra_json;

  friend bool operator==(const Account&, const Account&) = default;
};

struct Session {
  // The cookie value. Stored only as its SHA-256 digest; results carry the
  // token the caller gave.
  std::string session_token;
  std::string user_id;
  int64_t expires_ms = 0;

  friend bool operator==(const Session&, const Session&) = default;
};

struct SessionAndUser {
  Session session;
  User user;

  friend bool operator==(const SessionAndUser&, const SessionAndUser&) = default;
};

struct VerificationToken {
  std::string identifier;
  // Auth.js passes a SHA-256 hex of the emailed secret; the store keeps only
  // a digest of it in turn.
  std::string token;
  int64_t expires_ms = 0;

  friend bool operator==(const VerificationToken&,
                         const VerificationToken&) = default;
};

struct Authenticator {
  std::string credential_id;  // Standard base64, as Auth.js produces it.
  std::string user_id;
  std::string provider_account_id;
  std::string credential_public_key;
  uint64_t counter = 0;
  bool credential_backed_up = false;
  std::string credential_device_type;
  Nullable<std::string> transports;

  friend bool operator==(const Authenticator&, const Authenticator&) = default;
};

// What PurgeExpired removed.
struct PurgeResult {
  uint64_t sessions = 0;
  uint64_t verification_tokens = 0;
};

}  // namespace authkv

#endif  // AUTHKV_CORE_INCLUDE_AUTHKV_RECORDS_H_
