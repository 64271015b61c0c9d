// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Hashes the store relies on: SHA-256 for secrets kept at rest (session and
// verification tokens are stored only as digests), XXH3-64 for value
// checksums and lock striping.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_DIGEST_H_
#define AUTHKV_CORE_SRC_DIGEST_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace authkv::internal {

inline constexpr size_t kSha256Bytes = 32;

// The 32 raw bytes of SHA-256(data).
std::string Sha256(std::string_view data);

uint64_t Xxh3(std::string_view data);
// XXH3-64 of `key`'s length, `key` and `data`: a checksum that also binds
// `data` to the key it is stored under.
uint64_t Xxh3Keyed(std::string_view key, std::string_view data);

// Lowercase hex of `bytes`, for messages and the dump tool.
std::string ToHex(std::string_view bytes);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_DIGEST_H_
