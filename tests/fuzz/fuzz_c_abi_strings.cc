// authkv fuzz targets. Licensed under the ISC license.
//
// libFuzzer target for every C ABI entry point that takes strings as
// (pointer, length) pairs: the getters (user by id, email and account,
// account, session and user, into a caller's buffer too, authenticator,
// authenticators of a user) and the calls that delete or change by key
// (user, account, session, verification token use, session expiry,
// authenticator counter), against a store seeded with seed_records.h.
//
// Input: byte 0 picks the entry point (byte % kOpCount); byte 1 holds flags
// (bit 0 out = NULL, bit 1 errmsg = NULL, bits 2 and 3 pass the first or
// second string's pointer as NULL, keeping its length, which must be
// AUTHKV_EINVALID unless the length is 0); the calls with a number take 8
// bytes next (expiry, counter; the capacity of get_into's buffer is their
// low 10 bits); then a string whose length is the next byte, and the rest
// is the last string. Each string is passed as an exact-size heap copy
// without a NUL, so reading past its length is an ASan report.
//
// Checked for every input: the codes and conventions of c_abi_fixture.h;
// the read-only calls never write (the WAL does not move, whatever they
// return); the writing calls write only when they return AUTHKV_OK; what a
// getter returns decodes and is the record asked for; get_into's
// AUTHKV_ERANGE names a size that then works.
//
// Thread safety: libFuzzer calls the entry points from one thread.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "c_abi_fixture.h"
#include "input_format.h"

namespace {

namespace in = authkv::internal;
// The fixture (c_abi_fixture.h) is this target's whole vocabulary.
using namespace authkv::fuzz;  // NOLINT(google-build-using-namespace)

using namespace authkv::fuzz::strings;  // Op, kOpCount, flag bits.

struct OpInfo {
  const char* name;
  int strings;  // How many (pointer, length) arguments.
  bool number;  // Takes a 64-bit number (or, for get_into, a capacity).
  bool writes;  // May change the store (when it returns AUTHKV_OK).
};

constexpr OpInfo kOps[kOpCount] = {
    {"authkv_user_get", 1, false, false},
    {"authkv_user_get_by_email", 1, false, false},
    {"authkv_user_get_by_account", 2, false, false},
    {"authkv_user_delete", 1, false, true},
    {"authkv_account_get", 2, false, false},
    {"authkv_account_unlink", 2, false, true},
    {"authkv_session_and_user_get", 1, false, false},
    {"authkv_session_and_user_get_into", 1, true, false},
    {"authkv_session_update", 1, true, true},
    {"authkv_session_delete", 1, false, true},
    {"authkv_verification_token_use", 2, false, true},
    {"authkv_authenticator_get", 1, false, false},
    {"authkv_authenticator_list_by_user", 1, false, false},
    {"authkv_authenticator_update_counter", 1, true, true},
};

SeededStore* store = nullptr;

// One string argument as the entry point receives it.
struct Arg {
  std::unique_ptr<ExactBytes> bytes;
  const char* ptr = nullptr;
  size_t len = 0;

