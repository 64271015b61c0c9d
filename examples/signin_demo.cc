// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Signs a user in the way Auth.js' OAuth callback does (docs/contract.md §3.6):
// look the account up, create the user, link the account, create a session,
// then read the session and user back as every later request would.
//
// Usage: authkv_signin_demo [DATABASE_DIR]   (default ./data/demo)

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "authkv/store.h"

namespace {

std::string RandomToken() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string t;
  for (int i = 0; i < 32; ++i) t.push_back("0123456789abcdef"[hex(rd)]);
  return t;
}

int Fail(const char* step, const authkv::Status& s) {
  std::cerr << "demo: " << step << " failed: " << s.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "./data/demo";
  auto opened = authkv::Store::Open(path, authkv::Options{});
  if (!opened.ok()) return Fail("open", opened.status());
  auto& store = *opened.value();
  std::cout << "opened " << path << " (schema version " << store.schema_version() << ")\n";

  const std::string provider = "github", provider_account_id = "1001";
  auto existing = store.GetUserByAccount(provider, provider_account_id);
  std::string user_id;
  if (existing.ok()) {
    user_id = existing->id;
    std::cout << "returning user " << user_id << " found by account " << provider << "/"
              << provider_account_id << "\n";
  } else if (existing.status().IsNotFound()) {
    authkv::User user;
    user.name = "Ada Lovelace";
    user.email = "ada@example.com";
    user.email_verified_ms = authkv::Nullable<int64_t>::Null();
    user.extra_json = R"({"role":"ADMIN"})";
    auto created = store.CreateUser(user);
    if (!created.ok()) return Fail("createUser", created.status());
    user_id = created->id;
    std::cout << "createUser   -> id " << user_id << " email " << *created->email << "\n";

    authkv::Account account;
    account.user_id = user_id;
    account.type = "oauth";
    account.provider = provider;
    account.provider_account_id = provider_account_id;
    account.access_token = "gho_" + RandomToken();
    account.token_type = "bearer";
    account.scope = "read:user,user:email";
    auto linked = store.LinkAccount(account);
    if (!linked.ok()) return Fail("linkAccount", linked.status());
    std::cout << "linkAccount  -> " << provider << "/" << provider_account_id << "\n";
  } else {
    return Fail("getUserByAccount", existing.status());
  }

  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  authkv::Session session{RandomToken(), user_id, now_ms + 30LL * 24 * 3600 * 1000};
  auto created_session = store.CreateSession(session);
  if (!created_session.ok()) return Fail("createSession", created_session.status());
  std::cout << "createSession-> token " << session.session_token.substr(0, 8)
            << "... (stored only as its SHA-256)\n";

  auto read = store.GetSessionAndUser(session.session_token);
  if (!read.ok()) return Fail("getSessionAndUser", read.status());
  std::cout << "getSessionAndUser -> user " << read->user.id << " ("
            << read->user.name.value_or("?") << ", " << read->user.email.value_or("?")
            << ", extra " << read->user.extra_json << "), session expires_ms "
            << read->session.expires_ms << "\n";
  return 0;
}
