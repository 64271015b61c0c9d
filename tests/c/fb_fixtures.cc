// authkv tests. Licensed under the ISC license.
//
// FlatBuffer builders and a describer for the plain-C ABI test; see
// fb_fixtures.h. Failures here abort: a fixture that cannot build its buffer
// is a broken test, not a case to report.
//
// Thread safety: pure functions.

#include "fb_fixtures.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codec.h"

namespace {

using authkv::Nullable;

const char* const kNullMarker = fbfx_null_marker;

Nullable<std::string> Text(const char* s) {
  if (s == nullptr) return {};
  if (s == kNullMarker) return Nullable<std::string>::Null();
  return std::string(s);
}

Nullable<int64_t> Int(int64_t v) {
  if (v == FBFX_ABSENT) return {};
  if (v == FBFX_NULL_I64) return Nullable<int64_t>::Null();
  return v;
}

std::string Str(const char* s) { return s ? std::string(s) : std::string(); }

fbfx_buf Copy(const std::string& bytes) {
  auto* data = static_cast<uint8_t*>(std::malloc(bytes.size()));
  if (data == nullptr) std::abort();
  std::memcpy(data, bytes.data(), bytes.size());
  return fbfx_buf{data, bytes.size()};
}

// Appends ` name=<value>` for fields that are present.
class Line {
 public:
  explicit Line(std::string_view type) : text_(type) { text_ += '{'; }

  Line& Field(std::string_view name, const std::string& value) {
    Name(name);
    text_ += '"';
    text_ += value;
    text_ += '"';
    return *this;
  }
  Line& Field(std::string_view name, const Nullable<std::string>& value) {
    if (value.is_absent()) return *this;
    return value.is_null() ? Raw(name, "null") : Field(name, *value);
  }
  Line& Field(std::string_view name, const Nullable<int64_t>& value) {
    if (value.is_absent()) return *this;
    return Raw(name, value.is_null() ? "null" : std::to_string(*value));
  }
  Line& Number(std::string_view name, long long value) { return Raw(name, std::to_string(value)); }
  Line& Raw(std::string_view name, const std::string& value) {
    Name(name);
    text_ += value;
    return *this;
  }
  std::string Done() { return text_ + '}'; }

 private:
  void Name(std::string_view name) {
    if (text_.back() != '{') text_ += ' ';
    text_ += name;
    text_ += '=';
  }
  std::string text_;
};

std::string Describe(const authkv::User& u) {
  Line line("User");
  line.Field("id", u.id).Field("name", u.name).Field("email", u.email);
  line.Field("email_verified_ms", u.email_verified_ms).Field("image", u.image);
  if (!u.extra_json.empty()) line.Raw("extra", u.extra_json);
  return line.Done();
}

std::string Describe(const authkv::Account& a) {
  Line line("Account");
  line.Field("user_id", a.user_id).Field("type", a.type).Field("provider", a.provider);
  line.Field("provider_account_id", a.provider_account_id);
  line.Field("access_token", a.access_token).Field("refresh_token", a.refresh_token);
  line.Field("id_token", a.id_token).Field("scope", a.scope);
  line.Field("token_type", a.token_type).Field("session_state", a.session_state);
  line.Field("expires_at", a.expires_at);
  if (!a.extra_json.empty()) line.Raw("extra", a.extra_json);
  return line.Done();
}

std::string Describe(const authkv::Session& s) {
  return Line("Session")
      .Field("session_token", s.session_token)
      .Field("user_id", s.user_id)
      .Number("expires_ms", s.expires_ms)
      .Done();
}

std::string Describe(const authkv::VerificationToken& t) {
  return Line("VerificationToken")
      .Field("identifier", t.identifier)
      .Field("token", t.token)
      .Number("expires_ms", t.expires_ms)
      .Done();
}

std::string Describe(const authkv::Authenticator& a) {
  return Line("Authenticator")
      .Field("credential_id", a.credential_id)
      .Field("user_id", a.user_id)
      .Field("provider_account_id", a.provider_account_id)
      .Field("credential_public_key", a.credential_public_key)
      .Number("counter", static_cast<long long>(a.counter))
      .Raw("credential_backed_up", a.credential_backed_up ? "true" : "false")
      .Field("credential_device_type", a.credential_device_type)
      .Field("transports", a.transports)
      .Done();
}

std::string Describe(const authkv::SessionAndUser& su) {
  return Line("SessionAndUser")
      .Raw("session", Describe(su.session))
      .Raw("user", Describe(su.user))
      .Done();
}

std::string Describe(const std::vector<authkv::Authenticator>& list) {
  std::string text = "AuthenticatorList[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) text += ' ';
    text += Describe(list[i]);
  }
  return text + ']';
}

