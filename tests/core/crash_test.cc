// Crash safety: a forked writer runs sign-in flows (users, accounts,
// sessions, authenticators, magic links created and used, expired records
// and purges) and reports each acknowledged write to the parent through a
// pipe; the parent kills it with SIGKILL at a random moment, checks the
// database with VerifyDatabase, reopens it, and checks that every
// acknowledged write is there, every used link is still used and every
// acknowledged purge still purged.
//
// The writer's memtables are the smallest RocksDB allows (Options::
// write_buffer_bytes), so its rounds run through flushes, log switches and
// compactions, and kills land inside them. The writer reports when it
// first sees each, and the test requires all three over the run. Every
// other round runs with `sync`, and the writer checks that RocksDB synced
// the log for every write it acknowledged (a SIGKILL alone cannot tell: the
// page cache survives it).
//
// Rounds: 16; AUTHKV_LONG=1 runs 1000, AUTHKV_CRASH_ROUNDS=<n> runs n.
//
// The writer is this test binary again, exec'd right after fork into the
// hidden test case below: a forked child of a process that already runs
// threads (RocksDB's thread pool, from earlier rounds) may not start threads
// of its own under ThreadSanitizer, and a fresh process has no such limits.

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "rep_of.h"
#include "verified.h"

extern char** environ;

