// authkv install test. Licensed under the ISC license.
//
// A C++ program built against an installed authkv through
// find_package(authkv) and authkv::core: opens a store, creates a user with a
// custom field, and reads it back by id and by email.
//
// Usage: cxx_consumer DATABASE_DIR

#include <cstdio>
#include <string>

#include "authkv/store.h"

namespace {

int Fail(const char* step, const authkv::Status& s) {
  std::fprintf(stderr, "cxx_consumer: %s: %s\n", step, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cxx_consumer DATABASE_DIR\n");
    return 2;
  }
  auto opened = authkv::Store::Open(argv[1], authkv::Options{});
  if (!opened.ok()) return Fail("open", opened.status());
  authkv::Store& store = **opened;

  authkv::User user;
  user.name = "Grace Hopper";
  user.email = "grace@example.com";
  user.extra_json = R"({"role":"ADMIN"})";
  auto created = store.CreateUser(user);
  if (!created.ok()) return Fail("CreateUser", created.status());
  if (created->id.empty()) {
    std::fprintf(stderr, "cxx_consumer: CreateUser returned no id\n");
    return 1;
  }

  auto by_id = store.GetUser(created->id);
  if (!by_id.ok()) return Fail("GetUser", by_id.status());
  auto by_email = store.GetUserByEmail("GRACE@example.com");
  if (!by_email.ok()) return Fail("GetUserByEmail", by_email.status());
  if (!(*by_id == *created) || by_email->id != created->id ||
      by_id->extra_json != R"({"role":"ADMIN"})") {
    std::fprintf(stderr, "cxx_consumer: read back a different user\n");
    return 1;
  }
  auto missing = store.GetUser("no-such-user");
  if (!missing.status().IsNotFound()) {
    std::fprintf(stderr, "cxx_consumer: a missing user is not NotFound\n");
    return 1;
  }
  std::printf("cxx_consumer: created and read user %s <%s> %s\n", by_id->id.c_str(),
              by_id->email->c_str(), by_id->extra_json.c_str());
  return 0;
}
