// authkv fuzz targets. Licensed under the ISC license.
//
// A field-by-field framing of the five input records, for the
// "structure-aware" half of fuzz_c_abi_records: the fuzzer mutates the
// fields' bytes (ids, emails, JSON, numbers, null vs absent) and the target
// encodes them into a well-formed FlatBuffer, so the mutations reach the
// store's own checks instead of dying in the FlatBuffers verifier, which
// byte-level mutation of a FlatBuffer mostly does. The reader and the
// writer (for make_corpus) sit side by side so they cannot drift apart.
//
// Framing: strings are InputReader::ShortString (a length byte, then the
// bytes); a nullable field is a tag byte (tag % 3: 0 absent, 1 null, 2 a
// value follows); numbers are 8 bytes big-endian; extra_json, the one field
// that may be long, takes the rest of the input.
//
// Thread safety: pure functions.

#ifndef AUTHKV_TESTS_FUZZ_RECORD_FIELDS_H_
#define AUTHKV_TESTS_FUZZ_RECORD_FIELDS_H_

#include <cstdint>
#include <string>

#include "authkv/records.h"
#include "fuzz_support.h"

namespace authkv::fuzz {

namespace fields_internal {

enum : uint8_t { kAbsent = 0, kNull = 1, kValue = 2 };

inline Nullable<std::string> ReadText(InputReader& r) {
  switch (r.Byte() % 3) {
    case kAbsent: return {};
    case kNull: return Nullable<std::string>::Null();
    default: return std::string(r.ShortString());
  }
}

inline void WriteText(InputWriter& w, const Nullable<std::string>& v) {
  if (v.is_absent()) {
    w.Byte(kAbsent);
  } else if (v.is_null()) {
    w.Byte(kNull);
  } else {
    w.Byte(kValue).ShortString(*v);
  }
}

inline Nullable<int64_t> ReadInt(InputReader& r) {
  switch (r.Byte() % 3) {
    case kAbsent: return {};
    case kNull: return Nullable<int64_t>::Null();
    default: return static_cast<int64_t>(r.U64());
  }
}

inline void WriteInt(InputWriter& w, const Nullable<int64_t>& v) {
  if (v.is_absent()) {
    w.Byte(kAbsent);
  } else if (v.is_null()) {
    w.Byte(kNull);
  } else {
    w.Byte(kValue).U64(static_cast<uint64_t>(*v));
  }
}

}  // namespace fields_internal

inline User ReadUserFields(InputReader& r) {
  using namespace fields_internal;
  User u;
  u.id = r.ShortString();
  u.name = ReadText(r);
  u.email = ReadText(r);
  u.email_verified_ms = ReadInt(r);
  u.image = ReadText(r);
  u.extra_json = r.Rest();
  return u;
}

inline void WriteUserFields(InputWriter& w, const User& u) {
  using namespace fields_internal;
  w.ShortString(u.id);
  WriteText(w, u.name);
  WriteText(w, u.email);
  WriteInt(w, u.email_verified_ms);
  WriteText(w, u.image);
  w.Rest(u.extra_json);
}

inline Account ReadAccountFields(InputReader& r) {
  using namespace fields_internal;
  Account a;
  a.user_id = r.ShortString();
  a.type = r.ShortString();
  a.provider = r.ShortString();
  a.provider_account_id = r.ShortString();
  a.access_token = ReadText(r);
  a.refresh_token = ReadText(r);
  a.id_token = ReadText(r);
  a.scope = ReadText(r);
  a.token_type = ReadText(r);
  a.session_state = ReadText(r);
  a.expires_at = ReadInt(r);
  a.extra_json = r.Rest();
  return a;
}

inline void WriteAccountFields(InputWriter& w, const Account& a) {
  using namespace fields_internal;
  w.ShortString(a.user_id).ShortString(a.type).ShortString(a.provider);
  w.ShortString(a.provider_account_id);
  WriteText(w, a.access_token);
  WriteText(w, a.refresh_token);
  WriteText(w, a.id_token);
  WriteText(w, a.scope);
  WriteText(w, a.token_type);
  WriteText(w, a.session_state);
  WriteInt(w, a.expires_at);
  w.Rest(a.extra_json);
}

inline Session ReadSessionFields(InputReader& r) {
  Session s;
  s.session_token = r.ShortString();
  s.user_id = r.ShortString();
  s.expires_ms = static_cast<int64_t>(r.U64());
  return s;
}

inline void WriteSessionFields(InputWriter& w, const Session& s) {
  w.ShortString(s.session_token).ShortString(s.user_id).U64(static_cast<uint64_t>(s.expires_ms));
}

inline VerificationToken ReadVerificationTokenFields(InputReader& r) {
  VerificationToken t;
  t.identifier = r.ShortString();
  t.token = r.ShortString();
  t.expires_ms = static_cast<int64_t>(r.U64());
  return t;
}

inline void WriteVerificationTokenFields(InputWriter& w, const VerificationToken& t) {
  w.ShortString(t.identifier).ShortString(t.token).U64(static_cast<uint64_t>(t.expires_ms));
}

inline Authenticator ReadAuthenticatorFields(InputReader& r) {
  Authenticator a;
  a.credential_id = r.ShortString();
  a.user_id = r.ShortString();
  a.provider_account_id = r.ShortString();
  a.credential_public_key = r.ShortString();
  a.counter = r.U64();
  a.credential_backed_up = (r.Byte() & 1) != 0;
  a.credential_device_type = r.ShortString();
  a.transports = fields_internal::ReadText(r);
  return a;
}

inline void WriteAuthenticatorFields(InputWriter& w, const Authenticator& a) {
  w.ShortString(a.credential_id).ShortString(a.user_id).ShortString(a.provider_account_id);
  w.ShortString(a.credential_public_key).U64(a.counter).Byte(a.credential_backed_up ? 1 : 0);
  w.ShortString(a.credential_device_type);
  fields_internal::WriteText(w, a.transports);
}

}  // namespace authkv::fuzz

#endif  // AUTHKV_TESTS_FUZZ_RECORD_FIELDS_H_
