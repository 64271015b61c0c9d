// authkv tests: running another program as a real process (the built
// authkv-dump, a helper that opens a store), with its output captured, and
// killing it at a chosen moment, for tests that need a crash of a whole
// process rather than an error inside one.

#ifndef AUTHKV_TESTS_SUPPORT_PROCESSES_H_
#define AUTHKV_TESTS_SUPPORT_PROCESSES_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"

extern char** environ;

namespace authkv::test {

// Starts `argv` with stdout and stderr going to files in `dir` (and stdin
// from `stdin_path` when given); returns the pid.
inline pid_t Spawn(const std::vector<std::string>& argv, const TempDir& dir,
                   const std::string& stdin_path = "/dev/null") {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  const std::string out = dir.Sub("stdout"), err = dir.Sub("stderr");
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return pid;
}

// Waits for `pid`: its exit code, or 128 + the signal that ended it.
inline int Wait(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline constexpr int kKilled = 128 + SIGKILL;

// Sends SIGKILL to `pid` `delay` after now (at once for 0), unless it has
// ended by then; returns what Wait returns, so kKilled when the kill came
// first.
inline int KillAfter(pid_t pid, std::chrono::microseconds delay) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    REQUIRE(done >= 0);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(pid, SIGKILL);
  return Wait(pid);
}

// How many kill rounds a crash test runs: `short_run` by default, `long_run`
// with AUTHKV_LONG=1.
inline int CrashRounds(int short_run, int long_run) {
  const char* env = std::getenv("AUTHKV_LONG");
  return env && std::string(env) == "1" ? long_run : short_run;
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_PROCESSES_H_
