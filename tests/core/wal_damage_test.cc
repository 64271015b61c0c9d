// authkv tests: a damaged write-ahead log is refused, a torn tail is not.
//
// With `sync` on, every acknowledged write is in the WAL when the store
// closes (RocksDB flushes on close only what was written without a WAL), so
// the damage below hits acknowledged writes. Opening past it, as RocksDB's
// default recovery does, would lose them without a word.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "authkv/inspect.h"
#include "files.h"
#include "fixtures.h"

namespace authkv::test {
namespace {

constexpr int kUsers = 400;

std::string UserId(int i) { return "u" + std::to_string(1000 + i); }

// Writes kUsers users with sync on and closes; returns the WAL holding them.
std::string WriteUsersAndClose(StoreFixture& f) {
  for (int i = 0; i < kUsers; ++i) {
    REQUIRE_OK(f.store->CreateUser(MakeUser(UserId(i), UserId(i) + "@example.com")));
  }
  f.Close();
  return LargestFileEndingWith(f.path(), ".log");
}

// Every file of `dir` but RocksDB's info logs (LOG, LOG.old.*), with its
// bytes.
std::map<std::string, std::string> DataFiles(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("LOG", 0) == 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[name].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

Options Synced() {
  Options o;
  o.sync = true;
  return o;
}

}  // namespace

TEST_CASE("a flipped byte in the middle of the WAL fails the open with Corruption naming it",
          "[damage]") {
  StoreFixture f(Synced());
  const std::string wal = WriteUsersAndClose(f);
  FlipByte(wal, std::filesystem::file_size(wal) / 2);
  const std::string name = std::filesystem::path(wal).filename().string();
  const auto before = DataFiles(f.path());

  Options reopen;
  reopen.clock = &f.clock;
  for (bool read_only : {false, true}) {
    INFO("read_only " << read_only);
    reopen.read_only = read_only;
    auto opened = Store::Open(f.path(), reopen);
    INFO(opened.status().ToString());
    REQUIRE(opened.status().IsCorruption());
    const std::string message(opened.status().message());
    CHECK(message.find(name) != std::string::npos);
    CHECK(message.find("authkv-dump salvage " + f.path()) != std::string::npos);
  }
  // The refusal changed no file but RocksDB's info log: the damaged log is
  // still there to salvage.
  CHECK(DataFiles(f.path()) == before);

  // The tools refuse it too, whichever way they open it.
  auto verified = VerifyDatabase(f.path(), VerifyOptions{});
  INFO(verified.status().ToString());
  CHECK((!verified.ok() || !verified->ok()));
  InspectOptions primary;
  primary.mode = OpenMode::kPrimary;
  auto inspector = Inspector::Open(f.path(), primary);
  INFO(inspector.status().ToString());
  CHECK(inspector.status().IsCorruption());
  CHECK(std::string(inspector.status().message()).find(name) != std::string::npos);
}

TEST_CASE("a WAL cut short inside its last record opens and loses only that record",
          "[damage]") {
  StoreFixture f(Synced());
  const std::string wal = WriteUsersAndClose(f);
  // A crash mid-append leaves the last record incomplete.
  TruncateFile(wal, std::filesystem::file_size(wal) - 10);

  f.Open(Synced());
  for (int i = 0; i + 1 < kUsers; ++i) REQUIRE_OK(f.store->GetUser(UserId(i)));
  REQUIRE_CODE(f.store->GetUser(UserId(kUsers - 1)), Code::kNotFound);
  // The store goes on: the lost user can be written again.
  REQUIRE_OK(f.store->CreateUser(MakeUser(UserId(kUsers - 1), "again@example.com")));
}

}  // namespace authkv::test
