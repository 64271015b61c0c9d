// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The C ABI of authkv.h over authkv::Store; the only source of libauthkv.so.
// It holds no business logic: each entry point checks its arguments, decodes
// input FlatBuffers with core's codec (which verifies them), calls one Store
// method, and encodes the result into an authkv_buf; most entry points are
// that and nothing else, written once as ForwardToStore. Every body runs
// inside one exception fence (Call), and every outcome goes through one
// Status-to-code translation (Report), so all functions obey the header's
// conventions the same way.
//
// Thread safety: the shim adds no shared state. A handle is freed only by
// authkv_close, which the header forbids running concurrently with any
// other call on that handle; everything else is Store's (thread-safe).

#include "authkv/authkv.h"

#include <array>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "authkv/store.h"
#include "codec.h"
#include "status_macros.h"

// The handle behind authkv_db*, freed by authkv_close. `magic` lets a debug
// build assert on a pointer that is not a live handle (closed, or never an
// authkv_db); a release build never reads it, since reading a freed handle
// is already the undefined behaviour the header forbids.
struct authkv_db {
  uint32_t magic;
  std::unique_ptr<authkv::Store> store;
};

namespace {

using authkv::Account;
using authkv::Authenticator;
using authkv::Code;
using authkv::Result;
using authkv::Session;
using authkv::SessionAndUser;
using authkv::Status;
using authkv::Store;
using authkv::User;
using authkv::VerificationToken;

// Arbitrary values that a zeroed or reused allocation is unlikely to hold.
constexpr uint32_t kLiveMagic = 0x41564b44;    // "AVKD"
constexpr uint32_t kClosedMagic = 0x41564b58;  // "AVKX"

// Input FlatBuffers longer than this are refused before verification. The
// largest record core accepts (an Account: six 64 KiB texts and 256 KiB of
// extra_json) stays under 1 MiB, so a longer length is a caller bug (a
// capacity passed as a size, an uninitialised length), and refusing it bounds
// what the verifier is asked to walk.
constexpr size_t kMaxInputBytes = size_t{4} << 20;

constexpr uint32_t kKnownOpenFlags =
    AUTHKV_OPEN_CREATE | AUTHKV_OPEN_READONLY | AUTHKV_OPEN_SYNC | AUTHKV_OPEN_EMAIL_EXACT |
    AUTHKV_OPEN_NO_SESSION_CACHE;

// ---- Outcomes ----------------------------------------------------------------

// No `default:` so that a Code added to core without a mapping here fails
// the build (-Wswitch); the fallback return covers out-of-range values.
int CodeOf(Code code) {
  switch (code) {
    case Code::kOk: return AUTHKV_OK;
    case Code::kNotFound: return AUTHKV_ENOTFOUND;
    case Code::kAlreadyExists: return AUTHKV_EEXISTS;
    case Code::kInvalidArgument: return AUTHKV_EINVALID;
    case Code::kFailedPrecondition: return AUTHKV_ECONSTRAINT;
    case Code::kCorruption: return AUTHKV_ECORRUPT;
    case Code::kIOError: return AUTHKV_EIO;
    case Code::kBusy: return AUTHKV_EBUSY;
    case Code::kVersionMismatch: return AUTHKV_EVERSION;
    case Code::kInternal: return AUTHKV_EINTERNAL;
    case Code::kNoMemory: return AUTHKV_ENOMEM;
    case Code::kUnknownOutcome: return AUTHKV_EUNKNOWN;
    case Code::kKeyUnavailable: return AUTHKV_EKEY;
  }
  return AUTHKV_EINTERNAL;
}

// Stores a malloc'd copy of `message` in *errmsg (when the caller asked for
// one) and returns `code`. If even that allocation fails, *errmsg stays NULL:
// the code alone still tells the caller what happened.
int SetError(char** errmsg, int code, std::string_view message) noexcept {
  if (errmsg != nullptr) {
    auto* copy = static_cast<char*>(std::malloc(message.size() + 1));
    if (copy != nullptr) {
      std::memcpy(copy, message.data(), message.size());
      copy[message.size()] = '\0';
    }
    *errmsg = copy;
  }
  return code;
}

// The one translation from a core Status to the ABI. OK and ENOTFOUND are
// outcomes, not failures, so they carry no message (Convention 5); Call has
// already set *errmsg to NULL.
int Report(char** errmsg, const Status& status) {
  const int code = CodeOf(status.code());
  if (code == AUTHKV_OK || code == AUTHKV_ENOTFOUND) return code;
  return SetError(errmsg, code, status.ToString());
}

// The exception fence around every entry point's body (Convention 11):
// RocksDB, FlatBuffers and the standard library may still throw, and an
// exception unwinding into a C or FFI caller is undefined behaviour.
template <typename Body>
int Call(char** errmsg, Body&& body) noexcept {
  if (errmsg != nullptr) *errmsg = nullptr;
  try {
    return Report(errmsg, body());
  } catch (const std::bad_alloc&) {
    return SetError(errmsg, AUTHKV_ENOMEM, "NoMemory: allocation failed");
  } catch (...) {
    return SetError(errmsg, AUTHKV_EINTERNAL, "Internal: unexpected C++ exception");
  }
}

// The store behind a handle. NULL is refused; a closed handle is the
// caller's undefined behaviour, caught only by a debug build's assert (and
// only until its memory is reused).
Result<Store*> StoreOf(authkv_db* db) {
  if (db == nullptr) return Status::InvalidArgument("db is NULL");
  assert(db->magic == kLiveMagic && "authkv: db is closed (or not an authkv_db)");
  return db->store.get();
}

// Call for the functions that work on an open handle and may fill `out`
// (NULL when they have no buffer). `out` is emptied first, since callers may
// pass an uninitialised struct, and emptied again on any outcome but OK, so
// Convention 8 holds whatever the body did before failing.
template <typename Body>
int WithStore(authkv_buf* out, authkv_db* db, char** errmsg, Body&& body) noexcept {
  if (out != nullptr) *out = authkv_buf{nullptr, 0};
  const int code = Call(errmsg, [&]() -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Store * store, StoreOf(db));
    return body(*store);
  });
  if (code != AUTHKV_OK) authkv_buf_dispose(out);
  return code;
}

