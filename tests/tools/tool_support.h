// authkv tests: what the authkv-dump tests share: running the built binary
// (or any helper) with its output captured, a store seeded with one record
// of every kind and shape, and reading whole files and families.

#ifndef AUTHKV_TESTS_TOOLS_TOOL_SUPPORT_H_
#define AUTHKV_TESTS_TOOLS_TOOL_SUPPORT_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "authkv/inspect.h"
#include "fixtures.h"
#include "processes.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace authkv::test {

// What a finished process left.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// Runs the built authkv-dump with `args` and waits for it.
inline Run RunTool(const std::vector<std::string>& args,
                   const std::string& stdin_path = "/dev/null") {
  TempDir io;
  std::vector<std::string> argv{AUTHKV_DUMP_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  Run run;
  run.code = Wait(Spawn(argv, io, stdin_path));
  run.out = ReadFile(io.Sub("stdout"));
  run.err = ReadFile(io.Sub("stderr"));
  return run;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// The FakeClock default: 2023-11-14T22:13:20.000Z.
inline constexpr int64_t kSeedNow = 1'700'000'000'000;

// One record of every kind, with present, null and absent fields, an
// expired and a live session and token, and an email that differs in case
// from its index key. Closed when Seed returns, so tests can reopen it.
inline void Seed(const std::string& path) {
  FakeClock clock(kSeedNow);
  Options options;
  options.clock = &clock;
  auto opened = Store::Open(path, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  Store& store = **opened;
  User ann = MakeUser("u1", "ann@example.com");
  ann.extra_json = R"({"role":"admin"})";
  REQUIRE_OK(store.CreateUser(ann));
  User bob;
  bob.id = "u2";
  bob.name = Nullable<std::string>::Null();
  bob.email = "Bob@Example.com";
  REQUIRE_OK(store.CreateUser(bob));
  REQUIRE_OK(store.LinkAccount(MakeAccount("u1", "github", "101")));
  Account google;
  google.user_id = "u2";
  google.type = "oidc";
  google.provider = "google";
  google.provider_account_id = "202";
  google.access_token = "ya29.secret";
  google.id_token = Nullable<std::string>::Null();
  REQUIRE_OK(store.LinkAccount(google));
  REQUIRE_OK(store.CreateSession(MakeSession("tok-active", "u1", kSeedNow + kHourMs)));
  REQUIRE_OK(store.CreateSession(MakeSession("tok-expired", "u1", kSeedNow - kHourMs)));
  REQUIRE_OK(store.CreateSession(MakeSession("tok-bob", "u2", kSeedNow + 2 * kHourMs)));
  REQUIRE_OK(store.CreateVerificationToken({"ann@example.com", "vt-live", kSeedNow + kHourMs}));
  REQUIRE_OK(store.CreateVerificationToken({"bob@example.com", "vt-old", kSeedNow - kHourMs}));
  REQUIRE_OK(store.CreateAuthenticator(MakeAuthenticator("cred-1", "u1")));
}

// Opens and closes the store at `path`: its recovery writes what the log
// holds into table files, so the records are in SSTs afterwards.
inline void FlushIntoTables(const std::string& path) {
  REQUIRE_OK(Store::Open(path, Options{}));
}

// REQUIREs that the backup in `backup` is private (directory 0700, files
// 0600) and shares no file with the database in `live`: each file has one
// link, and no inode of the live directory.
inline void RequirePrivateAndIndependent(const std::string& backup, const std::string& live) {
  struct stat st {};
  REQUIRE(::stat(backup.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  std::set<ino_t> live_inodes;
  for (const auto& entry : std::filesystem::directory_iterator(live)) {
    if (::stat(entry.path().c_str(), &st) == 0) live_inodes.insert(st.st_ino);
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(backup)) {
    INFO(entry.path().string());
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_nlink == 1);
    CHECK(!live_inodes.contains(st.st_ino));
    ++files;
  }
  CHECK(files > 0);
}

// Every key and value of every column family, for byte-for-byte checks.
using Contents = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;
inline Contents FamilyContents(const std::string& path) {
  RawDb raw(path);
  Contents contents;
  for (const char* family : {"default", "meta", "users", "users_by_email", "accounts", "sessions",
                             "verification_tokens", "authenticators", "user_links", "expiry"}) {
    auto& entries = contents[family];
    for (const auto& key : raw.Keys(family)) entries.emplace_back(key, raw.Get(family, key));
  }
  return contents;
}

// A verify problem line as the tool prints it.
inline std::string ProblemLine(const std::string& family, const std::string& key,
                               const std::string& reason) {
  return "authkv-dump: " + family + "/" + HexString(key) + ": " + reason;
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_TOOLS_TOOL_SUPPORT_H_
