// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Record ids for users created without one: UUIDv7 (RFC 9562), whose
// leading timestamp keeps new keys together in the LSM tree, and whose 74
// random bits come from OpenSSL's CSPRNG so ids are not guessable.
//
// Thread safety: safe from any thread.

#ifndef AUTHKV_CORE_SRC_IDS_H_
#define AUTHKV_CORE_SRC_IDS_H_

#include <cstdint>
#include <string>

#include "authkv/result.h"

namespace authkv::internal {

// "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx" for the millisecond `now_ms`.
Result<std::string> NewUuidV7(int64_t now_ms);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_IDS_H_
