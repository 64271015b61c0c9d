// authkv fuzz targets. Licensed under the ISC license.
//
// What the two C ABI fuzz targets share: one store opened through
// authkv_open in a private temporary directory (removed at exit), seeded
// with seed_records.h, put back into exactly that state after any input
// that changed it (so every input runs against the same database and a
// finding replays alone), and the checks every authkv_* call must pass
// whatever its input: only the codes the header promises for bad input,
// Convention 5 (error text) and Convention 8 (outputs empty unless OK).
//
// Thread safety: none; one fuzz input at a time.

#ifndef AUTHKV_TESTS_FUZZ_C_ABI_FIXTURE_H_
#define AUTHKV_TESTS_FUZZ_C_ABI_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "authkv/authkv.h"
#include "codec.h"
#include "fuzz_support.h"
#include "seed_records.h"
#include "temp_dir.h"

namespace authkv::fuzz {

// An output buffer that is always disposed.
class OutBuf {
 public:
  OutBuf() = default;
  OutBuf(const OutBuf&) = delete;
  OutBuf& operator=(const OutBuf&) = delete;
  ~OutBuf() { authkv_buf_dispose(&buf_); }

  authkv_buf* get() { return &buf_; }
  const authkv_buf& buf() const { return buf_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(buf_.data), buf_.size}; }

 private:
  authkv_buf buf_ = AUTHKV_BUF_INIT;
};

// An errmsg out-parameter that is always freed.
class ErrMsg {
 public:
  ErrMsg() = default;
  ErrMsg(const ErrMsg&) = delete;
  ErrMsg& operator=(const ErrMsg&) = delete;
  ~ErrMsg() { authkv_free(msg_); }

  char** get() { return &msg_; }
  const char* c_str() const { return msg_; }

 private:
  char* msg_ = nullptr;
};

// Whether `code` is an answer a healthy store may give to a caller's input.
// ECORRUPT, EIO, EBUSY, ENOMEM, EINTERNAL and unknown codes are never
// right here: the database is fresh, local and small, so any of them is a
// bug (EINTERNAL is by definition one).
inline bool IsInputOutcome(int code) {
  switch (code) {
    case AUTHKV_OK:
    case AUTHKV_ENOTFOUND:
    case AUTHKV_EEXISTS:
    case AUTHKV_EINVALID:
    case AUTHKV_ECONSTRAINT:
    case AUTHKV_ERANGE: return true;
    default: return false;
  }
}

// The header's conventions for one finished call. `out` and `errmsg` are
// what was passed (either may be NULL).
inline void CheckConventions(const char* call, int code, const authkv_buf* out,
                             char* const* errmsg) {
  const std::string where =
      std::string(call) + " returned " + std::to_string(code) + " (" + authkv_strerror(code) + ")";
  AUTHKV_FUZZ_CHECK(IsInputOutcome(code),
                    where + (errmsg && *errmsg ? std::string(": ") + *errmsg : std::string()));
  if (out != nullptr) {
    if (code == AUTHKV_OK) {
      AUTHKV_FUZZ_CHECK(out->data != nullptr && out->size > 0, where + " with an empty out");
    } else {
      AUTHKV_FUZZ_CHECK(out->data == nullptr && out->size == 0,
                        where + " but left data in out (Convention 8)");
    }
  }
  if (errmsg != nullptr) {
    const bool outcome = code == AUTHKV_OK || code == AUTHKV_ENOTFOUND;
    AUTHKV_FUZZ_CHECK(outcome == (*errmsg == nullptr),
                      where + (outcome ? " with an error message" : " without an error message") +
                          " (Convention 5)");
  }
}

// Decodes an output buffer that the call's contract says holds a `T`.
template <typename T, typename Decoder>
T DecodeOut(const char* call, std::string_view bytes, Decoder decode) {
  auto decoded = decode(bytes);
  AUTHKV_FUZZ_CHECK(decoded.ok(), std::string(call) + " returned a buffer that does not decode: " +
                                      decoded.status().ToString());
  return *std::move(decoded);
}

