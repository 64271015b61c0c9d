// Crash safety: a forked writer runs sign-in flows and reports each
// acknowledged write to the parent through a pipe; the parent kills it with
// SIGKILL at a random moment, reopens the database, and checks that every
// acknowledged write is there and that VerifyDatabase finds no dangling
// index entry, orphan or half cascade.
//
// Rounds: AUTHKV_CRASH_ROUNDS (default 24) — set it high for a long run.
//
// The writer is this test binary again, exec'd right after fork into the
// hidden test case below: a forked child of a process that already runs
// threads (RocksDB's thread pool, from earlier rounds) may not start threads
// of its own under ThreadSanitizer, and a fresh process has no such limits.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <map>
#include <random>
#include <string>

#include "authkv/inspect.h"
#include "fixtures.h"
#include "spawn_self.h"

namespace authkv::test {
namespace {

constexpr int64_t kFar = 4'000'000'000'000;  // Year 2096: never expires here.

// The writer's n-th operation, the same in both processes. Flows of five:
// create user, link account, create session, rename, then either delete the
// previous flow's user (a cascade) or extend the session.
struct Op {
  enum Kind { kCreateUser, kLinkAccount, kCreateSession, kRename, kDeleteUser, kExtend } kind;
  int flow;
};

Op OpAt(int n) {
  const int flow = n / 5;
  switch (n % 5) {
    case 0: return {Op::kCreateUser, flow};
    case 1: return {Op::kLinkAccount, flow};
    case 2: return {Op::kCreateSession, flow};
    case 3: return {Op::kRename, flow};
    default: return flow % 3 == 2 && flow > 0 ? Op{Op::kDeleteUser, flow - 1}
                                              : Op{Op::kExtend, flow};
  }
}

std::string Uid(int f) { return "user-" + std::to_string(f); }
std::string Token(int f) { return "session-token-" + std::to_string(f); }
std::string Pid(int f) { return "gh-" + std::to_string(f); }

Status Apply(Store& store, const Op& op) {
  const int f = op.flow;
  switch (op.kind) {
    case Op::kCreateUser:
      return store.CreateUser(MakeUser(Uid(f), Uid(f) + "@x.io")).status();
    case Op::kLinkAccount:
      return store.LinkAccount(MakeAccount(Uid(f), "github", Pid(f))).status();
    case Op::kCreateSession:
      return store.CreateSession(MakeSession(Token(f), Uid(f), kFar)).status();
    case Op::kRename: {
      User patch;
      patch.id = Uid(f);
      patch.name = "renamed-" + std::to_string(f);
      return store.UpdateUser(patch).status();
    }
    case Op::kDeleteUser:
      return store.DeleteUser(Uid(f)).status();
    case Op::kExtend:
      return store.UpdateSession(Token(f), kFar + f).status();
  }
  return Status::Internal("unknown op");
}

// What the database must hold for one flow after some prefix of the ops.
struct FlowState {
  bool user = false;
  std::string name = "Fill Murray";
  bool account = false;
  bool session = false;
  int64_t expires = kFar;
  friend bool operator==(const FlowState&, const FlowState&) = default;
};

using Model = std::map<int, FlowState>;

void Step(Model& m, const Op& op) {
  FlowState& s = m[op.flow];
  switch (op.kind) {
    case Op::kCreateUser: s.user = true; break;
    case Op::kLinkAccount: s.account = true; break;
    case Op::kCreateSession: s.session = true; break;
    case Op::kRename: s.name = "renamed-" + std::to_string(op.flow); break;
    case Op::kDeleteUser: s = FlowState{}; break;
    case Op::kExtend: s.expires = kFar + op.flow; break;
  }
}

FlowState Observe(Store& store, int f) {
  FlowState s;
  auto user = store.GetUser(Uid(f));
  s.user = user.ok();
  if (user.ok()) s.name = user->name.value_or("");
  s.account = store.GetAccount("github", Pid(f)).ok();
  auto su = store.GetSessionAndUser(Token(f));
  s.session = store.DeleteSession(Token(f)).ok();  // Sees expired ones too.
  if (su.ok()) s.expires = su->session.expires_ms;
  return s;
}

constexpr char kWriterEnv[] = "AUTHKV_CRASH_WRITER";  // "<fd>:<db path>"

// Runs the writer until killed; writes one byte per acknowledged op.
[[noreturn]] void Writer(const std::string& path, int pipe_fd) {
  auto opened = Store::Open(path, Options{});
  if (!opened.ok()) _exit(3);
  for (int n = 0;; ++n) {
    if (!Apply(**opened, OpAt(n)).ok()) _exit(4);
    const char ack = 1;
    if (write(pipe_fd, &ack, 1) != 1) _exit(5);
  }
}

// Starts the writer process; returns its pid.
pid_t SpawnWriter(const std::string& path, int pipe_fd) {
  return SpawnSelf("[.crash_writer]", kWriterEnv, std::to_string(pipe_fd) + ":" + path);
}

int Rounds() {
  const char* env = std::getenv("AUTHKV_CRASH_ROUNDS");
  return env && *env ? std::atoi(env) : 24;
}

}  // namespace

TEST_CASE("a writer killed at random loses no acknowledged write", "[crash]") {
  std::mt19937 rng(20261125);
  const int rounds = Rounds();
  int total_acked = 0;
  for (int round = 0; round < rounds; ++round) {
    TempDir dir;
    const std::string path = dir.Sub("db");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // Only the write end goes to the writer.
    const pid_t pid = SpawnWriter(path, fds[1]);
    REQUIRE(pid >= 0);
    close(fds[1]);
    // Kill after a random number of acknowledged writes (and so at a random
    // point inside the next one), up to a few hundred.
    const int kill_after = std::uniform_int_distribution<int>(1, 400)(rng);
    int acked = 0;
    char buf[64];
    while (acked < kill_after) {
      const ssize_t got = read(fds[0], buf, 1);
      if (got <= 0) break;
      ++acked;
    }
    kill(pid, SIGKILL);
    // Writes acknowledged between our last read and the kill count too.
    for (ssize_t got; (got = read(fds[0], buf, sizeof buf)) > 0;) acked += static_cast<int>(got);
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("round " << round << ", " << acked << " acknowledged writes");
    REQUIRE(WIFSIGNALED(status));
    total_acked += acked;

    // Each flow must be as after `acked` ops, or as after the op that was in
    // flight when the kill came (it may or may not have committed).
    Model done, in_flight;
    for (int n = 0; n < acked; ++n) Step(done, OpAt(n));
    in_flight = done;
    Step(in_flight, OpAt(acked));

    {
      auto verify = VerifyDatabase(path, VerifyOptions{});
      REQUIRE_OK(verify);
      for (const auto& p : verify->problems) INFO(p.ToString());
      REQUIRE(verify->ok());
    }
    auto reopened = Store::Open(path, Options{});
    REQUIRE_OK(reopened);
    for (const auto& [flow, expected] : in_flight) {
      const FlowState got = Observe(**reopened, flow);
      const FlowState before = done.count(flow) ? done[flow] : FlowState{};
      INFO("flow " << flow << ": user " << got.user << " name " << got.name << " account "
                   << got.account << " session " << got.session);
      REQUIRE((got == before || got == expected));
    }
  }
  INFO(total_acked);
  REQUIRE(total_acked > rounds);
}

// The writer process of the test above; runs only when it sets kWriterEnv.
TEST_CASE("crash writer (started by the crash test)", "[.crash_writer]") {
  const char* spec = std::getenv(kWriterEnv);
  if (!spec) return;
  const char* colon = std::strchr(spec, ':');
  REQUIRE(colon);
  Writer(std::string(colon + 1), std::atoi(spec));
}

}  // namespace authkv::test
