// authkv tests: authkv-dump when the data or the operator's files work
// against it: two users claiming one email (verify --repair must not pick
// one), control characters in stored text (never reach the terminal raw),
// and an export written over an existing world-readable file (ends up 0600).

#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "codec.h"
#include "tool_support.h"

namespace authkv::test {
namespace {

// A store with users u1 (ann@x.io) and u2, whose stored record is then
// rewritten behind the store's back to claim ann@x.io too; the email index
// still points at u1. What a bug or a hand edit could leave.
void SeedCollision(const std::string& db) {
  {
    FakeClock clock;
    Options options;
    options.clock = &clock;
    auto store = Store::Open(db, options);
    REQUIRE_OK(store);
    REQUIRE_OK((*store)->CreateUser(MakeUser("u1", "ann@x.io")));
    REQUIRE_OK((*store)->CreateUser(MakeUser("u2", "bob@x.io")));
  }
  RawDb raw(db);
  raw.Put("users", "u2", internal::Seal("u2", internal::EncodeUser(MakeUser("u2", "Ann@x.io"))));
  raw.Delete("users_by_email", "bob@x.io");
}

VerifyOptions Repairing() {
  VerifyOptions o;
  o.repair = true;
  return o;
}

mode_t ModeOf(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("verify --repair reports two users with one email and does not choose",
          "[verify][hardening]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  SeedCollision(db);

  SECTION("an index entry pointing at one of them is left as it is") {
    Run run = RunTool({"verify", db, "--repair"});
    CHECK(run.code == 1);
    CHECK(Contains(run.err, "collision: claimed by u1 (users/7531) and u2 (users/7532)"));
    CHECK(Contains(run.err, "it points at \"u1\""));
    CHECK(run.out.empty());  // Nothing was repaired.
    RawDb raw(db);
    CHECK(raw.Get("users_by_email", "ann@x.io") == "u1");
  }
  SECTION("nor is one pointing at the user that sorts last") {
    { RawDb(db).Put("users_by_email", "ann@x.io", "u2"); }
    auto report = VerifyDatabase(db, Repairing());
    REQUIRE_OK(report);
    CHECK(report->repaired == 0);
    REQUIRE(report->problems.size() == 1);
    CHECK(Contains(report->problems[0].ToString(), "it points at \"u2\""));
    RawDb raw(db);
    CHECK(raw.Get("users_by_email", "ann@x.io") == "u2");
  }
  SECTION("and a missing entry is not filled in with either") {
    { RawDb(db).Delete("users_by_email", "ann@x.io"); }
    auto report = VerifyDatabase(db, Repairing());
    REQUIRE_OK(report);
    CHECK(report->repaired == 0);
    REQUIRE(report->problems.size() == 1);
    CHECK(Contains(report->problems[0].ToString(), "it is missing"));
    CHECK(RawDb(db).Count("users_by_email") == 0);
  }
  SECTION("once one of them has another email, repair indexes both") {
    {
      RawDb raw(db);
      raw.Put("users", "u2", internal::Seal("u2", internal::EncodeUser(MakeUser("u2", "bob@x.io"))));
    }
    auto report = VerifyDatabase(db, Repairing());
    REQUIRE_OK(report);
    CHECK(report->repaired == 1);
    CHECK(report->ok());
  }
}

TEST_CASE("stored control characters reach the terminal escaped", "[dump][hardening]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  // Written behind the store's back: validation refuses them now, but a
  // database from before may hold them.
  User evil = MakeUser("u1", "ann@x.io");
  evil.name = "Ann\x1b]0;pwned\x07\x1b[2J\x7f\xc2\x9b" "31m";
  {
    FakeClock clock;
    Options options;
    options.clock = &clock;
    auto store = Store::Open(db, options);
    REQUIRE_OK(store);
    REQUIRE_OK((*store)->CreateUser(MakeUser("u1", "ann@x.io")));
  }
  { RawDb(db).Put("users", "u1", internal::Seal("u1", internal::EncodeUser(evil))); }
  auto raw_control = [](const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '\n') continue;
      if (c < 0x20 || c == 0x7f) return true;
      if (c == 0xc2 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
        return true;
      }
    }
    return false;
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"list", db, "users"},
           {"get", db, "u1"},
           {"get", db, "u1", "--json"}}) {
    INFO(args[0] << " " << args.back());
    Run run = RunTool(args);
    CHECK(run.code == 0);
    CHECK(Contains(run.out, "Ann"));
    CHECK_FALSE(raw_control(run.out));
    CHECK_FALSE(raw_control(run.err));
  }
  CHECK(TerminalSafe("a\x1b[2Jb\tc\xc2\x9b\xff") == "a\\x1b[2Jb\\x09c\\xc2\\x9b\\xff");
  CHECK(TerminalSafe("Émile \\ ok") == "Émile \\ ok");
  CHECK(JsonQuote("\x7f\xc2\x85") == "\"\\u007f\\u0085\"");
}

TEST_CASE("export --output replaces an existing world-readable file with a 0600 one",
          "[export][hardening]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  Seed(db);
  const std::string out = dir.Sub("export.ndjson");
  WriteFile(out, "old contents\n");
  REQUIRE(::chmod(out.c_str(), 0644) == 0);
  Run run = RunTool({"export", db, "--output", out});
  CHECK(run.code == 0);
  CHECK(ModeOf(out) == 0600);
  CHECK_FALSE(Contains(ReadFile(out), "old contents"));
  CHECK(Contains(ReadFile(out), "ya29.secret"));
  // No temporary file is left next to it.
  CHECK(CountLines(RunTool({"export", db, "--output", dir.Sub("missing/x")}).err) >= 1);
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    entries += e.path().filename().string().rfind(".authkv-export-", 0) == 0;
  }
  CHECK(entries == 0);
}

}  // namespace authkv::test