// An Account result, decoded without room for sealed tokens: a result that
// carried the at-rest form of the OAuth tokens instead of the clear ones
// fails to decode (FailedPrecondition), as it must never cross the ABI.
inline Result<Account> DecodeClearAccount(std::string_view bytes) {
  return internal::DecodeAccount(bytes);
}

// The store every input of a C ABI target runs against.
class SeededStore {
 public:
  SeededStore() { Open(); }
  SeededStore(const SeededStore&) = delete;
  SeededStore& operator=(const SeededStore&) = delete;
  ~SeededStore() { authkv_close(db_); }

  authkv_db* db() { return db_; }
  WalMark Wal() const { return MarkWal(path_); }

  // Returns the store to the seeded state after an input changed it: the
  // seeded users go (with everything they own, in one cascade), the seeded
  // verification token is used up, and all of it is written again.
  // REQUIRES: the input created nothing outside of what the seeded users
  // own, except what the caller removed itself.
  void Reseed() {
    for (const auto& user : SeedUsers()) {
      const int code = authkv_user_delete(nullptr, db_, user.id.data(), user.id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK || code == AUTHKV_ENOTFOUND, "reseed: delete " + user.id);
    }
    const auto vt = SeedVerificationToken();
    const int code =
        authkv_verification_token_use(nullptr, db_, vt.identifier.data(), vt.identifier.size(),
                                      vt.token.data(), vt.token.size(), nullptr);
    AUTHKV_FUZZ_CHECK(code == AUTHKV_OK || code == AUTHKV_ENOTFOUND, "reseed: use the seed token");
    Seed();
  }

  // A brand-new database, seeded: now and then, so that tombstones and logs
  // do not pile up over a long run.
  void Reopen() {
    authkv_close(db_);
    db_ = nullptr;
    dir_.reset();
    Open();
  }

 private:
  // Fixed so that sealed accounts (tokens encrypted at rest) are fuzzed too.
  static constexpr uint8_t kTokenKey[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                            12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                            23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

  void Open() {
    dir_ = std::make_unique<test::TempDir>();
    const authkv_token_key key{7, kTokenKey, sizeof kTokenKey};
    authkv_open_options options = AUTHKV_OPEN_OPTIONS_INIT;
    // Small, so that fuzzing also runs the cache's eviction.
    options.session_cache_bytes = 64 << 10;
    options.token_keys = &key;
    options.token_key_count = 1;
    path_ = dir_->Sub("db");
    ErrMsg err;
    const int code = authkv_open(&db_, path_.c_str(), &options, err.get());
    AUTHKV_FUZZ_CHECK(code == AUTHKV_OK,
                      "authkv_open: " + std::string(err.c_str() ? err.c_str() : "?"));
    Seed();
  }

  void Seed() {
    namespace in = authkv::internal;
    for (const auto& user : SeedUsers()) Put("user", authkv_user_create, in::EncodeUser(user));
    Put("account", authkv_account_link, in::EncodeAccount(SeedAccount()));
    for (const auto& session : SeedSessions()) {
      Put("session", authkv_session_create, in::EncodeSession(session, /*with_token=*/true));
    }
    Put("verification token", authkv_verification_token_create,
        in::EncodeVerificationToken(SeedVerificationToken(), /*with_token=*/true));
    Put("authenticator", authkv_authenticator_create, in::EncodeAuthenticator(SeedAuthenticator()));
  }

  template <typename Create>
  void Put(const char* what, Create create, const std::string& bytes) {
    ErrMsg err;
    const int code = create(nullptr, db_, reinterpret_cast<const uint8_t*>(bytes.data()),
                            bytes.size(), err.get());
    AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, std::string("seeding the ") + what + ": " +
                                             (err.c_str() ? err.c_str() : authkv_strerror(code)));
  }

  // The destructor closes db_ before the members go, so the directory
  // (removed by ~TempDir) outlives the handle.
  std::unique_ptr<test::TempDir> dir_;
  std::string path_;
  authkv_db* db_ = nullptr;
};

}  // namespace authkv::fuzz

#endif  // AUTHKV_TESTS_FUZZ_C_ABI_FIXTURE_H_
