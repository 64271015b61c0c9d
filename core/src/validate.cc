// authkv: embedded auth-data store. Licensed under the ISC license.

#include "validate.h"

#include "json_object.h"
#include "status_macros.h"
#include "utf8.h"

namespace authkv::internal {
namespace {

Status Invalid(std::string_view field, std::string_view what) {
  return Status::InvalidArgument(std::string(field) + " " + std::string(what));
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;  // ASCII, most of every key: no call.
    } else if (NextCodePoint(s, &i) == kInvalidUtf8) {
      return false;
    }
  }
  return true;
}

Status CheckKey(std::string_view field, std::string_view value) {
  if (value.empty()) return Invalid(field, "is empty");
  if (value.size() > kMaxKeyBytes) {
    return Invalid(field, "is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  if (value.find('\0') != std::string_view::npos) {
    return Invalid(field, "contains a NUL byte");
  }
  if (!IsValidUtf8(value)) return Invalid(field, "is not valid UTF-8");
  return Status::OK();
}

Status CheckNoControls(std::string_view field, std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    // In UTF-8 the C1 controls are 0xC2 followed by 0x80-0x9F.
    const bool c1 = c == 0xC2 && i + 1 < value.size() &&
                    static_cast<unsigned char>(value[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(value[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      return Invalid(field, "contains a control character (byte " + std::to_string(i) + ")");
    }
  }
  return Status::OK();
}

Status CheckLabel(std::string_view field, std::string_view value) {
  AUTHKV_RETURN_IF_ERROR(CheckKey(field, value));
  return CheckNoControls(field, value);
}

Status CheckDisplayText(std::string_view field, std::string_view value) {
  AUTHKV_RETURN_IF_ERROR(CheckText(field, value));
  return CheckNoControls(field, value);
}

Status CheckNullableDisplayText(std::string_view field, const Nullable<std::string>& value) {
  return value.has_value() ? CheckDisplayText(field, *value) : Status::OK();
}

Status CheckText(std::string_view field, std::string_view value) {
  if (value.size() > kMaxTextBytes) {
    return Invalid(field, "is longer than " + std::to_string(kMaxTextBytes) + " bytes");
  }
  if (!IsValidUtf8(value)) return Invalid(field, "is not valid UTF-8");
  return Status::OK();
}

Status CheckNullableText(std::string_view field, const Nullable<std::string>& value) {
  return value.has_value() ? CheckText(field, *value) : Status::OK();
}

Status CheckExtraJson(std::string_view value) {
  if (value.empty()) return Status::OK();
  if (value.size() > kMaxExtraJsonBytes) {
    return Invalid("extra_json", "is longer than " +
                                     std::to_string(kMaxExtraJsonBytes) + " bytes");
  }
  if (!IsValidUtf8(value)) return Invalid("extra_json", "is not valid UTF-8");
  auto parsed = ParseJsonObject(value);
  return parsed.ok() ? Status::OK() : parsed.status();
}

Status ValidateUser(const User& user, bool require_id) {
  if (require_id || !user.id.empty()) AUTHKV_RETURN_IF_ERROR(CheckLabel("user.id", user.id));
  if (user.email.has_value() && !user.email->empty()) {
    AUTHKV_RETURN_IF_ERROR(CheckLabel("user.email", *user.email));
  }
  AUTHKV_RETURN_IF_ERROR(CheckNullableDisplayText("user.name", user.name));
  AUTHKV_RETURN_IF_ERROR(CheckNullableDisplayText("user.image", user.image));
  return CheckExtraJson(user.extra_json);
}

Status ValidateAccount(const Account& a) {
  AUTHKV_RETURN_IF_ERROR(CheckLabel("account.user_id", a.user_id));
  AUTHKV_RETURN_IF_ERROR(CheckLabel("account.provider", a.provider));
  AUTHKV_RETURN_IF_ERROR(CheckLabel("account.provider_account_id", a.provider_account_id));
  AUTHKV_RETURN_IF_ERROR(CheckDisplayText("account.type", a.type));
  AUTHKV_RETURN_IF_ERROR(CheckNullableText("account.access_token", a.access_token));
  AUTHKV_RETURN_IF_ERROR(CheckNullableText("account.refresh_token", a.refresh_token));
  AUTHKV_RETURN_IF_ERROR(CheckNullableText("account.id_token", a.id_token));
  AUTHKV_RETURN_IF_ERROR(CheckNullableDisplayText("account.scope", a.scope));
  AUTHKV_RETURN_IF_ERROR(CheckNullableDisplayText("account.token_type", a.token_type));
  AUTHKV_RETURN_IF_ERROR(CheckNullableText("account.session_state", a.session_state));
  return CheckExtraJson(a.extra_json);
}

Status ValidateSession(const Session& s) {
  AUTHKV_RETURN_IF_ERROR(CheckKey("session.session_token", s.session_token));
  return CheckLabel("session.user_id", s.user_id);
}

Status ValidateVerificationToken(const VerificationToken& t) {
  AUTHKV_RETURN_IF_ERROR(CheckLabel("verification_token.identifier", t.identifier));
  return CheckKey("verification_token.token", t.token);
}

Status ValidateAuthenticator(const Authenticator& a) {
  AUTHKV_RETURN_IF_ERROR(CheckLabel("authenticator.credential_id", a.credential_id));
  AUTHKV_RETURN_IF_ERROR(CheckLabel("authenticator.user_id", a.user_id));
  AUTHKV_RETURN_IF_ERROR(
      CheckDisplayText("authenticator.provider_account_id", a.provider_account_id));
  AUTHKV_RETURN_IF_ERROR(
      CheckText("authenticator.credential_public_key", a.credential_public_key));
  AUTHKV_RETURN_IF_ERROR(
      CheckDisplayText("authenticator.credential_device_type", a.credential_device_type));
  return CheckNullableDisplayText("authenticator.transports", a.transports);
}

}  // namespace authkv::internal