// ---- Arguments ---------------------------------------------------------------

// Each argument of an entry point is described by one of these (or is a
// plain value) and turned into what the Store method takes by Check, which
// names the argument in its error.

// A (pointer, length) string argument.
struct TextArg {
  const char* data;
  size_t size;
  std::string_view name;
};

// A (pointer, length) input FlatBuffer that must hold a T.
template <typename T>
struct RecordArg {
  const uint8_t* data;
  size_t size;
  std::string_view name;
};

// NULL is accepted only with length 0; whether an empty or long string is
// acceptable is core's call (it names the field and knows its limits).
Result<std::string_view> Check(const TextArg& arg) {
  if (arg.data == nullptr && arg.size != 0) {
    return Status::InvalidArgument(std::string(arg.name) + " is NULL but its length is " +
                                   std::to_string(arg.size));
  }
  return arg.data == nullptr ? std::string_view() : std::string_view(arg.data, arg.size);
}

// A plain value (an expiry, a counter) has nothing to check.
template <typename V>
  requires std::is_arithmetic_v<V>
Result<V> Check(V value) {
  return value;
}

// Core's decoder for each input type, picked by the (unused) pointer's
// type. Core verifies the buffer with its file_identifier and copies
// misaligned input (hosts pass slices at any address) before reading it.
Result<User> DecodeAs(std::string_view bytes, const User*) {
  return authkv::internal::DecodeUser(bytes);
}
Result<Account> DecodeAs(std::string_view bytes, const Account*) {
  // sealed_tokens is the store's at-rest form of the OAuth tokens. A caller
  // sends tokens in the clear; a sealed blob from elsewhere is bad input, not
  // the missing-key FailedPrecondition core reports for stored records.
  std::string sealed;
  auto account = authkv::internal::DecodeAccount(bytes, &sealed);
  if (account.ok() && !sealed.empty()) {
    return Status::InvalidArgument("account: sealed_tokens is set; send tokens in the clear");
  }
  return account;
}
Result<Session> DecodeAs(std::string_view bytes, const Session*) {
  return authkv::internal::DecodeSession(bytes);
}
Result<VerificationToken> DecodeAs(std::string_view bytes, const VerificationToken*) {
  return authkv::internal::DecodeVerificationToken(bytes);
}
Result<Authenticator> DecodeAs(std::string_view bytes, const Authenticator*) {
  return authkv::internal::DecodeAuthenticator(bytes);
}

