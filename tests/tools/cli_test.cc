// authkv tests: the authkv-dump binary's subcommands on seeded databases:
// happy paths, --help, usage errors, bad directories, and the commands that
// need the database to themselves.

#include <rocksdb/db.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tool_support.h"

namespace authkv::test {
namespace {

struct SeededDir {
  TempDir dir;
  std::string db = dir.Sub("db");
  SeededDir() { Seed(db); }
};

void RequireExit(const Run& run, int code) {
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE(run.code == code);
}

}  // namespace

TEST_CASE("stats and list read a seeded database", "[cli]") {
  SeededDir s;
  Run stats = RunTool({"stats", s.db});
  RequireExit(stats, 0);
  CHECK(Contains(stats.out, "users                    2"));
  CHECK(Contains(stats.out, "schema version  " + std::to_string(kSchemaVersion)));
  CHECK(stats.err.empty());

  Run users = RunTool({"list", s.db, "users"});
  RequireExit(users, 0);
  CHECK(CountLines(users.out) == 3);
  CHECK(Contains(users.out, "u1  ann@example.com"));

  // --flag VALUE and --flag=VALUE both work.
  CHECK(CountLines(RunTool({"list", s.db, "users", "--limit", "1"}).out) == 2);
  CHECK(CountLines(RunTool({"list", s.db, "users", "--limit=1"}).out) == 2);
  Run json = RunTool({"list", "--json", s.db, "accounts", "--show-secrets"});
  RequireExit(json, 0);
  CHECK(Contains(json.out, R"("access_token":"ya29.secret")"));
  Run redacted = RunTool({"list", s.db, "accounts", "--json"});
  CHECK(Contains(redacted.out, R"("access_token":"<redacted:11 bytes>")"));
  CHECK(!Contains(redacted.out, "ya29.secret"));
  // The seeded times are in 2023, so by the wall clock both tokens expired.
  CHECK(CountLines(RunTool({"list", s.db, "tokens", "--expired", "--json"}).out) == 2);
  CHECK(CountLines(RunTool({"list", s.db, "sessions", "--user", "u1", "--json"}).out) == 2);
}

TEST_CASE("get shows users, sessions and accounts with what hangs off them", "[cli]") {
  SeededDir s;
  Run by_email = RunTool({"get", s.db, "--email", "BOB@example.com"});
  RequireExit(by_email, 0);
  CHECK(Contains(by_email.out, "  id              u2\n"));
  CHECK(Contains(by_email.out, "accounts (1)\n"));
  CHECK(Contains(by_email.out, "google    202"));

  Run tree = RunTool({"get", s.db, "u1", "--json"});
  RequireExit(tree, 0);
  CHECK(CountLines(tree.out) == 5);  // The user, 1 account, 2 sessions, 1 authenticator.

  Run session = RunTool({"get", s.db, "--token", "tok-bob"});
  RequireExit(session, 0);
  CHECK(session.out.rfind("session\n  token_sha256  " + HexString(TokenDigest("tok-bob")), 0) == 0);
  CHECK(Contains(session.out, "\nuser\n  id              u2\n"));

  Run account = RunTool({"get", s.db, "--provider", "github", "--account-id=101"});
  RequireExit(account, 0);
  CHECK(Contains(account.out, "  access_token         <redacted:10 bytes>\n"));
  CHECK(Contains(account.out, "\nuser\n  id              u1\n"));

  Run missing = RunTool({"get", s.db, "nobody"});
  RequireExit(missing, 1);
  CHECK(missing.err == "authkv-dump: no user with id nobody\n");
  Run no_session = RunTool({"get", s.db, "--token", "nope"});
  RequireExit(no_session, 1);
  CHECK(no_session.err == "authkv-dump: no session with this token\n");
}

TEST_CASE("every subcommand has --help generated from its options", "[cli]") {
  for (const char* command :
       {"stats", "list", "get", "verify", "export", "import", "backup", "purge-expired"}) {
    Run help = RunTool({command, "--help"});
    INFO(command);
    RequireExit(help, 0);
    CHECK(help.out.rfind("usage: authkv-dump " + std::string(command), 0) == 0);
    CHECK(Contains(help.out, "  --help"));
    CHECK(Contains(help.out, "DB"));
  }
  CHECK(Contains(RunTool({"list", "--help"}).out, "  --limit N"));
  CHECK(Contains(RunTool({"export", "--help"}).out, "users sign in"));
  Run top = RunTool({"--help"});
  RequireExit(top, 0);
  CHECK(Contains(top.out, "  purge-expired  "));
  RequireExit(RunTool({"help", "verify"}), 0);
}

TEST_CASE("usage errors exit 2 with one line and a pointer to --help", "[cli]") {
  SeededDir s;
  Run unknown = RunTool({"frobnicate", s.db});
  RequireExit(unknown, 2);
  CHECK(unknown.err == "authkv-dump: unknown command 'frobnicate'\nTry 'authkv-dump --help'.\n");
  RequireExit(RunTool({}), 2);
  Run kind = RunTool({"list", s.db, "widgets"});
  RequireExit(kind, 2);
  CHECK(kind.err == "authkv-dump: unknown kind 'widgets'\nTry 'authkv-dump list --help'.\n");
  CHECK(RunTool({"list", s.db, "users", "--nope"}).code == 2);
  CHECK(RunTool({"list", s.db, "users", "--limit"}).code == 2);
  CHECK(RunTool({"list", s.db, "users", "--limit=zero"}).code == 2);
  CHECK(RunTool({"list", s.db, "users", "--json=yes"}).code == 2);
  CHECK(RunTool({"list", s.db, "users", "--expired"}).code == 2);
  CHECK(RunTool({"list", s.db}).code == 2);
  CHECK(RunTool({"stats", s.db, "extra"}).code == 2);
  CHECK(RunTool({"get", s.db}).code == 2);
  CHECK(RunTool({"get", s.db, "u1", "--email", "a@b.c"}).code == 2);
  CHECK(RunTool({"export", s.db, "--format", "csv"}).code == 2);
  CHECK(RunTool({"import", s.db}).code == 2);
}

TEST_CASE("a missing, foreign or newer database is a one-line error", "[cli]") {
  TempDir dir;
  Run missing = RunTool({"stats", dir.Sub("nothing")});
  RequireExit(missing, 1);
  CHECK(missing.err == "authkv-dump: no authkv database at " + dir.Sub("nothing") + "\n");

  WriteFile(dir.Sub("notes.txt"), "hello");
  Run foreign = RunTool({"list", dir.path(), "users"});
  RequireExit(foreign, 1);
  CHECK(foreign.err ==
        "authkv-dump: " + dir.path() + " is not an authkv database (no RocksDB in it)\n");

  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.Sub("plain"), &raw).ok());
    delete raw;
  }
  Run plain = RunTool({"verify", dir.Sub("plain")});
  RequireExit(plain, 1);
  CHECK(Contains(plain.err, "is a RocksDB database but not an authkv one"));

  Seed(dir.Sub("db"));
  {
    RawDb raw(dir.Sub("db"));
    raw.Put("meta", "schema_version", std::to_string(kSchemaVersion + 1));
  }
  for (const char* command : {"stats", "verify", "export"}) {
    Run newer = RunTool({command, dir.Sub("db")});
    INFO(command);
    RequireExit(newer, 1);
    CHECK(newer.err == "authkv-dump: database schema version " +
                           std::to_string(kSchemaVersion + 1) +
                           " is newer than this authkv supports (" +
                           std::to_string(kSchemaVersion) + "); use a newer authkv-dump\n");
  }
}

