// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The key layout: which column families exist and how each key is built.
// This is the single source of truth for the layout table in README.md.
//
//   family               key                                   value
//   meta                 "schema_version", "email_match",      text
//                        "upgrade_progress" (upgrade.h)
//   users                user id                               User
//   users_by_email       normalized email                      user id
//   accounts             provider \0 providerAccountId         Account
//   sessions             SHA-256(session token)                Session
//   verification_tokens  identifier \0 SHA-256(token)          VerificationToken
//   authenticators       credential id                         Authenticator
//   user_links           user id \0 kind \0 child key          (empty)
//   expiry               be64(expires) kind child key          (empty)
//
// Record values are envelopes (codec.h). Keys never rely on string prefixes
// to separate kinds: each kind has its own family. Key parts that can be
// followed by another part are checked to contain no NUL (validate.h).
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_KEYS_H_
#define AUTHKV_CORE_SRC_KEYS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authkv::internal {

enum class Family : uint8_t {
  kDefault = 0,  // RocksDB requires it; authkv keeps nothing there.
  kMeta,
  kUsers,
  kUsersByEmail,
  kAccounts,
  kSessions,
  kVerificationTokens,
  kAuthenticators,
  kUserLinks,
  kExpiry,
};
inline constexpr size_t kFamilyCount = 10;

inline constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "default",        "meta",          "users",      "users_by_email",
    "accounts",       "sessions",      "verification_tokens",
    "authenticators", "user_links",    "expiry"};

inline std::string_view FamilyName(Family f) {
  return kFamilyNames[static_cast<size_t>(f)];
}

inline constexpr std::string_view kMetaSchemaVersion = "schema_version";
inline constexpr std::string_view kMetaEmailMatch = "email_match";
// Present only while a schema upgrade is under way (upgrade.h).
inline constexpr std::string_view kMetaUpgradeProgress = "upgrade_progress";

// What hangs off a user, in user_links.
enum class LinkKind : char {
  kAccount = 'a',
  kSession = 's',
  kAuthenticator = 'w',
};

// What an expiry entry expires.
enum class ExpiryKind : char {
  kSession = 's',
  kVerificationToken = 'v',
};

std::string AccountKey(std::string_view provider,
                       std::string_view provider_account_id);
std::string SessionKey(std::string_view session_token);
std::string VerificationTokenKey(std::string_view identifier,
                                 std::string_view token);
// The same key from a digest already at hand (an export carries digests).
std::string VerificationTokenKeyFromDigest(std::string_view identifier,
                                           std::string_view token_sha256);

std::string UserLinkKey(std::string_view user_id, LinkKind kind,
                        std::string_view child_key);
// Every link of the user sorts under this prefix.
std::string UserLinkPrefix(std::string_view user_id);
// Every link of one kind sorts under this prefix.
std::string UserLinkPrefix(std::string_view user_id, LinkKind kind);

struct UserLink {
  std::string_view user_id;
  LinkKind kind;
  std::string_view child_key;
};
std::optional<UserLink> ParseUserLinkKey(std::string_view key);

std::string ExpiryKey(int64_t expires_ms, ExpiryKind kind,
                      std::string_view child_key);
// Upper bound (exclusive) of the entries that expired before `now_ms`.
std::string ExpiryUpperBound(int64_t now_ms);

struct ExpiryEntry {
  int64_t expires_ms;
  ExpiryKind kind;
  std::string_view child_key;
};
std::optional<ExpiryEntry> ParseExpiryKey(std::string_view key);

// Splits "a \0 b" keys (accounts, verification tokens) at the first NUL.
std::optional<std::pair<std::string_view, std::string_view>> SplitPair(
    std::string_view key);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_KEYS_H_