template <typename T>
Result<T> Check(const RecordArg<T>& arg) {
  if (arg.data == nullptr) return Status::InvalidArgument(std::string(arg.name) + " is NULL");
  if (arg.size > kMaxInputBytes) {
    return Status::InvalidArgument(std::string(arg.name) + " of " + std::to_string(arg.size) +
                                   " bytes exceeds the " + std::to_string(kMaxInputBytes) +
                                   "-byte limit");
  }
  return DecodeAs(std::string_view(reinterpret_cast<const char*>(arg.data), arg.size),
                  static_cast<const T*>(nullptr));
}

Status CheckOptionsVersion(unsigned int version) {
  if (version == 0 || version > AUTHKV_OPEN_OPTIONS_VERSION) {
    return Status::VersionMismatch("open options version " + std::to_string(version) +
                                   " is not supported (this library knows 1 to " +
                                   std::to_string(AUTHKV_OPEN_OPTIONS_VERSION) + ")");
  }
  return Status::OK();
}

Result<authkv::Options> ToOptions(const authkv_open_options* opts) {
  authkv::Options options;  // Core's defaults match the header's (CREATE).
  if (opts == nullptr) return options;
  AUTHKV_RETURN_IF_ERROR(CheckOptionsVersion(opts->version));
  // An unknown bit comes from a caller built against a newer header; ignoring
  // it could silently drop a durability or matching promise.
  if ((opts->flags & ~kKnownOpenFlags) != 0) {
    return Status::InvalidArgument("unknown open flags " +
                                   std::to_string(opts->flags & ~kKnownOpenFlags));
  }
  options.create_if_missing = (opts->flags & AUTHKV_OPEN_CREATE) != 0;
  options.read_only = (opts->flags & AUTHKV_OPEN_READONLY) != 0;
  options.sync = (opts->flags & AUTHKV_OPEN_SYNC) != 0;
  options.email_match = (opts->flags & AUTHKV_OPEN_EMAIL_EXACT) != 0
                            ? authkv::EmailMatch::kExact
                            : authkv::EmailMatch::kCaseInsensitive;
  if (opts->block_cache_bytes != 0) {
    if (!std::in_range<size_t>(opts->block_cache_bytes)) {
      return Status::InvalidArgument("block_cache_bytes does not fit in memory");
    }
    options.block_cache_bytes = static_cast<size_t>(opts->block_cache_bytes);
  }
  if (opts->flags & AUTHKV_OPEN_NO_SESSION_CACHE) options.session_cache_bytes = 0;
  if (opts->version < 2) return options;  // A v1 struct ends here.
  if (opts->session_cache_bytes != 0 && !(opts->flags & AUTHKV_OPEN_NO_SESSION_CACHE)) {
    if (!std::in_range<size_t>(opts->session_cache_bytes)) {
      return Status::InvalidArgument("session_cache_bytes does not fit in memory");
    }
    options.session_cache_bytes = static_cast<size_t>(opts->session_cache_bytes);
  }
  options.purge_interval_ms = opts->purge_interval_ms;
  if (opts->token_key_count > 0 && opts->token_keys == nullptr) {
    return Status::InvalidArgument("token_keys is NULL but token_key_count is not 0");
  }
  for (size_t i = 0; i < opts->token_key_count; ++i) {
    const authkv_token_key& k = opts->token_keys[i];
    if (k.key == nullptr) return Status::InvalidArgument("a token key is NULL");
    options.token_keys.push_back(
        authkv::TokenKey{k.id, std::string(reinterpret_cast<const char*>(k.key), k.key_len)});
  }
  return options;
}

