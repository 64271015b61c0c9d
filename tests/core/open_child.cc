// authkv tests: the process the creation crash test kills. It opens (and so,
// the first time, creates) a store, writes one user and exits 0; the test
// sends SIGKILL at a random moment of that.
//
// Usage: authkv_test_open_child DB sync|nosync

#include <iostream>
#include <string>

#include "authkv/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: authkv_test_open_child DB sync|nosync\n";
    return 2;
  }
  authkv::Options options;
  options.sync = std::string(argv[2]) == "sync";
  auto opened = authkv::Store::Open(argv[1], options);
  if (!opened.ok()) {
    std::cerr << "open: " << opened.status().ToString() << "\n";
    return 1;
  }
  authkv::User user;
  user.id = "u1";
  user.email = "ann@example.com";
  auto created = (*opened)->CreateUser(user);
  // A kill between the write and its acknowledgement can leave the user in
  // place for an earlier, killed run; that one is already there.
  if (!created.ok() && !created.status().IsAlreadyExists()) {
    std::cerr << "create user: " << created.status().ToString() << "\n";
    return 1;
  }
  return 0;
}
