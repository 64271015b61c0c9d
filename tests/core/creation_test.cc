// Atomic creation (core/src/creation.h): a database directory is either
// absent or complete. A process killed at a random moment of its first open
// leaves something the next open finishes, each step a creation can be cut
// after is finished or treated as absent, and a directory that holds
// records is never re-created over, whatever is missing from it.
//
// Rounds of the kill test: 40, or 400 with AUTHKV_LONG=1.

#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fixtures.h"
#include "keys.h"
#include "processes.h"
#include "raw_db.h"
#include "verified.h"

namespace authkv::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool HasFiles(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && !fs::is_empty(path, ec);
}

// A RocksDB database at `path` with the given families and nothing in them:
// what RocksDB has written when a creation is cut after its last family.
void MakeBlankRocksDb(const std::string& path, const std::vector<std::string>& families) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : families) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

// RocksDB writes its OPTIONS file only once every family of an open exists;
// a creation cut while it made the families has none yet.
void RemoveOptionsFiles(const std::string& path) {
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().filename().string().rfind("OPTIONS-", 0) == 0) fs::remove(entry.path());
  }
}

std::vector<std::string> AllFamilies() {
  return {internal::kFamilyNames.begin(), internal::kFamilyNames.end()};
}

void RequireFinished(const std::string& path) {
  auto opened = Store::Open(path, Options{});
  REQUIRE_OK(opened);
  REQUIRE((*opened)->schema_version() == kSchemaVersion);
  REQUIRE_OK((*opened)->CreateUser(MakeUser("u1", "a@x.io")));
  opened->reset();
  RequireVerified(path);
}

// Opens that must not finish a creation see nothing there.
void RequireAbsentToNonCreatingOpens(const std::string& path) {
  Options read_only;
  read_only.read_only = true;
  REQUIRE_CODE(Store::Open(path, read_only), Code::kNotFound);
  Options no_create;
  no_create.create_if_missing = false;
  REQUIRE_CODE(Store::Open(path, no_create), Code::kNotFound);
}

}  // namespace

TEST_CASE("a process killed during its first open leaves a directory the next open finishes",
          "[creation][crash]") {
  const int rounds = CrashRounds(40, 400);
  // One run to the end sets the range of kill delays: up to a little past
  // the time a whole run (exec, create, one write) takes here.
  TempDir calibration;
  const auto started = Clock::now();
  REQUIRE(Wait(Spawn({AUTHKV_OPEN_CHILD_BIN, calibration.Sub("db"), "nosync"}, calibration)) == 0);
  const auto whole_run = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - started);
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int64_t> delay_us(0, whole_run.count() * 5 / 4);
  int cut_short = 0;  // Kills that left files behind.
  for (int round = 0; round < rounds; ++round) {
    TempDir dir;
    const std::string path = dir.Sub("db");
    const char* sync = round % 2 ? "sync" : "nosync";
    // Up to three kills in a row on one directory: finishing a cut creation
    // must survive a kill as well.
    const int kills = 1 + round % 3;
    int code = 0;
    for (int k = 0; k < kills; ++k) {
      const auto delay = std::chrono::microseconds(delay_us(rng));
      code = KillAfter(Spawn({AUTHKV_OPEN_CHILD_BIN, path, sync}, dir), delay);
      INFO("round " << round << " kill " << k << " after " << delay.count() << " us ("
                    << sync << "): exit " << code << " " << ReadText(dir.Sub("stderr")));
      REQUIRE((code == 0 || code == kKilled));
      if (code == kKilled && HasFiles(path)) ++cut_short;
    }
    INFO("round " << round << " (" << sync << ")");
    auto reopened = Store::Open(path, Options{});
    REQUIRE_OK(reopened);
    if (code == 0) REQUIRE_OK((*reopened)->GetUser("u1"));
    reopened->reset();
    RequireVerified(path);
  }
  INFO(cut_short << " of the kills left files behind; a whole run takes "
                 << whole_run.count() << " us");
  REQUIRE(cut_short >= rounds / 4);
}