// ---- Results -----------------------------------------------------------------

// The output encoding of each result type. Sessions and verification tokens
// include the token: results carry what the caller gave, and only the stored
// form leaves it out.
std::string Encode(const User& v) { return authkv::internal::EncodeUser(v); }
std::string Encode(const Account& v) { return authkv::internal::EncodeAccount(v); }
std::string Encode(const Session& v) {
  return authkv::internal::EncodeSession(v, /*with_token=*/true);
}
std::string Encode(const VerificationToken& v) {
  return authkv::internal::EncodeVerificationToken(v, /*with_token=*/true);
}
std::string Encode(const Authenticator& v) { return authkv::internal::EncodeAuthenticator(v); }
std::string Encode(const SessionAndUser& v) { return authkv::internal::EncodeSessionAndUser(v); }
std::string Encode(const std::vector<Authenticator>& v) {
  return authkv::internal::EncodeAuthenticatorList(v);
}

// Fills `out` with a copy of `bytes` from the allocator authkv_free uses.
Status FillBuf(authkv_buf* out, std::string_view bytes) {
  // malloc(0) may return NULL; a FlatBuffer is never empty, but a NULL here
  // must mean only one thing.
  auto* data = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (data == nullptr) return Status::NoMemory("cannot allocate the result buffer");
  std::memcpy(data, bytes.data(), bytes.size());
  *out = authkv_buf{data, bytes.size()};
  return Status::OK();
}

// Passes a failed result on, or encodes a value into `out` if the caller
// wants it (Convention 8: a NULL `out` skips the encoding).
template <typename T>
Status Return(authkv_buf* out, Result<T> result) {
  if (!result.ok()) return std::move(result).status();
  if (out == nullptr) return Status::OK();
  return FillBuf(out, Encode(*result));
}

// ---- Forwarding ------------------------------------------------------------------

// The first failed check among `checked`, left to right, or OK.
template <typename... Checked>
Status FirstFailure(const Checked&... checked) {
  const std::array<const Status*, sizeof...(Checked)> statuses{&checked.status()...};
  for (const Status* status : statuses) {
    if (!status->ok()) return *status;
  }
  return Status::OK();
}

// The whole body of an entry point that forwards to one Store method:
// checks `db` and every argument (the leftmost failure is the outcome),
// calls `method` with the checked values, and encodes its result into `out`.
// Checks have no side effects, so running them all before looking at any
// outcome changes nothing a caller sees.
template <typename Method, typename... Args>
int ForwardToStore(authkv_buf* out, authkv_db* db, char** errmsg, Method method,
                   const Args&... args) noexcept {
  return WithStore(out, db, errmsg, [&](Store& store) -> Status {
    auto checked = std::tuple{Check(args)...};  // A braced list runs left to right.
    AUTHKV_RETURN_IF_ERROR(
        std::apply([](const auto&... c) { return FirstFailure(c...); }, checked));
    return Return(out, std::apply(
                           [&](auto&... c) { return std::invoke(method, store, std::move(*c)...); },
                           checked));
  });
}

}  // namespace

// ---- Lifecycle -----------------------------------------------------------------

