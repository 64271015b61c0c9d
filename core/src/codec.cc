// authkv: embedded auth-data store. Licensed under the ISC license.

#include "codec.h"

#include <cstring>

#include "digest.h"

namespace authkv::internal {
namespace fb = flatbuffers;
namespace {

// Bits of null_fields, as documented in each .fbs file.
enum UserNullBit : uint32_t { kUserName, kUserEmail, kUserImage, kUserEmailVerified };
enum AccountNullBit : uint32_t {
  kAccAccessToken, kAccRefreshToken, kAccIdToken, kAccScope,
  kAccTokenType, kAccSessionState, kAccExpiresAt
};
enum AuthenticatorNullBit : uint32_t { kAuthTransports };

// Nullable string -> offset (0 unless it has a value), noting null in *mask.
fb::Offset<fb::String> AddText(fb::FlatBufferBuilder& fbb,
                               const Nullable<std::string>& v, uint32_t bit,
                               uint32_t* mask) {
  if (v.is_null()) *mask |= 1u << bit;
  return v.has_value() ? fbb.CreateString(*v) : 0;
}

fb::Offset<fb::String> AddText(fb::FlatBufferBuilder& fbb, std::string_view v) {
  return v.empty() ? 0 : fbb.CreateString(v.data(), v.size());
}

// Nullable string from a table: value if present, else null or absent.
Nullable<std::string> ReadText(const fb::String* s, uint32_t mask,
                               uint32_t bit) {
  if (s) return s->str();
  return (mask & (1u << bit)) ? Nullable<std::string>::Null()
                              : Nullable<std::string>();
}

Nullable<int64_t> ReadInt(fb::Optional<int64_t> v, uint32_t mask,
                          uint32_t bit) {
  if (v) return *v;
  return (mask & (1u << bit)) ? Nullable<int64_t>::Null() : Nullable<int64_t>();
}

std::string Str(const fb::String* s) { return s ? s->str() : std::string(); }

std::string Finished(fb::FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                     fbb.GetSize());
}

// A FlatBuffer is read in place, so it must start at an address aligned
// for its widest scalar; a misaligned input (a slice of a caller's buffer) is
// copied into `storage` first.
std::string_view Aligned(std::string_view buf, std::string* storage) {
  if (reinterpret_cast<uintptr_t>(buf.data()) % alignof(uint64_t) == 0) return buf;
  storage->assign(buf.data(), buf.size());  // std::string storage is 8-aligned.
  return *storage;
}

// Verifies a whole buffer as root type T with its identifier. The result
// points into `buf` or, if that was misaligned, into `storage`.
template <typename T>
Result<const T*> VerifiedRoot(std::string_view unaligned, const char* identifier,
                              std::string_view what, std::string* storage) {
  std::string_view buf = Aligned(unaligned, storage);
  // The verifier needs an aligned, non-empty buffer with room for the root
  // offset and identifier; anything shorter is refused before it looks.
  if (buf.size() < 8 || buf.size() > FLATBUFFERS_MAX_BUFFER_SIZE) {
    return Status::InvalidArgument(std::string(what) + ": buffer of " +
                                   std::to_string(buf.size()) +
                                   " bytes is not a FlatBuffer");
  }
  const auto* data = reinterpret_cast<const uint8_t*>(buf.data());
  if (!fb::BufferHasIdentifier(data, identifier)) {
    return Status::InvalidArgument(std::string(what) +
                                   ": wrong file identifier (want " +
                                   identifier + ")");
  }
  fb::Verifier verifier(data, buf.size());
  if (!verifier.VerifyBuffer<T>(identifier)) {
    return Status::InvalidArgument(std::string(what) +
                                   ": FlatBuffer failed verification");
  }
  return fb::GetRoot<T>(data);
}

}  // namespace