TEST_CASE("purge-expired deletes expired sessions and tokens", "[cli]") {
  SeededDir s;
  // Everything seeded is in 2023: by the wall clock, all of it has expired.
  Run purge = RunTool({"purge-expired", s.db});
  RequireExit(purge, 0);
  CHECK(purge.out == "purged 3 sessions and 2 verification tokens\n");
  CHECK(CountLines(RunTool({"list", s.db, "sessions", "--json"}).out) == 0);
  RequireExit(RunTool({"verify", s.db}), 0);
}

TEST_CASE("backup of a closed database is a checkpoint that opens", "[cli]") {
  SeededDir s;
  Run backup = RunTool({"backup", s.db, s.dir.Sub("copy")});
  RequireExit(backup, 0);
  CHECK(Contains(backup.out, "(RocksDB checkpoint)"));
  RequireExit(RunTool({"verify", s.dir.Sub("copy")}), 0);
  CHECK(FamilyContents(s.dir.Sub("copy")) == FamilyContents(s.db));
  Run again = RunTool({"backup", s.db, s.dir.Sub("copy")});
  RequireExit(again, 1);
  CHECK(Contains(again.err, "already exists"));
}

TEST_CASE("writing subcommands refuse a database another process holds", "[cli]") {
  SeededDir s;
  auto store = Store::Open(s.db, Options{});
  REQUIRE_OK(store);
  for (auto args : std::vector<std::vector<std::string>>{{"verify", s.db, "--repair"},
                                                         {"purge-expired", s.db}}) {
    Run run = RunTool(args);
    INFO(args[0]);
    RequireExit(run, 1);
    CHECK(Contains(run.err, "authkv-dump: database is open in another process: " + s.db));
  }
  // Reading works beside it, and backup falls back to a logical copy.
  RequireExit(RunTool({"verify", s.db}), 0);
  Run backup = RunTool({"backup", s.db, s.dir.Sub("copy")});
  RequireExit(backup, 0);
  CHECK(Contains(backup.out, "(logical copy: the database is open in another process)"));
  store->reset();
  RequireExit(RunTool({"verify", s.dir.Sub("copy")}), 0);
  CHECK(FamilyContents(s.dir.Sub("copy")) == FamilyContents(s.db));
}

TEST_CASE("export --output creates a file only its owner can read", "[cli]") {
  SeededDir s;
  const std::string file = s.dir.Sub("export.ndjson");
  RequireExit(RunTool({"export", s.db, "--output", file}), 0);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(CountLines(ReadFile(file)) == 1 + 2 + 2 + 3 + 2 + 1);
}

}  // namespace authkv::test