int authkv_open_options_init(authkv_open_options* opts, unsigned int version) {
  return Call(nullptr, [&]() -> Status {
    if (opts == nullptr) return Status::InvalidArgument("opts is NULL");
    AUTHKV_RETURN_IF_ERROR(CheckOptionsVersion(version));
    const authkv_open_options defaults = AUTHKV_OPEN_OPTIONS_INIT;
    // A caller built against an older header has a shorter struct: write
    // only the fields its version has.
    opts->version = version;
    opts->flags = defaults.flags;
    opts->block_cache_bytes = defaults.block_cache_bytes;
    if (version >= 2) {
      opts->session_cache_bytes = defaults.session_cache_bytes;
      opts->purge_interval_ms = defaults.purge_interval_ms;
      opts->token_keys = defaults.token_keys;
      opts->token_key_count = defaults.token_key_count;
    }
    return Status::OK();
  });
}

int authkv_open(authkv_db** out, const char* path, const authkv_open_options* opts, char** errmsg) {
  if (out != nullptr) *out = nullptr;
  return Call(errmsg, [&]() -> Status {
    // Checked before opening, so a bad call never leaves a store locked.
    if (out == nullptr) return Status::InvalidArgument("out is NULL");
    if (path == nullptr) return Status::InvalidArgument("path is NULL");
    AUTHKV_ASSIGN_OR_RETURN(authkv::Options options, ToOptions(opts));
    AUTHKV_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(path, options));
    *out = new authkv_db{kLiveMagic, std::move(store)};
    return Status::OK();
  });
}

void authkv_close(authkv_db* db) {
  // No fence needed: only noexcept destructors run (the last handle on a
  // directory closes its database).
  if (db == nullptr) return;
  assert(db->magic == kLiveMagic && "authkv_close: db is closed (or not an authkv_db)");
  // Marked before the free so that a debug build's assert also catches a
  // stale pointer whose memory the allocator left as it was.
  db->magic = kClosedMagic;
  delete db;
}

// ---- Users ---------------------------------------------------------------------

int authkv_user_create(authkv_buf* out, authkv_db* db, const uint8_t* user, size_t user_len,
                       char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::CreateUser,
                        RecordArg<User>{user, user_len, "user"});
}

int authkv_user_get(authkv_buf* out, authkv_db* db, const char* id, size_t id_len, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::GetUser, TextArg{id, id_len, "id"});
}

int authkv_user_get_by_email(authkv_buf* out, authkv_db* db, const char* email, size_t email_len,
                             char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::GetUserByEmail,
                        TextArg{email, email_len, "email"});
}

int authkv_user_get_by_account(authkv_buf* out, authkv_db* db, const char* provider,
                               size_t provider_len, const char* provider_account_id,
                               size_t provider_account_id_len, char** errmsg) {
  return ForwardToStore(
      out, db, errmsg, &Store::GetUserByAccount, TextArg{provider, provider_len, "provider"},
      TextArg{provider_account_id, provider_account_id_len, "provider_account_id"});
}

int authkv_user_update(authkv_buf* out, authkv_db* db, const uint8_t* patch, size_t patch_len,
                       char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::UpdateUser,
                        RecordArg<User>{patch, patch_len, "patch"});
}

int authkv_user_delete(authkv_buf* out, authkv_db* db, const char* id, size_t id_len,
                       char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::DeleteUser, TextArg{id, id_len, "id"});
}

// ---- Accounts ------------------------------------------------------------------

int authkv_account_link(authkv_buf* out, authkv_db* db, const uint8_t* account, size_t account_len,
                        char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::LinkAccount,
                        RecordArg<Account>{account, account_len, "account"});
}

int authkv_account_get(authkv_buf* out, authkv_db* db, const char* provider, size_t provider_len,
                       const char* provider_account_id, size_t provider_account_id_len,
                       char** errmsg) {
  return ForwardToStore(
      out, db, errmsg, &Store::GetAccount, TextArg{provider, provider_len, "provider"},
      TextArg{provider_account_id, provider_account_id_len, "provider_account_id"});
}

int authkv_account_update(authkv_buf* out, authkv_db* db, const uint8_t* patch, size_t patch_len,
                          char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::UpdateAccount,
                        RecordArg<Account>{patch, patch_len, "patch"});
}

