// authkv tests: runs one hidden test case of this test binary in a child
// process, for tests that kill a writer mid-operation. The child is exec'd
// right after fork: a forked child of a process that already runs threads
// (RocksDB's thread pool, from earlier tests) may not start threads of its
// own under ThreadSanitizer, and a fresh process has no such limits.

#ifndef AUTHKV_TESTS_SUPPORT_SPAWN_SELF_H_
#define AUTHKV_TESTS_SUPPORT_SPAWN_SELF_H_

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace authkv::test {

// Starts `/proc/self/exe <filter>` (a Catch2 test spec such as
// "[.crash_writer]") with `name=value` added to the environment; returns the
// child's pid (-1 if fork failed). Everything the child needs is built
// before fork, since the child may only exec.
inline pid_t SpawnSelf(const char* filter, const std::string& name, const std::string& value) {
  std::string var = name + "=" + value;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, var.c_str(), name.size() + 1) != 0) envp.push_back(*e);
  }
  envp.push_back(var.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe";
  std::string spec = filter;
  char* argv[] = {self.data(), spec.data(), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    execve(argv[0], argv, envp.data());
    _exit(6);
  }
  return pid;
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_SPAWN_SELF_H_
