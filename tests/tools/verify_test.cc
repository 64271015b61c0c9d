// authkv tests: verify finds damage planted on purpose (a corrupted value, a
// dangling index entry, a missing index entry, an orphan session), both as
// a library call and through the binary, and --repair fixes the index ones.

#include <catch2/catch.hpp>

#include "codec.h"
#include "files.h"
#include "tool_support.h"
#include "v1_db.h"

namespace authkv::test {
namespace {

// keys.h's layout, spelled out: the tests damage the database from outside.
std::string UserLink(const std::string& user, char kind, const std::string& child) {
  return user + std::string(1, '\0') + kind + std::string(1, '\0') + child;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

}  // namespace

TEST_CASE("verify is silent on a sound database", "[verify]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  auto report = VerifyDatabase(dir.Sub("db"), VerifyOptions{});
  REQUIRE_OK(report);
  CHECK(report->ok());
  CHECK(report->records == 10);
  CHECK(report->index_entries == 2 + 6 + 5);  // Emails, links, expiry entries.
  Run run = RunTool({"verify", dir.Sub("db")});
  CHECK(run.code == 0);
  CHECK(run.out.empty());
  CHECK(run.err.empty());
}

TEST_CASE("verify reports a value that fails its checksum, and goes on", "[verify]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  {
    RawDb raw(dir.Sub("db"));
    std::string value = raw.Get("authenticators", "cred-1");
    value[value.size() / 2] ^= 0x40;
    raw.Put("authenticators", "cred-1", value);
  }
  Run run = RunTool({"verify", dir.Sub("db")});
  CHECK(run.code == 1);
  // Its index entry is left alone: the record is there, only unreadable.
  CHECK(Lines(run.err) == std::vector<std::string>{
                              ProblemLine("authenticators", "cred-1",
                                "value: checksum mismatch (damaged, or stored under another key)")});
  // Listing shows every other record and reports the bad one the same way.
  Run list = RunTool({"list", dir.Sub("db"), "authenticators"});
  CHECK(list.code == 1);
  CHECK(CountLines(list.out) == 1);  // The header only.
  CHECK(Contains(list.err, ProblemLine("authenticators", "cred-1",
                                "value: checksum mismatch (damaged, or stored under another key)")));
  Run users = RunTool({"list", dir.Sub("db"), "users"});
  CHECK(users.code == 0);
  // --repair cannot fix a value, and says it is still there.
  Run repair = RunTool({"verify", dir.Sub("db"), "--repair"});
  CHECK(repair.code == 1);
  CHECK(repair.out.empty());
}

TEST_CASE("verify reports values that fail the verifier or sit under the wrong key", "[verify]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  {
    RawDb raw(dir.Sub("db"));
    // Good envelopes (the checksum matches) around a non-FlatBuffer, and
    // around a sound user stored under another user's key.
    const std::string token_key = std::string("x@y.z") + '\0' + TokenDigest("t");
    raw.Put("verification_tokens", token_key, internal::Seal(token_key, "not a flatbuffer at all"));
    User stray = MakeUser("u1", "stray@example.com");
    raw.Put("users", "u7", internal::Seal("u7", internal::EncodeUser(stray)));
  }
  Run run = RunTool({"verify", dir.Sub("db")});
  CHECK(run.code == 1);
  CHECK(Lines(run.err) ==
        std::vector<std::string>{
            ProblemLine("users", "u7", "key does not match the value's id"),
            ProblemLine("verification_tokens", std::string("x@y.z") + '\0' + TokenDigest("t"),
                        "VerificationToken: wrong file identifier (want AKVT)")});
}

TEST_CASE("verify finds dangling and missing index entries, and --repair fixes them", "[verify]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  Seed(db);
  const auto before = FamilyContents(db);
  const std::string link = UserLink("u1", 'w', "cred-1");
  {
    RawDb raw(db);
    raw.Put("users_by_email", "ghost@example.com", "u9");  // Dangling.
    raw.Delete("user_links", link);                        // Missing.
  }
  auto report = VerifyDatabase(db, VerifyOptions{});
  REQUIRE_OK(report);
  CHECK(report->problems.size() == 2);
  Run run = RunTool({"verify", db});
  CHECK(run.code == 1);
  CHECK(
      Lines(run.err) ==
      std::vector<std::string>{
          ProblemLine("users_by_email", "ghost@example.com", "dangling: points at missing user u9"),
          ProblemLine("user_links", link,
                      "missing: the index entry of authenticators/" + HexString("cred-1"))});

  Run repair = RunTool({"verify", db, "--repair"});
  CHECK(repair.code == 0);
  CHECK(repair.out == "repaired 2 index entries\n");
  CHECK(repair.err.empty());
  CHECK(RunTool({"verify", db}).code == 0);
  CHECK(FamilyContents(db) == before);
}