int authkv_account_unlink(authkv_buf* out, authkv_db* db, const char* provider, size_t provider_len,
                          const char* provider_account_id, size_t provider_account_id_len,
                          char** errmsg) {
  return ForwardToStore(
      out, db, errmsg, &Store::UnlinkAccount, TextArg{provider, provider_len, "provider"},
      TextArg{provider_account_id, provider_account_id_len, "provider_account_id"});
}

// ---- Sessions ------------------------------------------------------------------

int authkv_session_create(authkv_buf* out, authkv_db* db, const uint8_t* session,
                          size_t session_len, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::CreateSession,
                        RecordArg<Session>{session, session_len, "session"});
}

int authkv_session_and_user_get(authkv_buf* out, authkv_db* db, const char* token, size_t token_len,
                                char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::GetSessionAndUser,
                        TextArg{token, token_len, "token"});
}

int authkv_session_and_user_get_into(uint8_t* dst, size_t dst_cap, size_t* len_out, authkv_db* db,
                                     const char* token, size_t token_len, char** errmsg) {
  if (len_out != nullptr) *len_out = 0;
  std::string bytes;
  const int code = WithStore(nullptr, db, errmsg, [&](Store& store) -> Status {
    // len_out is required: without it a caller could not size the retry.
    if (len_out == nullptr) return Status::InvalidArgument("len_out is NULL");
    if (dst == nullptr && dst_cap != 0) {
      return Status::InvalidArgument("dst is NULL but dst_cap is " + std::to_string(dst_cap));
    }
    AUTHKV_ASSIGN_OR_RETURN(std::string_view key, Check(TextArg{token, token_len, "token"}));
    AUTHKV_ASSIGN_OR_RETURN(SessionAndUser found, store.GetSessionAndUser(key));
    bytes = Encode(found);
    return Status::OK();
  });
  if (code != AUTHKV_OK) return code;
  // Outside the fence: nothing below allocates except SetError's malloc.
  *len_out = bytes.size();
  if (bytes.size() > dst_cap) {
    char message[96];
    std::snprintf(message, sizeof message, "Range: the result needs %zu bytes, dst has %zu",
                  bytes.size(), dst_cap);
    return SetError(errmsg, AUTHKV_ERANGE, message);
  }
  std::memcpy(dst, bytes.data(), bytes.size());
  return AUTHKV_OK;
}

int authkv_session_update(authkv_buf* out, authkv_db* db, const char* token, size_t token_len,
                          int64_t expires_ms, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::UpdateSession,
                        TextArg{token, token_len, "token"}, expires_ms);
}

int authkv_session_delete(authkv_buf* out, authkv_db* db, const char* token, size_t token_len,
                          char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::DeleteSession,
                        TextArg{token, token_len, "token"});
}

// ---- Verification tokens ---------------------------------------------------------

int authkv_verification_token_create(authkv_buf* out, authkv_db* db, const uint8_t* token,
                                     size_t token_len, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::CreateVerificationToken,
                        RecordArg<VerificationToken>{token, token_len, "token"});
}

int authkv_verification_token_use(authkv_buf* out, authkv_db* db, const char* identifier,
                                  size_t identifier_len, const char* token, size_t token_len,
                                  char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::UseVerificationToken,
                        TextArg{identifier, identifier_len, "identifier"},
                        TextArg{token, token_len, "token"});
}

// ---- Authenticators --------------------------------------------------------------

int authkv_authenticator_create(authkv_buf* out, authkv_db* db, const uint8_t* authenticator,
                                size_t authenticator_len, char** errmsg) {
  return ForwardToStore(
      out, db, errmsg, &Store::CreateAuthenticator,
      RecordArg<Authenticator>{authenticator, authenticator_len, "authenticator"});
}

int authkv_authenticator_get(authkv_buf* out, authkv_db* db, const char* credential_id,
                             size_t credential_id_len, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::GetAuthenticator,
                        TextArg{credential_id, credential_id_len, "credential_id"});
}