TEST_CASE("a database that lost its schema version but holds records is refused, not recreated",
          "[creation]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  f.Close();
  SECTION("schema_version gone") {
    RawDb raw(f.path());
    raw.Delete("meta", std::string(internal::kMetaSchemaVersion));
  }
  SECTION("all of meta gone") {
    RawDb raw(f.path());
    raw.Delete("meta", std::string(internal::kMetaSchemaVersion));
    raw.Delete("meta", std::string(internal::kMetaEmailMatch));
  }
  REQUIRE_CODE(Store::Open(f.path(), Options{}), Code::kCorruption);
  Options read_only;
  read_only.read_only = true;
  REQUIRE_CODE(Store::Open(f.path(), read_only), Code::kCorruption);
  RawDb raw(f.path());  // Nothing was written over it.
  REQUIRE(raw.Count("users") == 1);
  REQUIRE(raw.Count("meta") <= 1);
}

TEST_CASE("a creation cut after its families, before meta, is finished by the next open",
          "[creation]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  MakeBlankRocksDb(path, AllFamilies());
  RequireAbsentToNonCreatingOpens(path);
  SECTION("with the email matching the finishing open asks for") {
    Options exact;
    exact.email_match = EmailMatch::kExact;
    auto opened = Store::Open(path, exact);
    REQUIRE_OK(opened);
    opened->reset();
    RawDb raw(path);
    REQUIRE(raw.Get("meta", std::string(internal::kMetaEmailMatch)) == "exact");
  }
  SECTION("and is then an ordinary database") { RequireFinished(path); }
}

TEST_CASE("a creation cut while RocksDB made the families is finished by the next open",
          "[creation]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  SECTION("before the meta family") {
    MakeBlankRocksDb(path, {"default"});
  }
  SECTION("after a few families") {
    MakeBlankRocksDb(path, {"default", "meta", "users"});
  }
  RemoveOptionsFiles(path);
  RequireAbsentToNonCreatingOpens(path);
  RequireFinished(path);
}

TEST_CASE("a creation cut before RocksDB wrote CURRENT is finished by the next open",
          "[creation]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  fs::create_directories(path);
  // What RocksDB leaves before CURRENT names a MANIFEST: its LOCK, its info
  // log, a MANIFEST cut anywhere, the temporary CURRENT.
  std::ofstream(path + "/LOCK");
  std::ofstream(path + "/LOG") << "2026/12/02-16:00:00.000000 1 RocksDB version: 7.8.3\n";
  std::ofstream(path + "/MANIFEST-000001") << std::string(7, '\x01');
  std::ofstream(path + "/000001.dbtmp") << "MANIFEST-0000";
  RequireAbsentToNonCreatingOpens(path);
  RequireFinished(path);
}

TEST_CASE("what a creation cannot have left is still refused", "[creation]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  SECTION("table files without CURRENT") {
    fs::create_directories(path);
    std::ofstream(path + "/LOCK");
    std::ofstream(path + "/000007.sst") << "data";
    REQUIRE_CODE(Store::Open(path, Options{}), Code::kInvalidArgument);
    REQUIRE(fs::exists(path + "/000007.sst"));
  }
  SECTION("a plain RocksDB database with a record and no OPTIONS file") {
    MakeBlankRocksDb(path, {"default"});
    {
      RawDb raw(path);
      raw.Put("default", "k", "v");
    }
    RemoveOptionsFiles(path);
    REQUIRE_CODE(Store::Open(path, Options{}), Code::kInvalidArgument);
    RawDb raw(path);
    REQUIRE(raw.Count("default") == 1);
  }
  SECTION("an authkv database with records and a family missing is not taken for new") {
    MakeBlankRocksDb(path, {"default", "meta", "users"});
    {
      RawDb raw(path);
      raw.Put("users", "u1", "not an envelope");
    }
    RemoveOptionsFiles(path);
    REQUIRE_CODE(Store::Open(path, Options{}), Code::kCorruption);
    RawDb raw(path);
    REQUIRE(raw.Count("users") == 1);
  }
}

}  // namespace authkv::test