  std::string_view view() const { return ptr ? std::string_view(ptr, len) : std::string_view(); }
};

Arg MakeArg(std::string_view text, bool null_pointer) {
  Arg arg;
  arg.len = text.size();
  if (!null_pointer) {
    arg.bytes = std::make_unique<ExactBytes>(text);
    arg.ptr = arg.bytes->chars();
  }
  return arg;
}

// get_into: the SessionAndUser written into a caller's exact-size buffer.
int CallGetInto(const Arg& token, uint64_t number, char** errmsg, std::string* result) {
  const size_t cap = static_cast<size_t>(number & 0x3ff);
  std::unique_ptr<uint8_t[]> dst(new uint8_t[cap]);
  size_t len = 0;
  const int code = authkv_session_and_user_get_into(cap ? dst.get() : nullptr, cap, &len,
                                                    store->db(), token.ptr, token.len, errmsg);
  if (code == AUTHKV_OK) {
    AUTHKV_FUZZ_CHECK(len > 0 && len <= cap, "get_into: OK with a length outside the buffer");
    result->assign(reinterpret_cast<const char*>(dst.get()), len);
  } else if (code == AUTHKV_ERANGE) {
    AUTHKV_FUZZ_CHECK(len > cap, "get_into: ERANGE but the result fits");
    // The size it asked for must do.
    std::unique_ptr<uint8_t[]> retry(new uint8_t[len]);
    size_t len2 = 0;
    const int again = authkv_session_and_user_get_into(retry.get(), len, &len2, store->db(),
                                                       token.ptr, token.len, nullptr);
    AUTHKV_FUZZ_CHECK(again == AUTHKV_OK && len2 == len,
                      "get_into: a buffer of the size ERANGE asked for is refused");
  } else {
    AUTHKV_FUZZ_CHECK(len == 0, "get_into: a length set on failure");
  }
  return code;
}

int Call(Op op, const Arg& a, const Arg& b, uint64_t number, authkv_buf* out, char** errmsg,
         std::string* into_result) {
  authkv_db* db = store->db();
  switch (op) {
    case kUserGet: return authkv_user_get(out, db, a.ptr, a.len, errmsg);
    case kUserGetByEmail: return authkv_user_get_by_email(out, db, a.ptr, a.len, errmsg);
    case kUserGetByAccount:
      return authkv_user_get_by_account(out, db, a.ptr, a.len, b.ptr, b.len, errmsg);
    case kUserDelete: return authkv_user_delete(out, db, a.ptr, a.len, errmsg);
    case kAccountGet: return authkv_account_get(out, db, a.ptr, a.len, b.ptr, b.len, errmsg);
    case kAccountUnlink: return authkv_account_unlink(out, db, a.ptr, a.len, b.ptr, b.len, errmsg);
    case kSessionAndUserGet: return authkv_session_and_user_get(out, db, a.ptr, a.len, errmsg);
    case kSessionAndUserGetInto: return CallGetInto(a, number, errmsg, into_result);
    case kSessionUpdate:
      return authkv_session_update(out, db, a.ptr, a.len, static_cast<int64_t>(number), errmsg);
    case kSessionDelete: return authkv_session_delete(out, db, a.ptr, a.len, errmsg);
    case kVerificationTokenUse:
      return authkv_verification_token_use(out, db, a.ptr, a.len, b.ptr, b.len, errmsg);
    case kAuthenticatorGet: return authkv_authenticator_get(out, db, a.ptr, a.len, errmsg);
    case kAuthenticatorListByUser:
      return authkv_authenticator_list_by_user(out, db, a.ptr, a.len, errmsg);
    case kAuthenticatorUpdateCounter:
      return authkv_authenticator_update_counter(out, db, a.ptr, a.len, number, errmsg);
    case kOpCount: break;
  }
  return AUTHKV_EINTERNAL;
}

// What an AUTHKV_OK result must hold: the right record type, and the key
// that was asked for where the result carries it.
void CheckResult(Op op, const Arg& a, const Arg& b, std::string_view bytes) {
  const char* name = kOps[op].name;
  switch (op) {
    case kUserGet:
    case kUserDelete: {
      const auto user = DecodeOut<authkv::User>(name, bytes, in::DecodeUser);
      AUTHKV_FUZZ_CHECK(user.id == a.view(), std::string(name) + " returned another user");
      return;
    }
    case kUserGetByEmail:
    case kUserGetByAccount: DecodeOut<authkv::User>(name, bytes, in::DecodeUser); return;
    case kAccountGet:
    case kAccountUnlink: {
      const auto account = DecodeOut<authkv::Account>(name, bytes, DecodeClearAccount);
      AUTHKV_FUZZ_CHECK(account.provider == a.view() && account.provider_account_id == b.view(),
                        std::string(name) + " returned another account");
      return;
    }
    case kSessionAndUserGet:
    case kSessionAndUserGetInto: {
      const auto su = DecodeOut<authkv::SessionAndUser>(name, bytes, in::DecodeSessionAndUser);
      AUTHKV_FUZZ_CHECK(su.session.session_token == a.view() && su.user.id == su.session.user_id,
                        std::string(name) + " returned another session or user");
      return;
    }
    case kSessionUpdate:
    case kSessionDelete: {
      const auto session = DecodeOut<authkv::Session>(name, bytes, in::DecodeSession);
      AUTHKV_FUZZ_CHECK(session.session_token == a.view(),
                        std::string(name) + " returned another session");
      return;
    }
    case kVerificationTokenUse: {
      const auto token =
          DecodeOut<authkv::VerificationToken>(name, bytes, in::DecodeVerificationToken);
      AUTHKV_FUZZ_CHECK(token.identifier == a.view(),
                        std::string(name) + " returned another identifier's token");
      return;
    }
    case kAuthenticatorGet:
    case kAuthenticatorUpdateCounter: {
      const auto auth = DecodeOut<authkv::Authenticator>(name, bytes, in::DecodeAuthenticator);
      AUTHKV_FUZZ_CHECK(auth.credential_id == a.view(),
                        std::string(name) + " returned another authenticator");
      return;
    }
    case kAuthenticatorListByUser: {
      const auto list =
          DecodeOut<std::vector<authkv::Authenticator>>(name, bytes, in::DecodeAuthenticatorList);
      for (const auto& auth : list) {
        AUTHKV_FUZZ_CHECK(auth.user_id == a.view(), std::string(name) + " listed another user's");
      }
      return;
    }
    case kOpCount: return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Closed, and its directory removed, by static destruction at exit().
  static SeededStore the_store;
  store = &the_store;
  // The probe must move on a write, or "reads never write" checks nothing.
  const WalMark before = store->Wal();
  store->Reseed();
  AUTHKV_FUZZ_CHECK(!(store->Wal() == before), "self-check: reseeding did not move the WAL");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  InputReader reader(data, size);
  const Op op = static_cast<Op>(reader.Byte() % kOpCount);
  const uint8_t flags = reader.Byte();
  const OpInfo& info = kOps[op];
  const uint64_t number = info.number ? reader.U64() : 0;
  const std::string_view first = info.strings == 2 ? reader.ShortString() : reader.Rest();
  const std::string_view second = info.strings == 2 ? reader.Rest() : std::string_view();
  const Arg a = MakeArg(first, (flags & kNullFirst) != 0);
  const Arg b = MakeArg(second, info.strings == 2 && (flags & kNullSecond) != 0);
  // get_into has no authkv_buf; its result comes back in `into`.
  const bool want_out = (flags & kNoOut) == 0 && op != kSessionAndUserGetInto;
  const bool want_errmsg = (flags & kNoErrmsg) == 0;

  OutBuf out;
  ErrMsg err;
  std::string into;
  const WalMark before = store->Wal();
  const int code = Call(op, a, b, number, want_out ? out.get() : nullptr,
                        want_errmsg ? err.get() : nullptr, &into);
  CheckConventions(info.name, code, want_out ? &out.buf() : nullptr,
                   want_errmsg ? err.get() : nullptr);
  const WalMark after = store->Wal();
  if (authkv::fuzz::Verbose()) {
    std::printf("%s(%zu, %zu bytes) -> %s%s%s\n", info.name, a.len, b.len, authkv_strerror(code),
                err.c_str() ? ": " : "", err.c_str() ? err.c_str() : "");
  }

  const bool null_with_length =
      (a.ptr == nullptr && a.len != 0) || (b.ptr == nullptr && b.len != 0);
  if (null_with_length) {
    AUTHKV_FUZZ_CHECK(code == AUTHKV_EINVALID,
                      std::string(info.name) + " took a NULL string with a nonzero length");
  }
  if (code == AUTHKV_ERANGE) {
    AUTHKV_FUZZ_CHECK(op == kSessionAndUserGetInto, std::string(info.name) + " returned ERANGE");
  }
  if (!info.writes || code != AUTHKV_OK) {
    AUTHKV_FUZZ_CHECK(after == before, std::string(info.name) + " returned " +
                                           authkv_strerror(code) + " but wrote to the WAL (" +
                                           before.ToString() + " -> " + after.ToString() + ")");
  }
  if (code != AUTHKV_OK) return 0;
  if (want_out) CheckResult(op, a, b, out.view());
  if (op == kSessionAndUserGetInto) CheckResult(op, a, b, into);
  if (info.writes) {
    // session_update and update_counter may rewrite a value to itself,
    // which still commits; a delete or a use must.
    AUTHKV_FUZZ_CHECK(!(after == before),
                      std::string(info.name) + " returned OK but wrote nothing");
    store->Reseed();
  }
  return 0;
}