namespace authkv::test {
namespace {

constexpr int64_t kFar = 4'000'000'000'000;  // Year 2096: never expires here.
constexpr int64_t kPast = 1'000'000'000;     // 1970: expired, for purges.

// The writer's n-th operation, the same in both processes. Flows of ten:
// a user, its account, session and passkey, a magic link, an expired
// session and link, the link used, the passkey's counter moved, and then
// by turns a purge, a rename, or the previous flow's user deleted.
struct Op {
  enum Kind {
    kCreateUser, kLinkAccount, kCreateSession, kCreateAuthenticator, kCreateLink,
    kCreateStaleSession, kCreateStaleLink, kUseLink, kCountAuthenticator,
    kPurge, kRename, kDeleteUser,
  } kind;
  int flow;
};

Op OpAt(int n) {
  const int flow = n / 10;
  const int step = n % 10;
  if (step < 9) return {static_cast<Op::Kind>(step), flow};
  if (flow % 3 == 0) return {Op::kPurge, flow};
  if (flow % 3 == 1) return {Op::kRename, flow};
  return {Op::kDeleteUser, flow - 1};
}

std::string Uid(int f) { return "user-" + std::to_string(f); }
std::string Email(int f) { return Uid(f) + "@x.io"; }
std::string Token(int f) { return "session-token-" + std::to_string(f); }
std::string StaleToken(int f) { return "stale-token-" + std::to_string(f); }
std::string Pid(int f) { return "gh-" + std::to_string(f); }
std::string Credential(int f) { return "cred-" + std::to_string(f); }
std::string Link(int f) { return "link-" + std::to_string(f); }
std::string StaleLink(int f) { return "stale-link-" + std::to_string(f); }

// Users carry a large image URL so the smallest memtables fill within a
// few hundred writes.
User BigUser(int f) {
  User u = MakeUser(Uid(f), Email(f));
  u.image = "https://img.example/" + std::string(1500, 'x');
  return u;
}

Status Apply(Store& store, const Op& op) {
  const int f = op.flow;
  switch (op.kind) {
    case Op::kCreateUser: return store.CreateUser(BigUser(f)).status();
    case Op::kLinkAccount:
      return store.LinkAccount(MakeAccount(Uid(f), "github", Pid(f))).status();
    case Op::kCreateSession:
      return store.CreateSession(MakeSession(Token(f), Uid(f), kFar)).status();
    case Op::kCreateAuthenticator:
      return store.CreateAuthenticator(MakeAuthenticator(Credential(f), Uid(f))).status();
    case Op::kCreateLink: return store.CreateVerificationToken({Email(f), Link(f), kFar}).status();
    case Op::kCreateStaleSession:
      return store.CreateSession(MakeSession(StaleToken(f), Uid(f), kPast)).status();
    case Op::kCreateStaleLink:
      return store.CreateVerificationToken({Email(f), StaleLink(f), kPast}).status();
    case Op::kUseLink: return store.UseVerificationToken(Email(f), Link(f)).status();
    case Op::kCountAuthenticator:
      return store.UpdateAuthenticatorCounter(Credential(f), 100 + f).status();
    case Op::kPurge: {
      auto now = std::chrono::system_clock::now().time_since_epoch();
      return store.PurgeExpired(std::chrono::duration_cast<std::chrono::milliseconds>(now).count())
          .status();
    }
    case Op::kRename: {
      User patch;
      patch.id = Uid(f);
      patch.name = "renamed-" + std::to_string(f);
      return store.UpdateUser(patch).status();
    }
    case Op::kDeleteUser: return store.DeleteUser(Uid(f)).status();
  }
  return Status::Internal("unknown op");
}

// What the database must hold for one flow after some prefix of the ops.
struct FlowState {
  bool user = false;
  std::string name = "Fill Murray";
  bool account = false;
  bool session = false;
  bool authenticator = false;
  uint64_t counter = 7;
  bool link = false;  // Created and not yet used.
  bool stale_session = false;
  bool stale_link = false;
  friend bool operator==(const FlowState&, const FlowState&) = default;
};

using Model = std::map<int, FlowState>;

void Step(Model& m, const Op& op) {
  FlowState& s = m[op.flow];
  switch (op.kind) {
    case Op::kCreateUser: s.user = true; break;
    case Op::kLinkAccount: s.account = true; break;
    case Op::kCreateSession: s.session = true; break;
    case Op::kCreateAuthenticator: s.authenticator = true; break;
    case Op::kCreateLink: s.link = true; break;
    case Op::kCreateStaleSession: s.stale_session = true; break;
    case Op::kCreateStaleLink: s.stale_link = true; break;
    case Op::kUseLink: s.link = false; break;
    case Op::kCountAuthenticator: s.counter = 100 + op.flow; break;
    case Op::kPurge:
      for (auto& [flow, state] : m) state.stale_session = state.stale_link = false;
      break;
    case Op::kRename: s.name = "renamed-" + std::to_string(op.flow); break;
    case Op::kDeleteUser: {
      // Links belong to an email, not to the user, and stay.
      FlowState gone;
      gone.link = s.link;
      gone.stale_link = s.stale_link;
      s = gone;
      break;
    }
  }
}

// Reads (and consumes: each round looks once) what the store holds.
FlowState Observe(Store& store, int f) {
  FlowState s;
  auto user = store.GetUser(Uid(f));
  s.user = user.ok();
  if (user.ok()) s.name = user->name.value_or("");
  s.account = store.GetAccount("github", Pid(f)).ok();
  auto passkey = store.GetAuthenticator(Credential(f));
  s.authenticator = passkey.ok();
  if (passkey.ok()) s.counter = passkey->counter;
  s.session = store.DeleteSession(Token(f)).ok();  // Sees expired ones too.
  s.stale_session = store.DeleteSession(StaleToken(f)).ok();
  s.link = store.UseVerificationToken(Email(f), Link(f)).ok();
  s.stale_link = store.UseVerificationToken(Email(f), StaleLink(f)).ok();
  return s;
}

// Each field as before the in-flight op or as after it: a purge commits in
// batches, so it may be cut between any two records.
bool FieldwiseBetween(const FlowState& got, const FlowState& a, const FlowState& b) {
  auto either = [](const auto& g, const auto& x, const auto& y) { return g == x || g == y; };
  return either(got.user, a.user, b.user) && either(got.name, a.name, b.name) &&
         either(got.account, a.account, b.account) && either(got.session, a.session, b.session) &&
         either(got.authenticator, a.authenticator, b.authenticator) &&
         either(got.counter, a.counter, b.counter) && either(got.link, a.link, b.link) &&
         either(got.stale_session, a.stale_session, b.stale_session) &&
         either(got.stale_link, a.stale_link, b.stale_link);
}

// What goes through the pipe: one kAck per acknowledged op, and one byte
// the first time the writer sees RocksDB do each of the others.
constexpr char kAck = 'a';
constexpr char kFlushed = 'F';
constexpr char kCompacted = 'C';
constexpr char kWalSwitched = 'W';
constexpr char kSyncChecked = 'S';
constexpr int kExitSyncNotHonoured = 7;

Options WriterOptions(bool sync) {
  Options o;
  o.sync = sync;
  o.write_buffer_bytes = 64 << 10;
  return o;
}

constexpr char kWriterEnv[] = "AUTHKV_CRASH_WRITER";  // "<fd>:<sync 0|1>:<db path>"

// "Cumulative WAL: 1234 writes, 1234 syncs, ..." from RocksDB's DB stats;
// false once the counts are abbreviated (10000 and up).
bool WalCounts(rocksdb::DB& db, uint64_t* writes, uint64_t* syncs) {
  std::string stats;
  if (!db.GetProperty("rocksdb.dbstats", &stats)) return false;
  const auto at = stats.find("Cumulative WAL: ");
  if (at == std::string::npos) return false;
  char w[32], s[32];
  if (std::sscanf(stats.c_str() + at, "Cumulative WAL: %31s writes, %31s syncs", w, s) != 2) {
    return false;
  }
  char* end = nullptr;
  *writes = std::strtoull(w, &end, 10);
  if (*end) return false;
  *syncs = std::strtoull(s, &end, 10);
  return *end == 0;
}

// Writes one byte to the parent, or exits.
void Tell(int pipe_fd, char what) {
  if (write(pipe_fd, &what, 1) != 1) _exit(5);
}

// Looks at what RocksDB has done so far and tells the parent about firsts;
// with `sync`, exits if a write was acknowledged without a log sync.
struct Watcher {
  rocksdb::DB& db;
  int pipe_fd;
  bool sync;
  bool flushed = false, compacted = false, switched = false;
  uint64_t first_wal = 0;