// Decodes with `decode` if the buffer carries `identifier`.
template <typename Decoder>
bool TryDescribe(std::string_view bytes, const char* identifier, Decoder decode,
                 std::string* text) {
  if (bytes.size() < 8 || !flatbuffers::BufferHasIdentifier(bytes.data(), identifier)) {
    return false;
  }
  auto decoded = decode(bytes);
  if (decoded.ok()) *text = Describe(*decoded);
  return decoded.ok();
}

}  // namespace

extern "C" {

const char fbfx_null_marker[] = "<null>";

fbfx_buf fbfx_user(const char* id, const char* name, const char* email, int64_t email_verified_ms,
                   const char* image, const char* extra_json) {
  authkv::User u;
  u.id = Str(id);
  u.name = Text(name);
  u.email = Text(email);
  u.email_verified_ms = Int(email_verified_ms);
  u.image = Text(image);
  u.extra_json = Str(extra_json);
  return Copy(authkv::internal::EncodeUser(u));
}

fbfx_buf fbfx_account(const char* user_id, const char* type, const char* provider,
                      const char* provider_account_id, const char* access_token,
                      int64_t expires_at) {
  authkv::Account a;
  a.user_id = Str(user_id);
  a.type = Str(type);
  a.provider = Str(provider);
  a.provider_account_id = Str(provider_account_id);
  a.access_token = Text(access_token);
  a.expires_at = Int(expires_at);
  return Copy(authkv::internal::EncodeAccount(a));
}

fbfx_buf fbfx_account_with_sealed_tokens(const char* user_id, const char* provider,
                                         const char* provider_account_id) {
  authkv::Account a;
  a.user_id = Str(user_id);
  a.type = "oauth";
  a.provider = Str(provider);
  a.provider_account_id = Str(provider_account_id);
  return Copy(authkv::internal::EncodeAccount(a, "not really sealed"));
}

fbfx_buf fbfx_session(const char* session_token, const char* user_id, int64_t expires_ms) {
  authkv::Session s{Str(session_token), Str(user_id), expires_ms};
  return Copy(authkv::internal::EncodeSession(s, /*with_token=*/true));
}

fbfx_buf fbfx_verification_token(const char* identifier, const char* token, int64_t expires_ms) {
  authkv::VerificationToken t{Str(identifier), Str(token), expires_ms};
  return Copy(authkv::internal::EncodeVerificationToken(t, /*with_token=*/true));
}

fbfx_buf fbfx_authenticator(const char* credential_id, const char* user_id, uint64_t counter,
                            const char* transports) {
  authkv::Authenticator a;
  a.credential_id = Str(credential_id);
  a.user_id = Str(user_id);
  a.provider_account_id = Str(credential_id);
  a.credential_public_key = "pk-" + Str(credential_id);
  a.counter = counter;
  a.credential_backed_up = true;
  a.credential_device_type = "multiDevice";
  a.transports = Text(transports);
  return Copy(authkv::internal::EncodeAuthenticator(a));
}

void fbfx_buf_free(fbfx_buf* buf) {
  std::free(buf->data);
  *buf = fbfx_buf{nullptr, 0};
}

char* fbfx_describe(const uint8_t* data, size_t size) {
  if (data == nullptr) return nullptr;
  namespace in = authkv::internal;
  namespace sc = authkv::schema;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string text;
  const bool ok =
      TryDescribe(bytes, sc::UserIdentifier(), in::DecodeUser, &text) ||
      // Without a place for sealed_tokens, an Account carrying them fails to
      // decode: no result crossing the ABI may hold the stored token form.
      TryDescribe(
          bytes, sc::AccountIdentifier(), [](std::string_view b) { return in::DecodeAccount(b); },
          &text) ||
      TryDescribe(bytes, sc::SessionIdentifier(), in::DecodeSession, &text) ||
      TryDescribe(bytes, sc::VerificationTokenIdentifier(), in::DecodeVerificationToken, &text) ||
      TryDescribe(bytes, sc::AuthenticatorIdentifier(), in::DecodeAuthenticator, &text) ||
      TryDescribe(bytes, sc::SessionAndUserIdentifier(), in::DecodeSessionAndUser, &text) ||
      TryDescribe(bytes, sc::AuthenticatorListIdentifier(), in::DecodeAuthenticatorList, &text);
  if (!ok) return nullptr;
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) std::abort();
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

void fbfx_free(void* ptr) { std::free(ptr); }

}  // extern "C"
