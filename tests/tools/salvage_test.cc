// authkv tests: authkv-dump salvage keeps what is intact in a damaged
// database, says what it lost, and never changes the damaged directory.

#include <catch2/catch.hpp>

#include <filesystem>

#include "files.h"
#include "tool_support.h"
#include "verified.h"

namespace authkv::test {
namespace {

constexpr int kUsers = 400;

std::string UserId(int i) { return "u" + std::to_string(1000 + i); }
std::string TokenOf(int i) { return "tok-" + UserId(i); }

// Every file in `dir` with its bytes, to show salvage left it as it was.
std::map<std::string, std::string> DirContents(const std::string& dir) {
  std::map<std::string, std::string> contents;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    contents[entry.path().filename().string()] = ReadFile(entry.path().string());
  }
  return contents;
}

// Whether salvage's private copy was left behind in `dir`.
bool AnySalvageCopyLeft(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (Contains(entry.path().filename().string(), ".salvage-")) return true;
  }
  return false;
}

Result<std::unique_ptr<Store>> OpenAt(const std::string& path, FakeClock& clock) {
  Options options;
  options.clock = &clock;
  options.create_if_missing = false;
  return Store::Open(path, options);
}

}  // namespace

TEST_CASE("salvage keeps every intact record of a database whose WAL is damaged mid-way",
          "[salvage]") {
  TempDir dir;
  const std::string db = dir.Sub("db"), salvaged = dir.Sub("salvaged");
  FakeClock clock(kSeedNow);
  {
    Options options;
    options.clock = &clock;
    options.sync = true;
    auto store = Store::Open(db, options);
    REQUIRE_OK(store);
    for (int i = 0; i < kUsers; ++i) {
      REQUIRE_OK((*store)->CreateUser(MakeUser(UserId(i), UserId(i) + "@example.com")));
      REQUIRE_OK((*store)->CreateSession(MakeSession(TokenOf(i), UserId(i), kSeedNow + kHourMs)));
    }
  }
  const std::string wal = LargestFileEndingWith(db, ".log");
  FlipByte(wal, std::filesystem::file_size(wal) / 2);
  REQUIRE_CODE(OpenAt(db, clock), Code::kCorruption);
  const auto before = DirContents(db);

  Run run = RunTool({"salvage", db, salvaged});
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  CHECK(DirContents(db) == before);
  CHECK(!AnySalvageCopyLeft(dir.path()));
  CHECK(Contains(run.err, "authkv-dump: write-ahead log " + wal + ": checksum mismatch"));
  CHECK(Contains(run.out, "verified " + salvaged + ": no problems"));
  RequireVerified(salvaged);

  auto store = OpenAt(salvaged, clock);
  REQUIRE_OK(store);
  int lost = 0;
  for (int i = 0; i < kUsers; ++i) {
    auto user = (*store)->GetUser(UserId(i));
    if (user.status().IsNotFound()) {
      ++lost;
      continue;
    }
    REQUIRE_OK(user);
    CHECK(*user == MakeUser(UserId(i), UserId(i) + "@example.com"));
  }
  // RocksDB skips the rest of the 32 KiB log block that holds the damage:
  // some users, never most of them.
  CHECK(lost > 0);
  CHECK(lost < kUsers / 4);
  // The writes after the damage are kept (stopping at it would lose them).
  REQUIRE_OK((*store)->GetUser(UserId(kUsers - 1)));
  REQUIRE_OK((*store)->GetSessionAndUser(TokenOf(kUsers - 1)));
  CHECK(Contains(run.out, "recovered " + std::to_string(kUsers - lost) + " users"));
}

TEST_CASE("salvage leaves out a record that fails its checksum and the children it strands",
          "[salvage]") {
  TempDir dir;
  const std::string db = dir.Sub("db"), salvaged = dir.Sub("salvaged");
  Seed(db);
  {
    RawDb raw(db);
    std::string value = raw.Get("users", "u2");
    value[value.size() / 2] ^= 0x40;
    raw.Put("users", "u2", value);
  }
  const auto before = DirContents(db);
  Run run = RunTool({"salvage", db, salvaged});
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  CHECK(DirContents(db) == before);
  CHECK(Contains(run.err, ProblemLine("users", "u2", "value: checksum mismatch")));
  // Bob's account and session have no user to belong to in the new database.
  CHECK(Contains(run.err, "left out: its user u2 is not in the import"));
  CHECK(Contains(run.out,
                 "recovered 1 users, 1 accounts, 2 sessions, 2 verification tokens, "
                 "1 authenticators"));
  RequireVerified(salvaged);
  FakeClock clock(kSeedNow);
  auto store = OpenAt(salvaged, clock);
  REQUIRE_OK(store);
  REQUIRE_OK((*store)->GetSessionAndUser("tok-active"));
  REQUIRE_CODE((*store)->GetUser("u2"), Code::kNotFound);
}

TEST_CASE("salvage of a damaged table file sets it aside through RocksDB's repair, and says so",
          "[salvage]") {
  TempDir dir;
  const std::string db = dir.Sub("db"), salvaged = dir.Sub("salvaged");
  Seed(db);
  FlushIntoTables(db);
  std::string sst;
  {
    RawDb raw(db);
    const auto tables = raw.TableFiles("sessions");
    REQUIRE(tables.size() == 1);
    sst = tables[0];
  }
  FlipByte(sst, 10);  // Inside the first data block.
  const auto before = DirContents(db);
  Run run = RunTool({"salvage", db, salvaged});
  INFO(run.out << run.err);
  CHECK(run.code == 0);
  CHECK(DirContents(db) == before);
  CHECK(Contains(run.out, "RocksDB's repair had to rebuild the copy"));
  CHECK(Contains(run.err, "authkv-dump: table file " +
                              std::filesystem::path(sst).filename().string() + ": "));
  // The sessions were all in that file; everything else is kept.
  CHECK(Contains(run.out,
                 "recovered 2 users, 2 accounts, 0 sessions, 2 verification tokens, "
                 "1 authenticators"));
  RequireVerified(salvaged);
}

TEST_CASE("salvage refuses a target that exists and a source that does not", "[salvage]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  std::filesystem::create_directory(dir.Sub("taken"));
  Run taken = RunTool({"salvage", dir.Sub("db"), dir.Sub("taken")});
  CHECK(taken.code == 1);
  CHECK(Contains(taken.err, "already exists"));
  Run missing = RunTool({"salvage", dir.Sub("nothing"), dir.Sub("new")});
  CHECK(missing.code == 1);
  CHECK(!std::filesystem::exists(dir.Sub("new")));
}

}  // namespace authkv::test
