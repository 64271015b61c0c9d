// authkv tests: a second process for the live-reader test. It opens a store
// and keeps signing users in and deleting them, until the stop file appears
// or a minute has passed; after the first writes it creates the ready file.
// Each sign-in is three writes in order (user, account, session) and each
// delete one cascading batch, so a consistent view never has more accounts
// than users or more sessions than accounts, and at most one user without
// a session. It paces itself (~500 sign-ins a second) to keep the database
// small enough for a fast test.
//
// Usage: authkv_tools_live_writer DB READY_FILE STOP_FILE

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "authkv/store.h"

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

int Fail(const std::string& step, const authkv::Status& s) {
  std::cerr << "live_writer: " << step << ": " << s.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: authkv_tools_live_writer DB READY_FILE STOP_FILE\n";
    return 2;
  }
  const std::string ready = argv[2], stop = argv[3];
  auto opened = authkv::Store::Open(argv[1], authkv::Options{});
  if (!opened.ok()) return Fail("open", opened.status());
  authkv::Store& store = **opened;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  constexpr int64_t kFuture = 4'102'444'800'000;  // 2100-01-01.
  for (int i = 0; !Exists(stop) && std::chrono::steady_clock::now() < deadline; ++i) {
    const std::string id = "user-" + std::to_string(i);
    authkv::User user;
    user.id = id;
    user.email = id + "@example.com";
    user.name = "User " + std::to_string(i);
    if (auto r = store.CreateUser(user); !r.ok()) return Fail("create user", r.status());
    authkv::Account account;
    account.user_id = id;
    account.type = "oauth";
    account.provider = "github";
    account.provider_account_id = std::to_string(i);
    account.access_token = "token-" + std::to_string(i);
    if (auto r = store.LinkAccount(account); !r.ok()) return Fail("link", r.status());
    if (auto r = store.CreateSession({"session-" + std::to_string(i), id, kFuture}); !r.ok()) {
      return Fail("session", r.status());
    }
    if (auto r = store.CreateVerificationToken(
            {id + "@example.com", "vt-" + std::to_string(i), kFuture});
        !r.ok()) {
      return Fail("token", r.status());
    }
    if (i % 3 == 2) {
      if (auto r = store.DeleteUser("user-" + std::to_string(i - 2)); !r.ok()) {
        return Fail("delete", r.status());
      }
    }
    if (i == 50) std::ofstream(ready) << "ready\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return 0;
}
