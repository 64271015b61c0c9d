// authkv: embedded auth-data store. Licensed under the ISC license.

#include "token_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "keys.h"

namespace authkv::internal {
namespace {

constexpr uint8_t kBlobVersion = 1;
constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;
constexpr size_t kHeaderBytes = 1 + 4 + kNonceBytes;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Plaintext: for each token a state byte (0 absent, 1 null, 2 value) and,
// for a value, a u32 LE length and the bytes.
void AppendToken(const Nullable<std::string>& t, std::string* out) {
  out->push_back(t.has_value() ? 2 : t.is_null() ? 1 : 0);
  if (!t.has_value()) return;
  const uint32_t n = static_cast<uint32_t>(t->size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(n >> (8 * i)));
  out->append(*t);
}

bool ReadToken(std::string_view* in, Nullable<std::string>* t) {
  if (in->empty()) return false;
  const char state = (*in)[0];
  in->remove_prefix(1);
  if (state == 0) {
    t->reset();
    return true;
  }
  if (state == 1) {
    t->set_null();
    return true;
  }
  if (state != 2) return false;
  if (in->size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t{static_cast<unsigned char>((*in)[i])} << (8 * i);
  in->remove_prefix(4);
  if (in->size() < n) return false;
  *t = std::string(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

std::string Aad(const Account& a) { return AccountKey(a.provider, a.provider_account_id); }

uint32_t ReadU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[i])} << (8 * i);
  return v;
}

}  // namespace

Result<TokenCipher> TokenCipher::Create(const std::vector<TokenKey>& keys) {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].key.size() != kKeyBytes) {
      return Status::InvalidArgument("token key " + std::to_string(keys[i].id) +
                                     " is not 32 bytes");
    }
    for (size_t j = 0; j < i; ++j) {
      if (keys[j].id == keys[i].id) {
        return Status::InvalidArgument("token key id " + std::to_string(keys[i].id) +
                                       " is listed twice");
      }
    }
  }
  return TokenCipher(keys);
}

const TokenKey* TokenCipher::Find(uint32_t id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Result<uint32_t> TokenCipher::KeyIdOf(std::string_view blob) {
  if (blob.size() < kHeaderBytes + kTagBytes || static_cast<uint8_t>(blob[0]) != kBlobVersion) {
    return Status::Corruption("sealed account tokens are malformed");
  }
  return ReadU32(blob.substr(1));
}

Status TokenCipher::KeyMissing(const Account& account, uint32_t key_id, bool any_configured) {
  const std::string id = std::to_string(key_id);
  return Status::KeyUnavailable(
      "the OAuth tokens of account " + account.provider + "/" + account.provider_account_id +
      " are encrypted with token key id " + id +
      (any_configured ? ", which is not among the configured token keys"
                      : ", and no token key is configured") +
      ": add key " + id + " to Options::token_keys (a retired key must stay listed until "
      "ReencryptAccounts has re-encrypted every account with the current one)");
}

Result<std::string> TokenCipher::Seal(Account* account) const {
  std::string plain;
  AppendToken(account->access_token, &plain);
  AppendToken(account->refresh_token, &plain);
  AppendToken(account->id_token, &plain);
  const TokenKey& key = keys_.front();
  const std::string aad = Aad(*account);

  std::string blob(kHeaderBytes + plain.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  out[0] = kBlobVersion;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<unsigned char>(key.id >> (8 * i));
  unsigned char* nonce = out + 5;
  if (RAND_bytes(nonce, kNonceBytes) != 1) return Status::Internal("RAND_bytes failed");

  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  const auto* k = reinterpret_cast<const unsigned char*>(key.key.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out + kHeaderBytes, &len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + kHeaderBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kHeaderBytes + plain.size()) != 1) {
    return Status::Internal("AES-256-GCM encryption failed");
  }
  account->access_token.reset();
  account->refresh_token.reset();
  account->id_token.reset();
  return blob;
}

Status TokenCipher::Open(std::string_view blob, Account* account) const {
  auto key_id = KeyIdOf(blob);
  if (!key_id.ok()) return key_id.status();
  const TokenKey* key = Find(*key_id);
  if (!key) return KeyMissing(*account, *key_id, !keys_.empty());
  const auto* in = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t cipher_len = blob.size() - kHeaderBytes - kTagBytes;
  const std::string aad = Aad(*account);
  std::string plain(cipher_len, '\0');
  std::string tag(blob.substr(kHeaderBytes + cipher_len));

  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  const auto* k = reinterpret_cast<const unsigned char*>(key->key.data());
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, k, in + 5) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                              in + kHeaderBytes, static_cast<int>(cipher_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                                &len) == 1;
  if (!ok) {
    return Status::FailedPrecondition("account tokens do not decrypt with token key " +
                                      std::to_string(*key_id) +
                                      ": wrong key, or the record was altered");
  }
  std::string_view rest = plain;
  if (!ReadToken(&rest, &account->access_token) || !ReadToken(&rest, &account->refresh_token) ||
      !ReadToken(&rest, &account->id_token) || !rest.empty()) {
    return Status::Corruption("sealed account tokens decode to malformed data");
  }
  return Status::OK();
}

}  // namespace authkv::internal