  void Look() {
    std::vector<rocksdb::LiveFileMetaData> files;
    db.GetLiveFilesMetaData(&files);
    if (!flushed && !files.empty()) Tell(pipe_fd, kFlushed), flushed = true;
    for (const auto& f : files) {
      if (!compacted && f.level > 0) Tell(pipe_fd, kCompacted), compacted = true;
    }
    std::unique_ptr<rocksdb::LogFile> wal;
    if (db.GetCurrentWalFile(&wal).ok() && wal) {
      if (first_wal == 0) first_wal = wal->LogNumber();
      if (!switched && wal->LogNumber() != first_wal) Tell(pipe_fd, kWalSwitched), switched = true;
    }
    uint64_t writes = 0, syncs = 0;
    if (sync && WalCounts(db, &writes, &syncs)) {
      if (syncs != writes) _exit(kExitSyncNotHonoured);
      Tell(pipe_fd, kSyncChecked);
    }
  }
};

// Runs the writer until killed; writes kAck per acknowledged op.
[[noreturn]] void Writer(const std::string& path, bool sync, int pipe_fd) {
  const Options options = WriterOptions(sync);
  auto opened = Store::Open(path, options);
  if (!opened.ok()) _exit(3);
  auto rep = RepOpenAt(path, options);
  if (!rep.ok()) _exit(3);
  Watcher watcher{*(*rep)->db, pipe_fd, sync};
  for (int n = 0;; ++n) {
    if (!Apply(**opened, OpAt(n)).ok()) _exit(4);
    Tell(pipe_fd, kAck);
    if (n % 16 == 0) watcher.Look();
  }
}

// Starts the writer process; returns its pid. Everything the child needs is
// built before fork, since the child may only exec.
pid_t SpawnWriter(const std::string& path, bool sync, int pipe_fd) {
  std::string var = std::string(kWriterEnv) + "=" + std::to_string(pipe_fd) + ":" +
                    (sync ? "1" : "0") + ":" + path;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, kWriterEnv, sizeof kWriterEnv - 1) != 0) envp.push_back(*e);
  }
  envp.push_back(var.data());
  envp.push_back(nullptr);
  char self[] = "/proc/self/exe";
  char filter[] = "[.crash_writer]";
  char* argv[] = {self, filter, nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    execve(self, argv, envp.data());
    _exit(6);
  }
  return pid;
}

