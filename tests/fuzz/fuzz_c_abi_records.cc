// authkv fuzz targets. Licensed under the ISC license.
//
// libFuzzer target for the seven C ABI entry points that take a record as
// FlatBuffer bytes: authkv_user_create, authkv_user_update,
// authkv_account_link, authkv_account_update, authkv_session_create,
// authkv_verification_token_create and authkv_authenticator_create.
//
// Input: byte 0 picks the entry point (byte % 7) and how it is called
// (byte / 7: bit 0 passes out = NULL, bit 1 errmsg = NULL, bit 2 passes the
// buffer 16-byte aligned instead of one byte off, bit 3 reads the rest as
// the record's fields (record_fields.h) and encodes them, instead of taking
// the rest as the FlatBuffer itself). The buffer always ends exactly where
// its heap block does, so the verifier reading past it is an ASan report.
//
// Checked for every input, beyond "no crash, no leak, no UB":
//   - the code is one a healthy store gives for input (c_abi_fixture.h) and
//     the header's conventions on out and errmsg hold;
//   - a call that does not return AUTHKV_OK wrote nothing: the store's WAL
//     did not move (fuzz_support.h, WalMark);
//   - a create that returns AUTHKV_OK did write, and what it returned
//     decodes and is exactly what reading (or deleting) the record returns.
// After an input that changed the store it is put back to the seeded state,
// so every input runs against the same database.
//
// Thread safety: libFuzzer calls the entry points from one thread.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "c_abi_fixture.h"
#include "input_format.h"
#include "record_fields.h"

namespace {

namespace in = authkv::internal;
// The fixture (c_abi_fixture.h) is this target's whole vocabulary.
using namespace authkv::fuzz;  // NOLINT(google-build-using-namespace)

using namespace authkv::fuzz::records;  // Op, kOpCount, variant bits.

using RecordFn = int (*)(authkv_buf*, authkv_db*, const uint8_t*, size_t, char**);

struct OpInfo {
  const char* name;
  RecordFn fn;
  bool creates;  // A success must have written (an update may be a no-op).
};

constexpr OpInfo kOps[kOpCount] = {
    {"authkv_user_create", authkv_user_create, true},
    {"authkv_user_update", authkv_user_update, false},
    {"authkv_account_link", authkv_account_link, true},
    {"authkv_account_update", authkv_account_update, false},
    {"authkv_session_create", authkv_session_create, true},
    {"authkv_verification_token_create", authkv_verification_token_create, true},
    {"authkv_authenticator_create", authkv_authenticator_create, true},
};

// The FlatBuffer of the record whose fields `reader` holds (bit 3 inputs).
std::string EncodeFields(Op op, InputReader& reader) {
  namespace fz = authkv::fuzz;
  switch (op) {
    case kUserCreate:
    case kUserUpdate: return in::EncodeUser(fz::ReadUserFields(reader));
    case kAccountLink:
    case kAccountUpdate: return in::EncodeAccount(fz::ReadAccountFields(reader));
    case kSessionCreate:
      return in::EncodeSession(fz::ReadSessionFields(reader), /*with_token=*/true);
    case kVerificationTokenCreate:
      return in::EncodeVerificationToken(fz::ReadVerificationTokenFields(reader),
                                         /*with_token=*/true);
    case kAuthenticatorCreate: return in::EncodeAuthenticator(fz::ReadAuthenticatorFields(reader));
    case kOpCount: break;
  }
  return {};
}

// A fresh database every this many accepted inputs, so tombstones and logs
// do not pile up over a long run; the seeded state is the same either way.
constexpr uint64_t kReopenEvery = 20000;

SeededStore* store = nullptr;
uint64_t accepted = 0;

// Proves the WAL probe on this build and file system: a committed write
// moves it, a read does not. Without this a probe that never moves would
// make every "wrote nothing" check pass vacuously.
void SelfCheckWalProbe() {
  const WalMark before = store->Wal();
  authkv::User probe;
  probe.id = "wal-probe";
  const std::string bytes = in::EncodeUser(probe);
  int code = authkv_user_create(
      nullptr, store->db(), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), nullptr);
  AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "self-check: create the probe user");
  const WalMark written = store->Wal();
  AUTHKV_FUZZ_CHECK(!(written == before), "self-check: a committed write did not move the WAL (" +
                                              before.ToString() + ")");
  code = authkv_user_get(nullptr, store->db(), probe.id.data(), probe.id.size(), nullptr);
  AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "self-check: read the probe user");
  AUTHKV_FUZZ_CHECK(store->Wal() == written, "self-check: a read moved the WAL");
  code = authkv_user_delete(nullptr, store->db(), probe.id.data(), probe.id.size(), nullptr);
  AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "self-check: delete the probe user");
}

