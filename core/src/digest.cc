// authkv: embedded auth-data store. Licensed under the ISC license.

#include "digest.h"

#include <openssl/sha.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace authkv::internal {

std::string Sha256(std::string_view data) {
  std::string out(kSha256Bytes, '\0');
  // One-shot SHA256 is deprecated-free in OpenSSL 3 and needs no context.
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

uint64_t Xxh3(std::string_view data) {
  return XXH3_64bits(data.data(), data.size());
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace authkv::internal