int Rounds() {
  const char* env = std::getenv("AUTHKV_CRASH_ROUNDS");
  if (env && *env) return std::atoi(env);
  const char* long_run = std::getenv("AUTHKV_LONG");
  return long_run && std::strcmp(long_run, "1") == 0 ? 1000 : 16;
}

}  // namespace

TEST_CASE("a writer killed at random loses no acknowledged write", "[crash]") {
  std::mt19937 rng(20261202);
  const int rounds = Rounds();
  int total_acked = 0;
  std::map<char, int> seen;  // Rounds in which the writer reported each event.
  for (int round = 0; round < rounds; ++round) {
    TempDir dir;
    const std::string path = dir.Sub("db");
    const bool sync = round % 2 == 1;
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // Only the write end goes to the writer.
    const pid_t pid = SpawnWriter(path, sync, fds[1]);
    REQUIRE(pid >= 0);
    close(fds[1]);
    // Kill after a random number of acknowledged writes, then a random
    // pause, so the kill lands anywhere inside the next write or in a
    // background flush or compaction.
    const int kill_after = std::uniform_int_distribution<int>(1, 1500)(rng);
    const int pause_us = std::uniform_int_distribution<int>(0, 2000)(rng);
    int acked = 0;
    std::map<char, int> events;
    auto count = [&](char c) { c == kAck ? ++acked : ++events[c]; };
    char buf[256];
    while (acked < kill_after) {
      if (read(fds[0], buf, 1) <= 0) break;
      count(buf[0]);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    kill(pid, SIGKILL);
    // Writes acknowledged between our last read and the kill count too.
    for (ssize_t got; (got = read(fds[0], buf, sizeof buf)) > 0;) {
      for (ssize_t i = 0; i < got; ++i) count(buf[i]);
    }
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("round " << round << (sync ? " (sync)" : "") << ", " << acked
                  << " acknowledged writes; writer exit code "
                  << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << " ("
                  << kExitSyncNotHonoured << ": a write acknowledged without a log sync)");
    REQUIRE(WIFSIGNALED(status));
    if (sync) REQUIRE((acked < 16 || events[kSyncChecked] > 0));
    total_acked += acked;
    for (const auto& [event, n] : events) seen[event] += n > 0;

    // Each flow must be as after `acked` ops, or as after the op that was in
    // flight when the kill came (it may or may not have committed).
    Model done;
    for (int n = 0; n < acked; ++n) Step(done, OpAt(n));
    Model in_flight = done;
    const Op next = OpAt(acked);
    Step(in_flight, next);

    RequireVerified(path);
    auto reopened = Store::Open(path, Options{});
    REQUIRE_OK(reopened);
    for (const auto& [flow, expected] : in_flight) {
      const FlowState got = Observe(**reopened, flow);
      const FlowState before = done.count(flow) ? done[flow] : FlowState{};
      INFO("flow " << flow << ": user " << got.user << " name " << got.name << " account "
                   << got.account << " session " << got.session << " passkey "
                   << got.authenticator << "/" << got.counter << " link " << got.link
                   << " stale session " << got.stale_session << " stale link "
                   << got.stale_link);
      if (next.kind == Op::kPurge) {
        REQUIRE(FieldwiseBetween(got, before, expected));
      } else {
        REQUIRE((got == before || got == expected));
      }
    }
  }
  INFO(total_acked << " acknowledged writes; rounds that saw a flush " << seen[kFlushed]
                   << ", a log switch " << seen[kWalSwitched] << ", a compaction "
                   << seen[kCompacted]);
  REQUIRE(total_acked > rounds);
  if (rounds >= 8) {
    REQUIRE(seen[kFlushed] > 0);
    REQUIRE(seen[kWalSwitched] > 0);
    REQUIRE(seen[kCompacted] > 0);
  }
}

// The writer process of the test above; runs only when it sets kWriterEnv.
TEST_CASE("crash writer (started by the crash test)", "[.crash_writer]") {
  const char* spec = std::getenv(kWriterEnv);
  if (!spec) return;
  const char* colon = std::strchr(spec, ':');
  REQUIRE(colon);
  REQUIRE(colon[1] != 0);
  REQUIRE(colon[2] == ':');
  Writer(std::string(colon + 3), colon[1] == '1', std::atoi(spec));
}

}  // namespace authkv::test