// Compares the record a create returned with the one read back, when the
// caller asked for the create's output.
template <typename T, typename Decoder>
void ExpectSame(const char* what, const OutBuf* created, std::string_view read_back,
                Decoder decode) {
  const T got = DecodeOut<T>(what, read_back, decode);
  if (created == nullptr) return;
  const T want = DecodeOut<T>(what, created->view(), decode);
  AUTHKV_FUZZ_CHECK(got == want, std::string(what) +
                                     ": the stored record differs from the one "
                                     "the create returned");
}

// Reads back, then removes, what an accepted input wrote. `input` decoded
// with core's codec gives the keys: the ABI accepted it, so it decodes.
void CheckAndUndo(Op op, std::string_view input, const OutBuf* out) {
  authkv_db* db = store->db();
  OutBuf back;
  int code = AUTHKV_OK;
  switch (op) {
    case kUserCreate: {
      auto user = in::DecodeUser(input);
      AUTHKV_FUZZ_CHECK(user.ok(), "an accepted user does not decode");
      std::string id = user->id;
      if (id.empty() && out != nullptr) {
        id = DecodeOut<authkv::User>("user", out->view(), in::DecodeUser).id;
      }
      if (id.empty() && user->email.has_value() && !user->email->empty()) {
        // A generated id that was not asked for: the email still finds it.
        code = authkv_user_get_by_email(back.get(), db, user->email->data(), user->email->size(),
                                        nullptr);
        AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the created user is not found by its email");
        id = DecodeOut<authkv::User>("user", back.view(), in::DecodeUser).id;
        authkv_buf_dispose(back.get());
      }
      if (id.empty()) {
        // Nothing names this user: its id is a fresh UUIDv7 that no later
        // input can guess, and it holds no email, so leaving it changes no
        // later outcome. The periodic Reopen clears it away.
        return;
      }
      code = authkv_user_delete(back.get(), db, id.data(), id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the created user cannot be deleted");
      ExpectSame<authkv::User>("user", out, back.view(), in::DecodeUser);
      return;
    }
    case kAccountLink: {
      auto account = in::DecodeAccount(input);
      AUTHKV_FUZZ_CHECK(account.ok(), "an accepted account does not decode");
      code = authkv_account_unlink(back.get(), db, account->provider.data(),
                                   account->provider.size(), account->provider_account_id.data(),
                                   account->provider_account_id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the linked account cannot be unlinked");
      ExpectSame<authkv::Account>("account", out, back.view(), DecodeClearAccount);
      return;
    }
    case kSessionCreate: {
      auto session = in::DecodeSession(input);
      AUTHKV_FUZZ_CHECK(session.ok(), "an accepted session does not decode");
      code = authkv_session_delete(back.get(), db, session->session_token.data(),
                                   session->session_token.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the created session cannot be deleted");
      ExpectSame<authkv::Session>("session", out, back.view(), in::DecodeSession);
      return;
    }
    case kVerificationTokenCreate: {
      auto token = in::DecodeVerificationToken(input);
      AUTHKV_FUZZ_CHECK(token.ok(), "an accepted verification token does not decode");
      code = authkv_verification_token_use(back.get(), db, token->identifier.data(),
                                           token->identifier.size(), token->token.data(),
                                           token->token.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the created verification token cannot be used");
      ExpectSame<authkv::VerificationToken>("verification token", out, back.view(),
                                            in::DecodeVerificationToken);
      return;
    }
    case kAuthenticatorCreate: {
      auto authenticator = in::DecodeAuthenticator(input);
      AUTHKV_FUZZ_CHECK(authenticator.ok(), "an accepted authenticator does not decode");
      code = authkv_authenticator_get(back.get(), db, authenticator->credential_id.data(),
                                      authenticator->credential_id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the created authenticator cannot be read");
      ExpectSame<authkv::Authenticator>("authenticator", out, back.view(), in::DecodeAuthenticator);
      break;  // No ABI call deletes one alone; its user's cascade does.
    }
    case kUserUpdate: {
      auto patch = in::DecodeUser(input);
      AUTHKV_FUZZ_CHECK(patch.ok(), "an accepted user patch does not decode");
      code = authkv_user_get(back.get(), db, patch->id.data(), patch->id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the updated user cannot be read");
      ExpectSame<authkv::User>("user", out, back.view(), in::DecodeUser);
      break;
    }
    case kAccountUpdate: {
      auto patch = in::DecodeAccount(input);
      AUTHKV_FUZZ_CHECK(patch.ok(), "an accepted account patch does not decode");
      code = authkv_account_get(back.get(), db, patch->provider.data(), patch->provider.size(),
                                patch->provider_account_id.data(),
                                patch->provider_account_id.size(), nullptr);
      AUTHKV_FUZZ_CHECK(code == AUTHKV_OK, "the updated account cannot be read");
      ExpectSame<authkv::Account>("account", out, back.view(), DecodeClearAccount);
      break;
    }
    case kOpCount: break;
  }
  // Updates and authenticators changed what the seeded users own.
  store->Reseed();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libFuzzer ends a run with exit(), whose static destruction closes the
  // store and removes its directory.
  static SeededStore the_store;
  store = &the_store;
  SelfCheckWalProbe();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Op op = static_cast<Op>(data[0] % kOpCount);
  const unsigned variant = data[0] / kOpCount;
  const bool want_out = (variant & kNoOut) == 0;
  const bool want_errmsg = (variant & kNoErrmsg) == 0;
  const bool aligned = (variant & kAligned) != 0;
  const bool from_fields = (variant & kFields) != 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (from_fields) {
    InputReader reader(data + 1, size - 1);
    input = EncodeFields(op, reader);
  }
  // One pad byte in front makes the buffer misaligned (hosts pass slices of
  // their own buffers at any address); the end stays the block's end.
  const size_t pad = aligned ? 0 : 1;
  const ExactBytes block(std::string(pad, '\0') + input);
  const uint8_t* buf = block.bytes() + pad;

  const OpInfo& info = kOps[op];
  OutBuf out;
  ErrMsg err;
  const WalMark before = store->Wal();
  const int code = info.fn(want_out ? out.get() : nullptr, store->db(), buf, input.size(),
                           want_errmsg ? err.get() : nullptr);
  char* const* errmsg = want_errmsg ? err.get() : nullptr;
  CheckConventions(info.name, code, want_out ? &out.buf() : nullptr, errmsg);
  const WalMark after = store->Wal();
  if (authkv::fuzz::Verbose()) {
    std::printf("%s(%zu bytes) -> %s%s%s\n", info.name, input.size(), authkv_strerror(code),
                err.c_str() ? ": " : "", err.c_str() ? err.c_str() : "");
  }

  if (code != AUTHKV_OK) {
    AUTHKV_FUZZ_CHECK(after == before, std::string(info.name) + " returned " +
                                           authkv_strerror(code) + " but wrote to the WAL (" +
                                           before.ToString() + " -> " + after.ToString() + ")");
    return 0;
  }
  if (info.creates) {
    AUTHKV_FUZZ_CHECK(!(after == before),
                      std::string(info.name) + " returned OK but wrote nothing");
  }
  CheckAndUndo(op, input, want_out ? &out : nullptr);
  if (++accepted % kReopenEvery == 0) store->Reopen();
  return 0;
}
