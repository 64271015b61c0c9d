// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Encryption at rest of an account's OAuth access, refresh and id tokens
// (Options::token_keys). AES-256-GCM from OpenSSL's libcrypto, a fresh
// random 96-bit nonce per seal, and the account's key (provider \0
// providerAccountId) as associated data, so a sealed blob moved onto another
// account fails to open. The first configured key seals; every configured
// key opens (rotation: put the new key first, keep the old until
// Store::ReencryptAccounts has rewritten every account).
//
// Sealed blob: [version 0x01][key id, u32 LE][nonce, 12][ciphertext][tag, 16]
//
// Thread safety: immutable after construction; safe from any thread.

#ifndef AUTHKV_CORE_SRC_TOKEN_CIPHER_H_
#define AUTHKV_CORE_SRC_TOKEN_CIPHER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/options.h"
#include "authkv/records.h"
#include "authkv/result.h"

namespace authkv::internal {

class TokenCipher {
 public:
  // InvalidArgument unless every key is 32 bytes and ids are distinct.
  static Result<TokenCipher> Create(const std::vector<TokenKey>& keys);

  bool enabled() const { return !keys_.empty(); }
  uint32_t current_key_id() const { return keys_.front().id; }

  // Moves the three token fields of `account` into a sealed blob (leaving
  // them absent in *account) and returns the blob.
  Result<std::string> Seal(Account* account) const;
  // Restores the token fields from `blob` into *account. KeyUnavailable if
  // the key it was sealed with is not configured; FailedPrecondition if the
  // configured key of that id does not open it.
  Status Open(std::string_view blob, Account* account) const;

  // The KeyUnavailable status for `account`'s tokens sealed with `key_id`,
  // naming the key and what to do; `any_configured` says whether any token
  // key is configured at all.
  static Status KeyMissing(const Account& account, uint32_t key_id, bool any_configured);

  // The key id a blob was sealed with, or Corruption for a malformed blob.
  static Result<uint32_t> KeyIdOf(std::string_view blob);

 private:
  explicit TokenCipher(std::vector<TokenKey> keys) : keys_(std::move(keys)) {}
  const TokenKey* Find(uint32_t id) const;
  std::vector<TokenKey> keys_;
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_TOKEN_CIPHER_H_
