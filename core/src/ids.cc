// authkv: embedded auth-data store. Licensed under the ISC license.

#include "ids.h"

#include <openssl/rand.h>

#include <array>

#include "digest.h"

namespace authkv::internal {

Result<std::string> NewUuidV7(int64_t now_ms) {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data() + 6, 10) != 1) {
    return Status::Internal("RAND_bytes failed generating a user id");
  }
  const uint64_t ms = static_cast<uint64_t>(now_ms) & 0xFFFFFFFFFFFFull;
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0F));  // Version 7.
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3F));  // RFC variant.
  std::string hex = ToHex(std::string_view(reinterpret_cast<char*>(b.data()), b.size()));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace authkv::internal
