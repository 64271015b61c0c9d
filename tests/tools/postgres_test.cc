// authkv tests: `export --format sql` loads into a real PostgreSQL. The test
// starts a throwaway server (initdb + pg_ctl, as the postgres user when run
// as root, on a Unix socket in a temporary directory, no TCP), loads the
// export with psql, checks the rows, and stops the server.
//
// It needs Debian's `postgresql` package; without it the test exits with
// code 77, which CTest reports as skipped (SKIP_RETURN_CODE), saying why.

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "tool_support.h"

namespace authkv::test {
namespace {

namespace fs = std::filesystem;

constexpr int kSkip = 77;

[[noreturn]] void Skip(const std::string& why) {
  std::cerr << "SKIPPED: " << why << "\n";
  std::exit(kSkip);
}

// The newest /usr/lib/postgresql/<version>/bin that has initdb.
std::string PostgresBinDir() {
  std::error_code ec;
  std::string best;
  int best_version = -1;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    const int v = std::atoi(version.c_str());
    if (v > best_version && fs::exists(entry.path() / "bin" / "initdb", ec)) {
      best_version = v;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

// Runs a command to completion; `as_postgres` runs it as that user (the
// server refuses to run as root).
Run Command(std::vector<std::string> argv, bool as_postgres) {
  if (as_postgres && ::geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  }
  TempDir io;
  Run run;
  run.code = Wait(Spawn(argv, io));
  run.out = ReadFile(io.Sub("stdout"));
  run.err = ReadFile(io.Sub("stderr"));
  return run;
}

// A PostgreSQL server for the length of one test.
class Server {
 public:
  Server(const std::string& bin, const std::string& dir) : bin_(bin), dir_(dir) {
    const bool root = ::geteuid() == 0;
    if (root) {
      const passwd* pg = ::getpwnam("postgres");
      if (!pg || !fs::exists("/usr/sbin/runuser")) {
        Skip("running as root needs the postgres user and runuser to start PostgreSQL");
      }
      fs::create_directory(dir_);
      REQUIRE(::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) == 0);
    } else {
      fs::create_directory(dir_);
    }
    Run init = Command({bin_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"},
                       root);
    INFO(init.out << init.err);
    REQUIRE(init.code == 0);
    Run start = Command({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/log", "-w", "-o",
                         "-k " + dir_ + " -c listen_addresses='' -F", "start"},
                        root);
    INFO(start.out << start.err << ReadFile(dir_ + "/log"));
    REQUIRE(start.code == 0);
    started_ = true;
  }
  ~Server() {
    if (started_) {
      Command({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"},
              ::geteuid() == 0);
    }
  }

  Run Psql(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{bin_ + "/psql", "-h", dir_, "-U", "postgres",       "-d",
                                  "postgres",     "-X", "-q", "-v", "ON_ERROR_STOP=1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Command(argv, false);
  }
  std::string Query(const std::string& sql) const {
    Run run = Psql({"-At", "-c", sql});
    INFO(sql << "\n" << run.err);
    REQUIRE(run.code == 0);
    std::string out = run.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

 private:
  std::string bin_;
  std::string dir_;
  bool started_ = false;
};

}  // namespace

TEST_CASE("the SQL export loads into PostgreSQL in the Auth.js adapter's tables", "[postgres]") {
  const std::string bin = PostgresBinDir();
  if (bin.empty() || !fs::exists(bin + "/psql")) {
    Skip("PostgreSQL is not installed (Debian package: postgresql)");
  }
  TempDir dir;
  // The server runs as another user, who must reach its directory in here.
  REQUIRE(::chmod(dir.path().c_str(), 0711) == 0);
  Seed(dir.Sub("db"));
  const std::string sql = dir.Sub("export.sql");
  Run exported = RunTool({"export", dir.Sub("db"), "--format", "sql", "--output", sql});
  INFO(exported.err);
  REQUIRE(exported.code == 0);
  CHECK(Contains(ReadFile(sql), "every user signs\n--     in again after the move"));

  Server server(bin, dir.Sub("pg"));
  Run load = server.Psql({"-f", sql});
  INFO(load.out << load.err);
  REQUIRE(load.code == 0);

  CHECK(server.Query("SELECT count(*) FROM users") == "2");
  CHECK(server.Query("SELECT count(*) FROM accounts") == "2");
  CHECK(server.Query("SELECT count(*) FROM sessions") == "0");
  CHECK(server.Query("SELECT count(*) FROM verification_token") == "0");
  CHECK(server.Query("SELECT id || '|' || coalesce(name, 'NULL') || '|' || email || '|' || "
                     "(extract(epoch FROM \"emailVerified\") * 1000)::bigint || '|' || image "
                     "FROM users WHERE id = 'u1'") ==
        "u1|Fill Murray|ann@example.com|1700000000123|https://www.fillmurray.com/460/300");
  CHECK(server.Query("SELECT coalesce(name, 'NULL') || '|' || email FROM users "
                     "WHERE id = 'u2'") == "NULL|Bob@Example.com");
  CHECK(server.Query("SELECT \"userId\" || '|' || type || '|' || access_token || '|' || "
                     "refresh_token || '|' || id_token || '|' || expires_at || '|' || scope || "
                     "'|' || token_type || '|' || session_state FROM accounts "
                     "WHERE provider = 'github' AND \"providerAccountId\" = '101'") ==
        "u1|oauth|access-101|refresh-101|id-101|2592000|user|bearer|state");
  // What the adapter does next still works: users without a given id, and
  // sessions that reference them.
  const std::string id = server.Query(
      "INSERT INTO users (name, email) VALUES ('New', 'new@example.com') "
      "RETURNING id");
  CHECK(id.size() == 36);
  CHECK(server.Query("INSERT INTO sessions (\"userId\", expires, \"sessionToken\") VALUES ('" + id +
                     "', now(), 'tok') RETURNING \"userId\"") == id);
}

}  // namespace authkv::test
