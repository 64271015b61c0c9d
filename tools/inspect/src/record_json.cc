// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The JSON form of each record (one writer and one reader per kind), used
// by `list --json`, `get --json` and the NDJSON export/import, and the
// typed field access that the reader and the export header share. Lines
// are written with nlohmann::ordered_json and read through the store's
// member splitter (json_object.h), whose duplicate-key and nesting rules
// they keep.

#include "record_json.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "authkv/overloaded.h"
#include "digest.h"
#include "inspector_rep.h"
#include "status_macros.h"

namespace authkv {

using internal::JsonFields;

namespace internal {
namespace {

Status BadField(std::string_view name, std::string_view what) {
  return Status::InvalidArgument("field \"" + std::string(name) + "\": " + std::string(what));
}

// The store's parser says "extra_json: ..." in its messages; here the text
// is a whole line.
Status BadJson(const Status& s) {
  std::string msg(s.message());
  constexpr std::string_view kPrefix = "extra_json: ";
  if (msg.compare(0, kPrefix.size(), kPrefix) == 0) msg.erase(0, kPrefix.size());
  return Status::InvalidArgument("invalid JSON: " + msg);
}

bool IsRedacted(std::string_view s) {
  return s.starts_with("<redacted:") && s.ends_with(" bytes>");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<JsonFields> JsonFields::Parse(std::string_view text) {
  auto members = ParseJsonObject(text);
  if (!members.ok()) return BadJson(members.status());
  return JsonFields(std::move(members).value());
}

std::string_view JsonFields::Raw(std::string_view name) const {
  for (const auto& m : members_) {
    if (m.key == name) return m.raw_value;
  }
  return {};
}

bool JsonFields::Has(std::string_view name) const { return !Raw(name).empty(); }

Result<std::string> JsonFields::Text(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return BadField(name, "is missing");
  if (raw[0] != '"') return BadField(name, "must be a string");
  return DecodeJsonString(raw);
}

Result<Nullable<std::string>> JsonFields::NullableText(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return Nullable<std::string>();
  if (raw == "null") return Nullable<std::string>::Null();
  AUTHKV_ASSIGN_OR_RETURN(std::string text, Text(name));
  return Nullable<std::string>(std::move(text));
}

Result<int64_t> JsonFields::Int(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return BadField(name, "is missing");
  int64_t v = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (ec != std::errc() || end != raw.data() + raw.size()) {
    return BadField(name, "must be an integer in the int64 range");
  }
  return v;
}

Result<Nullable<int64_t>> JsonFields::NullableInt(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return Nullable<int64_t>();
  if (raw == "null") return Nullable<int64_t>::Null();
  AUTHKV_ASSIGN_OR_RETURN(int64_t v, Int(name));
  return Nullable<int64_t>(v);
}

Result<uint64_t> JsonFields::Uint(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return BadField(name, "is missing");
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (ec != std::errc() || end != raw.data() + raw.size()) {
    return BadField(name, "must be a non-negative integer in the uint64 range");
  }
  return v;
}

Result<bool> JsonFields::Bool(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw == "true") return true;
  if (raw == "false") return false;
  return BadField(name, raw.empty() ? "is missing" : "must be true or false");
}

Result<std::string> JsonFields::Hex(std::string_view name, size_t bytes) const {
  AUTHKV_ASSIGN_OR_RETURN(std::string hex, Text(name));
  if (hex.size() % 2 != 0 || (bytes != 0 && hex.size() != 2 * bytes)) {
    return BadField(name, bytes ? "must be " + std::to_string(2 * bytes) + " hex digits"
                                : std::string("must be an even number of hex digits"));
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return BadField(name, "is not hex");
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Result<JsonFields> JsonFields::Object(std::string_view name) const {
  std::string_view raw = Raw(name);
  if (raw.empty()) return BadField(name, "is missing");
  if (raw[0] != '{') return BadField(name, "must be an object");
  return Parse(raw);
}

Status JsonFields::OnlyKnown(std::initializer_list<std::string_view> known) const {
  for (const auto& m : members_) {
    bool found = false;
    for (auto k : known) found = found || m.key == k;
    if (!found) return BadField(m.key, "is not a field of this record");
  }
  return Status::OK();
}

std::string ExportHeaderJson(const ExportHeader& header) {
  nlohmann::ordered_json line;
  line["kind"] = "header";
  line["format"] = kExportFormatName;
  line["format_version"] = kExportFormatVersion;
  line["schema_version"] = header.schema_version;
  line["email_match"] = EmailMatchName(header.email_match);
  return line.dump();
}

Result<ExportHeader> ParseExportHeader(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(
      f.OnlyKnown({"kind", "format", "format_version", "schema_version", "email_match"}));
  AUTHKV_ASSIGN_OR_RETURN(std::string format, f.Text("format"));
  if (format != kExportFormatName) {
    return Status::InvalidArgument("not an authkv export (format \"" + format + "\")");
  }
  AUTHKV_ASSIGN_OR_RETURN(int64_t format_version, f.Int("format_version"));
  if (format_version != kExportFormatVersion) {
    return Status::VersionMismatch("export format version " + std::to_string(format_version) +
                                   " is not one this authkv reads (" +
                                   std::to_string(kExportFormatVersion) + ")");
  }
  ExportHeader header;
  AUTHKV_ASSIGN_OR_RETURN(int64_t version, f.Int("schema_version"));
  if (version <= 0 || version > UINT32_MAX) return BadField("schema_version", "is out of range");
  header.schema_version = static_cast<uint32_t>(version);
  AUTHKV_ASSIGN_OR_RETURN(std::string match, f.Text("email_match"));
  auto parsed = ParseEmailMatchName(match);
  if (!parsed) return BadField("email_match", "must be \"case_insensitive\" or \"exact\"");
  header.email_match = *parsed;
  return header;
}

}  // namespace internal

namespace {

// Fields are written in the order they are set.
using JsonObject = nlohmann::ordered_json;

// Absent: left out. Null: null.
template <typename T>
void SetNullable(JsonObject& o, const char* name, const Nullable<T>& value) {
  if (value.is_null()) {
    o[name] = nullptr;
  } else if (value.has_value()) {
    o[name] = *value;
  }
}

// A *_ms date, with its ISO-8601 copy under `iso_name`.
void SetMillis(JsonObject& o, const char* name, const char* iso_name, int64_t ms) {
  o[name] = ms;
  o[iso_name] = FormatIsoMillis(ms);
}

// An OAuth token, as RedactedText unless secrets are shown.
Nullable<std::string> Secret(const Nullable<std::string>& token, bool show_secrets) {
  if (!token.has_value() || show_secrets) return token;
  return Nullable<std::string>(RedactedText(token->size()));
}

JsonObject UserJson(const User& u) {
  JsonObject o;
  o["id"] = u.id;
  SetNullable(o, "name", u.name);
  SetNullable(o, "email", u.email);
  if (u.email_verified_ms.has_value()) {
    SetMillis(o, "email_verified_ms", "email_verified", *u.email_verified_ms);
  } else {
    SetNullable(o, "email_verified_ms", u.email_verified_ms);
  }
  SetNullable(o, "image", u.image);
  if (!u.extra_json.empty()) o["extra_json"] = u.extra_json;
  return o;
}

JsonObject AccountJson(const StoredAccount& stored, bool show_secrets) {
  const Account& a = stored.account;
  JsonObject o;
  o["user_id"] = a.user_id;
  o["type"] = a.type;
  o["provider"] = a.provider;
  o["provider_account_id"] = a.provider_account_id;
  SetNullable(o, "access_token", Secret(a.access_token, show_secrets));
  SetNullable(o, "refresh_token", Secret(a.refresh_token, show_secrets));
  SetNullable(o, "id_token", Secret(a.id_token, show_secrets));
  SetNullable(o, "scope", a.scope);
  SetNullable(o, "token_type", a.token_type);
  SetNullable(o, "session_state", a.session_state);
  SetNullable(o, "expires_at", a.expires_at);
  if (auto iso = a.expires_at.has_value() ? FormatIsoSeconds(*a.expires_at) : std::nullopt) {
    o["expires_at_iso"] = *iso;
  }
  if (!a.extra_json.empty()) o["extra_json"] = a.extra_json;
  // Ciphertext: carried for a lossless export, useless without the keys.
  if (!stored.sealed_tokens.empty()) o["sealed_tokens"] = HexString(stored.sealed_tokens);
  return o;
}

JsonObject SessionJson(const StoredSession& s) {
  JsonObject o;
  o["token_sha256"] = HexString(s.token_sha256);
  o["user_id"] = s.user_id;
  SetMillis(o, "expires_ms", "expires", s.expires_ms);
  return o;
}

JsonObject TokenJson(const StoredVerificationToken& t) {
  JsonObject o;
  o["identifier"] = t.identifier;
  o["token_sha256"] = HexString(t.token_sha256);
  SetMillis(o, "expires_ms", "expires", t.expires_ms);
  return o;
}

JsonObject AuthenticatorJson(const Authenticator& a) {
  JsonObject o;
  o["credential_id"] = a.credential_id;
  o["user_id"] = a.user_id;
  o["provider_account_id"] = a.provider_account_id;
  o["credential_public_key"] = a.credential_public_key;
  o["counter"] = a.counter;
  o["credential_backed_up"] = a.credential_backed_up;
  o["credential_device_type"] = a.credential_device_type;
  SetNullable(o, "transports", a.transports);
  return o;
}

// One line of text. Every string the store writes is UTF-8 (validate.h);
// a byte that is not, in a database written some other way, becomes
// U+FFFD rather than an exception. nlohmann escapes the C0 controls but
// writes DEL and the C1 controls (U+0080-U+009F, which some terminals obey)
// as they are; outside strings JSON has no such bytes, so escaping them
// afterwards keeps the same JSON and makes the line safe on a terminal.
std::string Dump(const JsonObject& o) {
  const std::string raw =
      o.dump(-1, ' ', /*ensure_ascii=*/false, JsonObject::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    const auto next = i + 1 < raw.size() ? static_cast<unsigned char>(raw[i + 1]) : 0;
    if (c == 0x7F) {
      out += "\\u007f";
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      out += "\\u00";
      out += "0123456789abcdef"[next >> 4];
      out += "0123456789abcdef"[next & 0xF];
      ++i;
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

Result<Nullable<std::string>> SecretFrom(const JsonFields& f, std::string_view name) {
  AUTHKV_ASSIGN_OR_RETURN(Nullable<std::string> v, f.NullableText(name));
  if (v.has_value() && internal::IsRedacted(*v)) {
    return Status::InvalidArgument(
        "field \"" + std::string(name) +
        "\" is redacted: this is listing output, not an export (use authkv-dump export)");
  }
  return v;
}

Result<Record> UserFrom(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(f.OnlyKnown(
      {"id", "name", "email", "email_verified_ms", "email_verified", "image", "extra_json"}));
  User u;
  AUTHKV_ASSIGN_OR_RETURN(u.id, f.Text("id"));
  AUTHKV_ASSIGN_OR_RETURN(u.name, f.NullableText("name"));
  AUTHKV_ASSIGN_OR_RETURN(u.email, f.NullableText("email"));
  AUTHKV_ASSIGN_OR_RETURN(u.email_verified_ms, f.NullableInt("email_verified_ms"));
  AUTHKV_ASSIGN_OR_RETURN(u.image, f.NullableText("image"));
  if (f.Has("extra_json")) {
    AUTHKV_ASSIGN_OR_RETURN(u.extra_json, f.Text("extra_json"));
  }
  return Record(std::move(u));
}

Result<Record> AccountFrom(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(
      f.OnlyKnown({"user_id", "type", "provider", "provider_account_id", "access_token",
                   "refresh_token", "id_token", "scope", "token_type", "session_state",
                   "expires_at", "expires_at_iso", "extra_json", "sealed_tokens"}));
  StoredAccount stored;
  Account& a = stored.account;
  AUTHKV_ASSIGN_OR_RETURN(a.user_id, f.Text("user_id"));
  AUTHKV_ASSIGN_OR_RETURN(a.type, f.Text("type"));
  AUTHKV_ASSIGN_OR_RETURN(a.provider, f.Text("provider"));
  AUTHKV_ASSIGN_OR_RETURN(a.provider_account_id, f.Text("provider_account_id"));
  AUTHKV_ASSIGN_OR_RETURN(a.access_token, SecretFrom(f, "access_token"));
  AUTHKV_ASSIGN_OR_RETURN(a.refresh_token, SecretFrom(f, "refresh_token"));
  AUTHKV_ASSIGN_OR_RETURN(a.id_token, SecretFrom(f, "id_token"));
  AUTHKV_ASSIGN_OR_RETURN(a.scope, f.NullableText("scope"));
  AUTHKV_ASSIGN_OR_RETURN(a.token_type, f.NullableText("token_type"));
  AUTHKV_ASSIGN_OR_RETURN(a.session_state, f.NullableText("session_state"));
  AUTHKV_ASSIGN_OR_RETURN(a.expires_at, f.NullableInt("expires_at"));
  if (f.Has("extra_json")) {
    AUTHKV_ASSIGN_OR_RETURN(a.extra_json, f.Text("extra_json"));
  }
  if (f.Has("sealed_tokens")) {
    AUTHKV_ASSIGN_OR_RETURN(stored.sealed_tokens, f.Hex("sealed_tokens", 0));
  }
  return Record(std::move(stored));
}

Result<Record> SessionFrom(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(f.OnlyKnown({"token_sha256", "user_id", "expires_ms", "expires"}));
  StoredSession s;
  AUTHKV_ASSIGN_OR_RETURN(s.token_sha256, f.Hex("token_sha256", internal::kSha256Bytes));
  AUTHKV_ASSIGN_OR_RETURN(s.user_id, f.Text("user_id"));
  AUTHKV_ASSIGN_OR_RETURN(s.expires_ms, f.Int("expires_ms"));
  return Record(std::move(s));
}

Result<Record> TokenFrom(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(f.OnlyKnown({"identifier", "token_sha256", "expires_ms", "expires"}));
  StoredVerificationToken t;
  AUTHKV_ASSIGN_OR_RETURN(t.identifier, f.Text("identifier"));
  AUTHKV_ASSIGN_OR_RETURN(t.token_sha256, f.Hex("token_sha256", internal::kSha256Bytes));
  AUTHKV_ASSIGN_OR_RETURN(t.expires_ms, f.Int("expires_ms"));
  return Record(std::move(t));
}

Result<Record> AuthenticatorFrom(const JsonFields& f) {
  AUTHKV_RETURN_IF_ERROR(
      f.OnlyKnown({"credential_id", "user_id", "provider_account_id", "credential_public_key",
                   "counter", "credential_backed_up", "credential_device_type", "transports"}));
  Authenticator a;
  AUTHKV_ASSIGN_OR_RETURN(a.credential_id, f.Text("credential_id"));
  AUTHKV_ASSIGN_OR_RETURN(a.user_id, f.Text("user_id"));
  AUTHKV_ASSIGN_OR_RETURN(a.provider_account_id, f.Text("provider_account_id"));
  AUTHKV_ASSIGN_OR_RETURN(a.credential_public_key, f.Text("credential_public_key"));
  AUTHKV_ASSIGN_OR_RETURN(a.counter, f.Uint("counter"));
  AUTHKV_ASSIGN_OR_RETURN(a.credential_backed_up, f.Bool("credential_backed_up"));
  AUTHKV_ASSIGN_OR_RETURN(a.credential_device_type, f.Text("credential_device_type"));
  AUTHKV_ASSIGN_OR_RETURN(a.transports, f.NullableText("transports"));
  return Record(std::move(a));
}

}  // namespace

std::string RecordToJson(const Record& record, const JsonOptions& options) {
  JsonObject line;
  line["kind"] = RecordKindName(KindOf(record));
  line["key"] = HexString(RecordKey(record));
  line["value"] =
      std::visit(Overloaded{
                     [](const User& u) { return UserJson(u); },
                     [&](const StoredAccount& a) { return AccountJson(a, options.show_secrets); },
                     [](const StoredSession& s) { return SessionJson(s); },
                     [](const StoredVerificationToken& t) { return TokenJson(t); },
                     [](const Authenticator& a) { return AuthenticatorJson(a); },
                 },
                 record);
  return Dump(line);
}

Result<Record> RecordFromJson(std::string_view line) {
  AUTHKV_ASSIGN_OR_RETURN(JsonFields top, JsonFields::Parse(line));
  AUTHKV_RETURN_IF_ERROR(top.OnlyKnown({"kind", "key", "value"}));
  AUTHKV_ASSIGN_OR_RETURN(std::string kind, top.Text("kind"));
  AUTHKV_ASSIGN_OR_RETURN(JsonFields value, top.Object("value"));
  Result<Record> record = Status::InvalidArgument("unknown record kind \"" + kind + "\"");
  if (kind == RecordKindName(RecordKind::kUser)) {
    record = UserFrom(value);
  } else if (kind == RecordKindName(RecordKind::kAccount)) {
    record = AccountFrom(value);
  } else if (kind == RecordKindName(RecordKind::kSession)) {
    record = SessionFrom(value);
  } else if (kind == RecordKindName(RecordKind::kVerificationToken)) {
    record = TokenFrom(value);
  } else if (kind == RecordKindName(RecordKind::kAuthenticator)) {
    record = AuthenticatorFrom(value);
  }
  if (!record.ok()) return record;
  if (top.Has("key")) {
    AUTHKV_ASSIGN_OR_RETURN(std::string key, top.Hex("key", 0));
    if (key != RecordKey(*record)) {
      return Status::InvalidArgument("field \"key\" does not match the record's fields");
    }
  }
  return record;
}

}  // namespace authkv
