// authkv tests: a backup is private, shares no file with the live database
// (so damage to a live table file does not reach it), and is verified
// before it is put in place.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "files.h"
#include "tool_support.h"

namespace authkv::test {
namespace {

// Sets the process umask for the scope (RunTool's children inherit it).
class Umask {
 public:
  explicit Umask(mode_t mask) : saved_(::umask(mask)) {}
  ~Umask() { ::umask(saved_); }

 private:
  mode_t saved_;
};

bool AnyPartialLeft(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (Contains(entry.path().filename().string(), ".partial-")) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a backup is private and independent of the live files, whatever the umask",
          "[backup]") {
  TempDir dir;
  const std::string db = dir.Sub("db"), backup = dir.Sub("backup");
  Seed(db);
  FlushIntoTables(db);
  REQUIRE(!FilesEndingWith(db, ".sst").empty());
  {
    Umask open_to_all(0);
    Run run = RunTool({"backup", db, backup});
    INFO(run.err);
    REQUIRE(run.code == 0);
    CHECK(Contains(run.out, "(RocksDB checkpoint)"));
  }
  RequirePrivateAndIndependent(backup, db);
  CHECK(!AnyPartialLeft(dir.path()));

  const auto contents = FamilyContents(db);
  // Damage to a live table file is the live database's alone.
  FlipByte(LargestFileEndingWith(db, ".sst"), 10);
  CHECK(RunTool({"verify", db}).code == 1);
  Run verify = RunTool({"verify", backup});
  INFO(verify.err);
  CHECK(verify.code == 0);
  CHECK(FamilyContents(backup) == contents);
}

TEST_CASE("a backup that fails verification is removed and the backup fails", "[backup]") {
  TempDir dir;
  const std::string db = dir.Sub("db"), backup = dir.Sub("backup");
  Seed(db);
  {
    RawDb raw(db);
    std::string value = raw.Get("users", "u1");
    value[value.size() / 2] ^= 0x40;
    raw.Put("users", "u1", value);
  }
  Run run = RunTool({"backup", db, backup});
  INFO(run.out << run.err);
  CHECK(run.code == 1);
  CHECK(Contains(run.err, "the backup failed verification, so it was removed"));
  CHECK(Contains(run.err, "value: checksum mismatch"));
  CHECK(!std::filesystem::exists(backup));
  CHECK(!AnyPartialLeft(dir.path()));
}

}  // namespace authkv::test
