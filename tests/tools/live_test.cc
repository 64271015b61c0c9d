// authkv tests: read-only subcommands against a database that another
// process keeps writing. Every run must succeed and see one consistent
// state: verify finds nothing, counts agree, and an export is complete
// enough to import on its own.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "tool_support.h"

namespace authkv::test {
namespace {

// The number after "\"<name>\":" in a JSON text.
uint64_t JsonNumber(const std::string& json, const std::string& name) {
  const size_t at = json.find("\"" + name + "\":");
  REQUIRE(at != std::string::npos);
  return std::stoull(json.substr(at + name.size() + 3));
}

// A second process writing the store until the test ends.
class LiveWriter {
 public:
  explicit LiveWriter(const std::string& db) {
    pid_ = Spawn({AUTHKV_LIVE_WRITER_BIN, db, io_.Sub("ready"), io_.Sub("stop")}, io_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(io_.Sub("ready"))) {
      REQUIRE(std::chrono::steady_clock::now() < give_up);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Stops the writer and returns its exit code.
  int Stop() {
    WriteFile(io_.Sub("stop"), "");
    const int code = Wait(pid_);
    pid_ = 0;
    INFO(ReadFile(io_.Sub("stderr")));
    return code;
  }
  ~LiveWriter() {
    if (pid_ != 0) Stop();
  }

 private:
  TempDir io_;
  pid_t pid_ = 0;
};

}  // namespace

TEST_CASE("read-only subcommands see a consistent view while another process writes", "[live]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  LiveWriter writer(db);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    Run verify = RunTool({"verify", db});
    INFO(verify.err);
    CHECK(verify.code == 0);
    CHECK(verify.err.empty());

    Run stats = RunTool({"stats", db, "--json"});
    REQUIRE(stats.code == 0);
    // The writer's order (live_writer.cc) bounds what a consistent view
    // can hold; a torn cascade or a half-seen batch would break it.
    const uint64_t users = JsonNumber(stats.out, "users");
    const uint64_t accounts = JsonNumber(stats.out, "accounts");
    const uint64_t sessions = JsonNumber(stats.out, "sessions");
    CHECK(users > 0);
    CHECK(users >= accounts);
    CHECK(accounts >= sessions);
    CHECK(users - sessions <= 1);

    // The export holds every user its accounts and sessions point at:
    // import checks exactly that before it writes anything.
    const std::string file = dir.Sub("export-" + std::to_string(round));
    REQUIRE(RunTool({"export", db, "--output", file}).code == 0);
    Run import = RunTool({"import", dir.Sub("copy-" + std::to_string(round)), file});
    INFO(import.err);
    CHECK(import.code == 0);

    Run list = RunTool({"list", db, "users", "--json"});
    CHECK(list.code == 0);
    CHECK(CountLines(list.out) > 0);
  }
  Run backup = RunTool({"backup", db, dir.Sub("backup")});
  INFO(backup.err);
  CHECK(backup.code == 0);
  CHECK(Contains(backup.out, "logical copy"));
  RequirePrivateAndIndependent(dir.Sub("backup"), db);
  CHECK(RunTool({"verify", dir.Sub("backup")}).code == 0);
  CHECK(writer.Stop() == 0);
  CHECK(RunTool({"verify", db}).code == 0);
}

}  // namespace authkv::test
