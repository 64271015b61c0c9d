// authkv tests: failures noted on worker threads and reported on the test's
// own thread, since Catch2's assertions may only be used from that thread.

#ifndef AUTHKV_TESTS_SUPPORT_THREAD_FAILURES_H_
#define AUTHKV_TESTS_SUPPORT_THREAD_FAILURES_H_

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace authkv::test {

class ThreadFailures {
 public:
  // Notes one failure; keeps the first few messages. Safe from any thread.
  void Add(std::string message) {
    count_.fetch_add(1);
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_.size() < kKept) first_.push_back(std::move(message));
  }
  uint64_t count() const { return count_.load(); }

  // On the test's thread, after the workers joined: fails with the messages
  // kept if anything was noted.
  void Require() const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& m : first_) UNSCOPED_INFO(m);
    REQUIRE(count_.load() == 0);
  }

 private:
  static constexpr size_t kKept = 10;
  std::atomic<uint64_t> count_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> first_;
};

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_THREAD_FAILURES_H_
