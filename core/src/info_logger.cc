// authkv: embedded auth-data store. Licensed under the ISC license.

#include "info_logger.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace authkv::internal {

namespace {

class InfoLogger final : public rocksdb::Logger {
 public:
  InfoLogger(int fd, rocksdb::InfoLogLevel level) : rocksdb::Logger(level), fd_(fd) {}
  ~InfoLogger() override { CloseFd(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0 || written_.load(std::memory_order_relaxed) >= kInfoLogLimitBytes) return;
    char line[1024];
    struct timeval now;
    ::gettimeofday(&now, nullptr);
    struct tm t;
    ::localtime_r(&now.tv_sec, &t);
    int n = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                          t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
                          t.tm_sec, static_cast<long>(now.tv_usec));
    if (n < 0) return;
    va_list copy;
    va_copy(copy, ap);
    const int body = std::vsnprintf(line + n, sizeof line - n, format, copy);
    va_end(copy);
    if (body < 0) return;
    size_t len = static_cast<size_t>(n) + static_cast<size_t>(body);
    if (len > sizeof line - 2) len = sizeof line - 2;  // Truncated: keep the line.
    if (line[len - 1] != '\n') line[len++] = '\n';
    // Failures (ENOSPC, EIO) are ignored on purpose: see info_logger.h.
    if (::write(fd_, line, len) > 0) written_.fetch_add(len, std::memory_order_relaxed);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    CloseFd();
    return rocksdb::Status::OK();
  }

 private:
  void CloseFd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_;
  std::atomic<size_t> written_{0};
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLogger(const std::string& dir,
                                               rocksdb::InfoLogLevel level) {
  const std::string path = dir + "/LOG";
  ::rename(path.c_str(), (path + ".old").c_str());  // Missing on a first open: fine.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  return std::make_shared<InfoLogger>(fd, level);
}

}  // namespace authkv::internal