TEST_CASE("verify finds an orphan session and an index entry with a wrong value", "[verify]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  Seed(db);
  {
    RawDb raw(db);
    raw.Delete("users", "u2");  // Leaves u2's account and session orphaned...
    raw.Put("users_by_email", "bob@example.com", "u1");  // ...and its email on u1.
  }
  Run run = RunTool({"verify", db});
  CHECK(run.code == 1);
  const auto lines = Lines(run.err);
  CHECK(lines.size() == 3);
  CHECK(Contains(run.err, ProblemLine("accounts", std::string("google") + '\0' + "202",
                                      "orphan: its user u2 does not exist")));
  CHECK(Contains(run.err, ProblemLine("sessions", TokenDigest("tok-bob"),
                                      "orphan: its user u2 does not exist")));
  CHECK(Contains(run.err, ProblemLine("users_by_email", "bob@example.com",
                                      "dangling: points at user u1, whose email does not "
                                      "index here")));
  // Repair drops the wrong entry; the orphans stay (an index rebuild cannot
  // bring a user back) and are reported.
  auto inspector = Inspector::Open(db, [] {
    InspectOptions o;
    o.mode = OpenMode::kPrimary;
    return o;
  }());
  REQUIRE_OK(inspector);
  VerifyOptions repair;
  repair.repair = true;
  auto report = (*inspector)->Verify(repair);
  REQUIRE_OK(report);
  CHECK(report->repaired == 1);
  CHECK(report->problems.size() == 2);
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("verify refuses a version 1 database until `upgrade` has run", "[verify][upgrade]") {
  TempDir dir;
  Seed(dir.Sub("db"));
  RewriteAsV1(dir.Sub("db"), EmailMatch::kCaseInsensitive);
  Run before = RunTool({"verify", dir.Sub("db")});
  CHECK(before.code == 1);
  CHECK(before.err.find("schema version 1, which must be upgraded") != std::string::npos);
  CHECK(before.err.find("authkv-dump upgrade") != std::string::npos);
  Run upgraded = RunTool({"upgrade", dir.Sub("db")});
  CHECK(upgraded.code == 0);
  CHECK(upgraded.out == dir.Sub("db") + " is at schema version " +
                            std::to_string(kSchemaVersion) + "\n");
  Run after = RunTool({"verify", dir.Sub("db")});
  CHECK(after.code == 0);
  CHECK(after.err.empty());
}

TEST_CASE("verify checks every table file's block checksums and names a damaged one",
          "[verify][damage]") {
  TempDir dir;
  const std::string db = dir.Sub("db");
  Seed(db);
  FlushIntoTables(db);
  const auto tables = FilesEndingWith(db, ".sst");
  REQUIRE(!tables.empty());
  auto sound = VerifyDatabase(db, VerifyOptions{});
  REQUIRE_OK(sound);
  CHECK(sound->ok());
  CHECK(sound->files == tables.size());

  const std::string sst = LargestFileEndingWith(db, ".sst");
  FlipByte(sst, 10);  // Inside the first data block.
  Run run = RunTool({"verify", db});
  INFO(run.err);
  CHECK(run.code == 1);
  CHECK(Contains(run.err, "authkv-dump: table file " + sst + ": "));
  CHECK(Contains(run.err, "checksum mismatch"));
  // A repair would rebuild indexes from records it cannot all read: none.
  Run repair = RunTool({"verify", db, "--repair"});
  CHECK(repair.code == 1);
  CHECK(Contains(repair.err, "not repaired: its files are damaged"));
  CHECK(!Contains(repair.out, "repaired"));
}

}  // namespace authkv::test
