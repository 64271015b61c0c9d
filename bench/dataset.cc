// authkv: embedded auth-data store. Licensed under the ISC license.

#include "dataset.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "sqlite_baseline.h"

namespace authkv::bench {
namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendHex(uint64_t v, int digits, std::string* out) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out->push_back(kHexDigits[(v >> shift) & 0xF]);
  }
}

}  // namespace

uint64_t SplitMix64(uint64_t* state) { return Mix64(*state += kGamma); }

std::string FormatUuid(uint64_t hi, uint64_t lo) {
  hi = (hi & ~uint64_t{0xF000}) | 0x4000;                      // Version 4.
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122.
  std::string out;
  out.reserve(36);
  AppendHex(hi >> 32, 8, &out);
  out.push_back('-');
  AppendHex(hi >> 16, 4, &out);
  out.push_back('-');
  AppendHex(hi, 4, &out);
  out.push_back('-');
  AppendHex(lo >> 48, 4, &out);
  out.push_back('-');
  AppendHex(lo, 12, &out);
  return out;
}

Dataset::Dataset(uint64_t users, uint64_t seed) : users_(users), seed_(seed) {}

uint64_t Dataset::Draw(Stream s, uint64_t i) const {
  const uint64_t stream_seed = Mix64(seed_ ^ (static_cast<uint64_t>(s) * kGamma));
  return Mix64(stream_seed + (i + 1) * kGamma);
}

std::string Dataset::Uuid(Stream s, uint64_t i) const {
  return FormatUuid(Draw(s, 2 * i), Draw(s, 2 * i + 1));
}

std::string Dataset::Hex(Stream s, uint64_t i, size_t words) const {
  std::string out;
  out.reserve(words * 16);
  for (size_t w = 0; w < words; ++w) AppendHex(Draw(s, i * words + w), 16, &out);
  return out;
}

std::string Dataset::UserId(uint64_t i) const { return Uuid(Stream::kUserId, i); }

std::string Dataset::SessionToken(uint64_t i) const { return Uuid(Stream::kSessionToken, i); }

std::string Dataset::Email(uint64_t i) const {
  // A random-looking local part, made unique by the index.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%08llx.%07llu@example.com",
                static_cast<unsigned long long>(Draw(Stream::kEmail, i) >> 32),
                static_cast<unsigned long long>(i));
  return buf;
}

std::string Dataset::ProviderAccountId(uint64_t i) const {
  return std::to_string(uint64_t{1000000000} + i);
}

User Dataset::UserAt(uint64_t i) const {
  User user;
  user.id = UserId(i);
  user.name = "User " + std::to_string(i);
  user.email = Email(i);
  user.email_verified_ms = Nullable<int64_t>::Null();  // OAuth sign-ups.
  user.image = "https://avatars.githubusercontent.com/u/" + ProviderAccountId(i) + "?v=4";
  return user;
}

Account Dataset::AccountAt(uint64_t i) const {
  Account account;
  account.user_id = UserId(i);
  account.type = "oauth";
  account.provider = std::string(kProvider);
  account.provider_account_id = ProviderAccountId(i);
  // GitHub's token shape: "gho_" and 36 base62 characters.
  std::string token = "gho_";
  for (int w = 0; w < 6; ++w) {
    uint64_t bits = Draw(Stream::kAccessToken, i * 6 + w);
    for (int c = 0; c < 6; ++c, bits >>= 10) token.push_back(kBase62[(bits & 0x3FF) % 62]);
  }
  account.access_token = std::move(token);
  account.token_type = "bearer";
  account.scope = "read:user,user:email";
  return account;
}

Session Dataset::SessionAt(uint64_t i) const {
  return Session{SessionToken(i), UserId(i), kFarFutureMs};
}

VerificationToken Dataset::VerificationTokenAt(uint64_t k) const {
  // Auth.js stores SHA-256-hex(secret + token): 64 hex characters.
  return VerificationToken{Email(k % users_), Hex(Stream::kVerificationToken, k, 4), kFarFutureMs};
}

Authenticator Dataset::AuthenticatorAt(uint64_t k) const {
  auto base64 = [&](uint64_t first, int chars) {
    std::string out;
    for (int c = 0; c < chars; ++c) {
      out.push_back(kBase64[Draw(Stream::kCredential, first + c) & 0x3F]);
    }
    return out;
  };
  Authenticator a;
  a.credential_id = base64(k * 160, 43) + "=";  // 32 bytes, standard base64.
  a.user_id = UserId(k % users_);
  a.provider_account_id = a.credential_id;
  a.credential_public_key = base64(k * 160 + 43, 104);  // A COSE P-256 key.
  a.counter = 0;
  a.credential_backed_up = false;
  a.credential_device_type = "singleDevice";
  a.transports = "internal";
  return a;
}

void FixedColumn::Set(uint64_t i, std::string_view value) {
  if (value.size() != width_) std::abort();  // A field that is not fixed-width.
  value.copy(data_.data() + i * width_, width_);
}

Status LoadIntoStore(const Dataset& dataset, Store& store, int threads) {
  std::mutex mu;
  Status first_error;  // Guarded by mu.
  std::atomic<bool> failed{false};
  auto load = [&](uint64_t begin, uint64_t step) {
    for (uint64_t i = begin; i < dataset.users() && !failed.load(); i += step) {
      Status s = store.CreateUser(dataset.UserAt(i)).status();
      if (s.ok()) s = store.LinkAccount(dataset.AccountAt(i)).status();
      if (s.ok()) s = store.CreateSession(dataset.SessionAt(i)).status();
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = std::move(s);
        failed = true;
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(load, t, threads);
  load(0, static_cast<uint64_t>(threads < 1 ? 1 : threads));
  for (auto& w : workers) w.join();
  return first_error;
}

Status LoadIntoSqlite(const Dataset& dataset, SqliteBaseline& sqlite) {
  if (Status s = sqlite.Exec("BEGIN"); !s.ok()) return s;
  for (uint64_t i = 0; i < dataset.users(); ++i) {
    Status s = sqlite.CreateUser(dataset.UserAt(i)).status();
    if (s.ok()) s = sqlite.LinkAccount(dataset.AccountAt(i)).status();
    if (s.ok()) s = sqlite.CreateSession(dataset.SessionAt(i)).status();
    if (!s.ok()) {
      sqlite.Exec("ROLLBACK").IgnoreError();
      return s;
    }
  }
  return sqlite.Exec("COMMIT");
}

}  // namespace authkv::bench
