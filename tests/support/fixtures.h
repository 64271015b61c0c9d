// authkv tests: builders for records with every field set, and a store
// opened on a fresh directory with a fake clock.

#ifndef AUTHKV_TESTS_SUPPORT_FIXTURES_H_
#define AUTHKV_TESTS_SUPPORT_FIXTURES_H_

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "authkv/store.h"
#include "fake_clock.h"
#include "temp_dir.h"

namespace authkv::test {

inline constexpr int64_t kHourMs = 3'600'000;

inline User MakeUser(const std::string& id, const std::string& email) {
  User u;
  u.id = id;
  u.name = "Fill Murray";
  u.email = email;
  u.email_verified_ms = int64_t{1'700'000'000'123};
  u.image = "https://www.fillmurray.com/460/300";
  return u;
}

inline Account MakeAccount(const std::string& user_id, const std::string& provider,
                           const std::string& provider_account_id) {
  Account a;
  a.user_id = user_id;
  a.type = "oauth";
  a.provider = provider;
  a.provider_account_id = provider_account_id;
  a.access_token = "access-" + provider_account_id;
  a.refresh_token = "refresh-" + provider_account_id;
  a.id_token = "id-" + provider_account_id;
  a.scope = "user";
  a.token_type = "bearer";
  a.session_state = "state";
  a.expires_at = int64_t{2'592'000};
  return a;
}

inline Session MakeSession(const std::string& token, const std::string& user_id,
                           int64_t expires_ms) {
  return Session{token, user_id, expires_ms};
}

inline Authenticator MakeAuthenticator(const std::string& credential_id,
                                       const std::string& user_id) {
  Authenticator a;
  a.credential_id = credential_id;
  a.user_id = user_id;
  a.provider_account_id = credential_id;
  a.credential_public_key = "pk-" + credential_id;
  a.counter = 7;
  a.credential_backed_up = true;
  a.credential_device_type = "multiDevice";
  a.transports = "usb,ble,nfc";
  return a;
}

// A store on a fresh temporary directory, with a fake clock.
struct StoreFixture {
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> store;

  explicit StoreFixture(Options options = {}) { Open(options); }

  void Open(Options options = {}) {
    options.clock = &clock;
    auto opened = Store::Open(dir.Sub("db"), options);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }
  void Close() { store.reset(); }
  std::string path() const { return dir.Sub("db"); }
  int64_t now() const { return clock.NowMillis(); }
};

// REQUIREs that `result` failed with `code`.
#define REQUIRE_CODE(result, expected_code)                  \
  do {                                                       \
    auto&& authkv_r_ = (result);                             \
    INFO(authkv_r_.status().ToString());                     \
    REQUIRE(authkv_r_.status().code() == (expected_code));   \
  } while (0)

#define REQUIRE_OK(result)                      \
  do {                                          \
    auto&& authkv_r_ = (result);                \
    INFO(authkv_r_.status().ToString());        \
    REQUIRE(authkv_r_.ok());                    \
  } while (0)

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FIXTURES_H_
