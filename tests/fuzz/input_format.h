// authkv fuzzing: the layout of the C ABI targets' inputs, shared by the
// targets that parse it and make_corpus.cc that writes seeds in it, so a
// seed always means what its name says.
//
//   fuzz_c_abi_records: [op + kRecordOpCount * variant][FlatBuffer or fields]
//   fuzz_c_abi_strings: [op][flags][number?][len][first][rest]
//
// Thread safety: constants only.

#ifndef AUTHKV_TESTS_FUZZ_INPUT_FORMAT_H_
#define AUTHKV_TESTS_FUZZ_INPUT_FORMAT_H_

#include <cstdint>

namespace authkv::fuzz {

namespace records {

// The entry point an input calls, in this order.
enum Op : uint8_t {
  kUserCreate,
  kUserUpdate,
  kAccountLink,
  kAccountUpdate,
  kSessionCreate,
  kVerificationTokenCreate,
  kAuthenticatorCreate,
  kOpCount,
};

// Variant bits: out NULL, errmsg NULL, an aligned copy of the buffer, record
// fields to encode instead of a FlatBuffer.
constexpr uint8_t kNoOut = 1, kNoErrmsg = 2, kAligned = 4, kFields = 8;

}  // namespace records

namespace strings {

enum Op : uint8_t {
  kUserGet,
  kUserGetByEmail,
  kUserGetByAccount,
  kUserDelete,
  kAccountGet,
  kAccountUnlink,
  kSessionAndUserGet,
  kSessionAndUserGetInto,
  kSessionUpdate,
  kSessionDelete,
  kVerificationTokenUse,
  kAuthenticatorGet,
  kAuthenticatorListByUser,
  kAuthenticatorUpdateCounter,
  kOpCount,
};

// Flag bits: out NULL, errmsg NULL, first / second string pointer NULL.
constexpr uint8_t kNoOut = 1, kNoErrmsg = 2, kNullFirst = 4, kNullSecond = 8;

}  // namespace strings
}  // namespace authkv::fuzz

#endif  // AUTHKV_TESTS_FUZZ_INPUT_FORMAT_H_