int authkv_authenticator_list_by_user(authkv_buf* out, authkv_db* db, const char* user_id,
                                      size_t user_id_len, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::ListAuthenticatorsByUserId,
                        TextArg{user_id, user_id_len, "user_id"});
}

int authkv_authenticator_update_counter(authkv_buf* out, authkv_db* db, const char* credential_id,
                                        size_t credential_id_len, uint64_t counter, char** errmsg) {
  return ForwardToStore(out, db, errmsg, &Store::UpdateAuthenticatorCounter,
                        TextArg{credential_id, credential_id_len, "credential_id"}, counter);
}

// ---- Maintenance -----------------------------------------------------------------

int authkv_purge_expired(uint64_t* sessions_out, uint64_t* tokens_out, authkv_db* db,
                         int64_t now_ms, char** errmsg) {
  if (sessions_out != nullptr) *sessions_out = 0;
  if (tokens_out != nullptr) *tokens_out = 0;
  return WithStore(nullptr, db, errmsg, [&](Store& store) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(authkv::PurgeResult purged, store.PurgeExpired(now_ms));
    if (sessions_out != nullptr) *sessions_out = purged.sessions;
    if (tokens_out != nullptr) *tokens_out = purged.verification_tokens;
    return Status::OK();
  });
}

int authkv_cache_stats_get(authkv_cache_stats* out, authkv_db* db, char** errmsg) {
  return WithStore(nullptr, db, errmsg, [&](Store& store) -> Status {
    if (out == nullptr) return Status::InvalidArgument("out is NULL");
    const authkv::CacheStats s = store.GetCacheStats();
    *out = authkv_cache_stats{s.hits, s.misses, s.entries, s.bytes, s.capacity_bytes};
    return Status::OK();
  });
}

int authkv_accounts_reencrypt(uint64_t* rewritten_out, authkv_db* db, char** errmsg) {
  if (rewritten_out != nullptr) *rewritten_out = 0;
  return WithStore(nullptr, db, errmsg, [&](Store& store) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(uint64_t rewritten, store.ReencryptAccounts());
    if (rewritten_out != nullptr) *rewritten_out = rewritten;
    return Status::OK();
  });
}

// ---- Memory, errors, versions ------------------------------------------------------
// These run no code that can throw, so they need no fence.

void authkv_buf_dispose(authkv_buf* buf) {
  if (buf == nullptr) return;
  std::free(buf->data);
  *buf = authkv_buf{nullptr, 0};
}

void authkv_free(void* ptr) { std::free(ptr); }

const char* authkv_strerror(int code) {
  switch (code) {
    case AUTHKV_OK: return "success";
    case AUTHKV_ERROR: return "unspecified error";
    case AUTHKV_ENOTFOUND: return "record not found";
    case AUTHKV_EEXISTS: return "a unique key is taken";
    case AUTHKV_EINVALID: return "invalid argument";
    case AUTHKV_ECONSTRAINT: return "the record refers to a user that does not exist";
    case AUTHKV_ECORRUPT: return "stored data is corrupted";
    case AUTHKV_EIO: return "I/O error";
    case AUTHKV_EBUSY: return "the database is locked by another process";
    case AUTHKV_ENOMEM: return "out of memory";
    case AUTHKV_EVERSION: return "version not supported by this library";
    case AUTHKV_EINTERNAL: return "internal error in authkv";
    case AUTHKV_ERANGE: return "buffer too small";
    case AUTHKV_EUNKNOWN: return "the write may or may not have been applied";
    case AUTHKV_EKEY: return "a token key the record needs is not configured";
    case AUTHKV_ITEROVER: return "iteration has ended";
    default: return "unknown error code";
  }
}

int authkv_abi_version(void) { return AUTHKV_ABI_VERSION; }

const char* authkv_version(void) { return AUTHKV_VERSION; }
