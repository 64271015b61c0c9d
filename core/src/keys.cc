// authkv: embedded auth-data store. Licensed under the ISC license.

#include "keys.h"

#include "digest.h"

namespace authkv::internal {
namespace {

std::string Join(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + 1 + b.size());
  key.append(a);
  key.push_back('\0');
  key.append(b);
  return key;
}

// Flipping the sign bit makes unsigned big-endian order match signed order.
void AppendOrderedInt64(int64_t v, std::string* out) {
  uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((u >> shift) & 0xFF));
  }
}

int64_t ReadOrderedInt64(std::string_view s) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(s[i]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

}  // namespace

std::string AccountKey(std::string_view provider,
                       std::string_view provider_account_id) {
  return Join(provider, provider_account_id);
}

std::string SessionKey(std::string_view session_token) {
  return Sha256(session_token);
}

std::string VerificationTokenKey(std::string_view identifier,
                                 std::string_view token) {
  return VerificationTokenKeyFromDigest(identifier, Sha256(token));
}

std::string VerificationTokenKeyFromDigest(std::string_view identifier,
                                           std::string_view token_sha256) {
  return Join(identifier, token_sha256);
}

std::string UserLinkKey(std::string_view user_id, LinkKind kind,
                        std::string_view child_key) {
  std::string key = UserLinkPrefix(user_id, kind);
  key.append(child_key);
  return key;
}

std::string UserLinkPrefix(std::string_view user_id) {
  std::string key(user_id);
  key.push_back('\0');
  return key;
}

std::string UserLinkPrefix(std::string_view user_id, LinkKind kind) {
  std::string key = UserLinkPrefix(user_id);
  key.push_back(static_cast<char>(kind));
  key.push_back('\0');
  return key;
}

std::optional<UserLink> ParseUserLinkKey(std::string_view key) {
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos || nul == 0 || key.size() < nul + 3 ||
      key[nul + 2] != '\0') {
    return std::nullopt;
  }
  char kind = key[nul + 1];
  if (kind != 'a' && kind != 's' && kind != 'w') return std::nullopt;
  return UserLink{key.substr(0, nul), static_cast<LinkKind>(kind),
                  key.substr(nul + 3)};
}

std::string ExpiryKey(int64_t expires_ms, ExpiryKind kind,
                      std::string_view child_key) {
  std::string key;
  key.reserve(9 + child_key.size());
  AppendOrderedInt64(expires_ms, &key);
  key.push_back(static_cast<char>(kind));
  key.append(child_key);
  return key;
}

std::string ExpiryUpperBound(int64_t now_ms) {
  std::string key;
  AppendOrderedInt64(now_ms, &key);
  return key;
}

std::optional<ExpiryEntry> ParseExpiryKey(std::string_view key) {
  if (key.size() < 10) return std::nullopt;
  char kind = key[8];
  if (kind != 's' && kind != 'v') return std::nullopt;
  return ExpiryEntry{ReadOrderedInt64(key), static_cast<ExpiryKind>(kind),
                     key.substr(9)};
}

std::optional<std::pair<std::string_view, std::string_view>> SplitPair(
    std::string_view key) {
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  return std::make_pair(key.substr(0, nul), key.substr(nul + 1));
}

}  // namespace authkv::internal