std::string Seal(std::string_view key, std::string_view flatbuffer) {
  std::string out;
  out.reserve(flatbuffer.size() + kEnvelopeOverhead);
  out.append(flatbuffer);
  out.push_back(static_cast<char>(kEnvelopeFormat));
  uint64_t sum = Xxh3Keyed(key, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

uint8_t EnvelopeFormatOf(std::string_view value) {
  return value.size() < kEnvelopeOverhead ? 0 : static_cast<uint8_t>(value[value.size() - 9]);
}

Result<std::string_view> Unseal(std::string_view key, std::string_view value,
                                std::string_view what, EnvelopeV1 v1) {
  if (value.size() < kEnvelopeOverhead + 8) {
    return Status::Corruption(std::string(what) + ": value of " +
                              std::to_string(value.size()) +
                              " bytes is too short");
  }
  std::string_view body = value.substr(0, value.size() - 8);
  const auto format = static_cast<uint8_t>(body.back());
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) {
    stored |= uint64_t{static_cast<unsigned char>(value[body.size() + i])} << (8 * i);
  }
  if (format == kEnvelopeFormat) {
    if (stored != Xxh3Keyed(key, body)) {
      return Status::Corruption(std::string(what) +
                                ": checksum mismatch (damaged, or stored under another key)");
    }
  } else if (format == kEnvelopeFormatV1 && v1 == EnvelopeV1::kAccept) {
    if (stored != Xxh3(body)) {
      return Status::Corruption(std::string(what) + ": checksum mismatch");
    }
  } else if (format == kEnvelopeFormatV1) {
    return Status::Corruption(std::string(what) +
                              ": value in format 1, which the upgrade to schema version 2 "
                              "re-seals; this one was left (its checksum failed then)");
  } else {
    return Status::Corruption(std::string(what) + ": unknown value format " +
                              std::to_string(format));
  }
  return body.substr(0, body.size() - 1);
}

fb::Offset<schema::User> BuildUser(fb::FlatBufferBuilder& fbb, const User& u) {
  uint32_t mask = 0;
  auto id = AddText(fbb, u.id);
  auto name = AddText(fbb, u.name, kUserName, &mask);
  auto email = AddText(fbb, u.email, kUserEmail, &mask);
  auto image = AddText(fbb, u.image, kUserImage, &mask);
  auto extra = AddText(fbb, u.extra_json);
  if (u.email_verified_ms.is_null()) mask |= 1u << kUserEmailVerified;
  schema::UserBuilder b(fbb);
  b.add_id(id);
  b.add_name(name);
  b.add_email(email);
  if (u.email_verified_ms.has_value()) b.add_email_verified_ms(*u.email_verified_ms);
  b.add_image(image);
  b.add_extra_json(extra);
  b.add_null_fields(mask);
  return b.Finish();
}

User ReadUser(const schema::User& t) {
  User u;
  const uint32_t mask = t.null_fields();
  u.id = Str(t.id());
  u.name = ReadText(t.name(), mask, kUserName);
  u.email = ReadText(t.email(), mask, kUserEmail);
  u.image = ReadText(t.image(), mask, kUserImage);
  u.email_verified_ms = ReadInt(t.email_verified_ms(), mask, kUserEmailVerified);
  u.extra_json = Str(t.extra_json());
  return u;
}

std::string EncodeUser(const User& user) {
  fb::FlatBufferBuilder fbb(256);
  fbb.Finish(BuildUser(fbb, user), schema::UserIdentifier());
  return Finished(fbb);
}

Result<User> DecodeUser(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::User>(buf, schema::UserIdentifier(), "User", &storage);
  if (!root.ok()) return root.status();
  return ReadUser(**root);
}

std::string EncodeAccount(const Account& a, std::string_view sealed_tokens) {
  fb::FlatBufferBuilder fbb(512);
  uint32_t mask = 0;
  auto user_id = AddText(fbb, a.user_id);
  auto type = AddText(fbb, a.type);
  auto provider = AddText(fbb, a.provider);
  auto pid = AddText(fbb, a.provider_account_id);
  auto access = AddText(fbb, a.access_token, kAccAccessToken, &mask);
  auto refresh = AddText(fbb, a.refresh_token, kAccRefreshToken, &mask);
  auto id_token = AddText(fbb, a.id_token, kAccIdToken, &mask);
  auto scope = AddText(fbb, a.scope, kAccScope, &mask);
  auto token_type = AddText(fbb, a.token_type, kAccTokenType, &mask);
  auto session_state = AddText(fbb, a.session_state, kAccSessionState, &mask);
  auto extra = AddText(fbb, a.extra_json);
  auto sealed = sealed_tokens.empty()
                    ? 0
                    : fbb.CreateVector(reinterpret_cast<const uint8_t*>(sealed_tokens.data()),
                                       sealed_tokens.size());
  if (a.expires_at.is_null()) mask |= 1u << kAccExpiresAt;
  schema::AccountBuilder b(fbb);
  b.add_user_id(user_id);
  b.add_type(type);
  b.add_provider(provider);
  b.add_provider_account_id(pid);
  b.add_access_token(access);
  b.add_refresh_token(refresh);
  b.add_id_token(id_token);
  b.add_scope(scope);
  b.add_token_type(token_type);
  b.add_session_state(session_state);
  if (a.expires_at.has_value()) b.add_expires_at(*a.expires_at);
  b.add_extra_json(extra);
  b.add_null_fields(mask);
  b.add_sealed_tokens(sealed);
  fbb.Finish(b.Finish(), schema::AccountIdentifier());
  return Finished(fbb);
}

Result<Account> DecodeAccount(std::string_view buf, std::string* sealed_tokens) {
  std::string storage;
  auto root = VerifiedRoot<schema::Account>(buf, schema::AccountIdentifier(), "Account", &storage);
  if (!root.ok()) return root.status();
  const schema::Account& t = **root;
  const uint32_t mask = t.null_fields();
  Account a;
  a.user_id = Str(t.user_id());
  a.type = Str(t.type());
  a.provider = Str(t.provider());
  a.provider_account_id = Str(t.provider_account_id());
  a.access_token = ReadText(t.access_token(), mask, kAccAccessToken);
  a.refresh_token = ReadText(t.refresh_token(), mask, kAccRefreshToken);
  a.id_token = ReadText(t.id_token(), mask, kAccIdToken);
  a.scope = ReadText(t.scope(), mask, kAccScope);
  a.token_type = ReadText(t.token_type(), mask, kAccTokenType);
  a.session_state = ReadText(t.session_state(), mask, kAccSessionState);
  a.expires_at = ReadInt(t.expires_at(), mask, kAccExpiresAt);
  a.extra_json = Str(t.extra_json());
  if (const auto* sealed = t.sealed_tokens(); sealed && sealed->size() > 0) {
    if (!sealed_tokens) {
      return Status::FailedPrecondition("account tokens are encrypted");
    }
    sealed_tokens->assign(reinterpret_cast<const char*>(sealed->data()), sealed->size());
  } else if (sealed_tokens) {
    sealed_tokens->clear();
  }
  return a;
}

fb::Offset<schema::Session> BuildSession(fb::FlatBufferBuilder& fbb,
                                         const Session& s) {
  auto token = AddText(fbb, s.session_token);
  auto user_id = AddText(fbb, s.user_id);
  schema::SessionBuilder b(fbb);
  b.add_session_token(token);
  b.add_user_id(user_id);
  b.add_expires_ms(s.expires_ms);
  return b.Finish();
}

Session ReadSession(const schema::Session& t) {
  return Session{Str(t.session_token()), Str(t.user_id()), t.expires_ms()};
}

std::string EncodeSession(const Session& session, bool with_token) {
  fb::FlatBufferBuilder fbb(128);
  Session copy = session;
  if (!with_token) copy.session_token.clear();
  fbb.Finish(BuildSession(fbb, copy), schema::SessionIdentifier());
  return Finished(fbb);
}

Result<Session> DecodeSession(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::Session>(buf, schema::SessionIdentifier(), "Session", &storage);
  if (!root.ok()) return root.status();
  return ReadSession(**root);
}

std::string EncodeVerificationToken(const VerificationToken& t, bool with_token) {
  fb::FlatBufferBuilder fbb(128);
  auto identifier = AddText(fbb, t.identifier);
  auto token = with_token ? AddText(fbb, t.token) : 0;
  schema::VerificationTokenBuilder b(fbb);
  b.add_identifier(identifier);
  b.add_token(token);
  b.add_expires_ms(t.expires_ms);
  fbb.Finish(b.Finish(), schema::VerificationTokenIdentifier());
  return Finished(fbb);
}

Result<VerificationToken> DecodeVerificationToken(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::VerificationToken>(buf, schema::VerificationTokenIdentifier(), "VerificationToken", &storage);
  if (!root.ok()) return root.status();
  const auto& t = **root;
  return VerificationToken{Str(t.identifier()), Str(t.token()), t.expires_ms()};
}

fb::Offset<schema::Authenticator> BuildAuthenticator(fb::FlatBufferBuilder& fbb,
                                                    const Authenticator& a) {
  uint32_t mask = 0;
  auto cred = AddText(fbb, a.credential_id);
  auto user_id = AddText(fbb, a.user_id);
  auto pid = AddText(fbb, a.provider_account_id);
  auto key = AddText(fbb, a.credential_public_key);
  auto device = AddText(fbb, a.credential_device_type);
  auto transports = AddText(fbb, a.transports, kAuthTransports, &mask);
  schema::AuthenticatorBuilder b(fbb);
  b.add_credential_id(cred);
  b.add_user_id(user_id);
  b.add_provider_account_id(pid);
  b.add_credential_public_key(key);
  b.add_counter(a.counter);
  b.add_credential_backed_up(a.credential_backed_up);
  b.add_credential_device_type(device);
  b.add_transports(transports);
  b.add_null_fields(mask);
  return b.Finish();
}

std::string EncodeAuthenticator(const Authenticator& a) {
  fb::FlatBufferBuilder fbb(256);
  fbb.Finish(BuildAuthenticator(fbb, a), schema::AuthenticatorIdentifier());
  return Finished(fbb);
}

std::string EncodeAuthenticatorList(const std::vector<Authenticator>& list) {
  fb::FlatBufferBuilder fbb(256 * (list.size() + 1));
  std::vector<fb::Offset<schema::Authenticator>> items;
  items.reserve(list.size());
  for (const auto& a : list) items.push_back(BuildAuthenticator(fbb, a));
  auto vec = fbb.CreateVector(items);
  fbb.Finish(schema::CreateAuthenticatorList(fbb, vec),
             schema::AuthenticatorListIdentifier());
  return Finished(fbb);
}

Authenticator ReadAuthenticator(const schema::Authenticator& t) {
  Authenticator a;
  a.credential_id = Str(t.credential_id());
  a.user_id = Str(t.user_id());
  a.provider_account_id = Str(t.provider_account_id());
  a.credential_public_key = Str(t.credential_public_key());
  a.counter = t.counter();
  a.credential_backed_up = t.credential_backed_up();
  a.credential_device_type = Str(t.credential_device_type());
  a.transports = ReadText(t.transports(), t.null_fields(), kAuthTransports);
  return a;
}

Result<Authenticator> DecodeAuthenticator(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::Authenticator>(buf, schema::AuthenticatorIdentifier(), "Authenticator", &storage);
  if (!root.ok()) return root.status();
  return ReadAuthenticator(**root);
}

Result<std::vector<Authenticator>> DecodeAuthenticatorList(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::AuthenticatorList>(buf, schema::AuthenticatorListIdentifier(), "AuthenticatorList", &storage);
  if (!root.ok()) return root.status();
  std::vector<Authenticator> out;
  if (const auto* items = (*root)->items()) {
    for (const auto* item : *items) out.push_back(ReadAuthenticator(*item));
  }
  return out;
}

std::string EncodeSessionAndUser(const SessionAndUser& su) {
  fb::FlatBufferBuilder fbb(384);
  auto session = BuildSession(fbb, su.session);
  auto user = BuildUser(fbb, su.user);
  schema::SessionAndUserBuilder b(fbb);
  b.add_session(session);
  b.add_user(user);
  fbb.Finish(b.Finish(), schema::SessionAndUserIdentifier());
  return Finished(fbb);
}

Result<SessionAndUser> DecodeSessionAndUser(std::string_view buf) {
  std::string storage;
  auto root = VerifiedRoot<schema::SessionAndUser>(buf, schema::SessionAndUserIdentifier(), "SessionAndUser", &storage);
  if (!root.ok()) return root.status();
  const auto& t = **root;
  if (!t.session() || !t.user()) {
    return Status::InvalidArgument("SessionAndUser: missing session or user");
  }
  return SessionAndUser{ReadSession(*t.session()), ReadUser(*t.user())};
}

}  // namespace authkv::internal
