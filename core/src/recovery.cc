// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Naming the damaged write-ahead log after a failed recovery (recovery.h).

#include "recovery.h"

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <regex>

namespace authkv::internal {
namespace {

// Keeps the first complaint of RocksDB's WAL recovery, which its
// LogReporter (db/db_impl/db_impl_open.cc) logs at WARN level as
// "<file>: dropping <n> bytes; <status>". Everything else is dropped.
class WalDamageLogger : public rocksdb::Logger {
 public:
  WalDamageLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  // The unlevelled overload asserts in RocksDB's base class (and Debian's
  // build keeps assertions), so both are overridden.
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < rocksdb::InfoLogLevel::WARN_LEVEL) return;
    char line[2048];
    std::vsnprintf(line, sizeof(line), format, ap);
    // ROCKS_LOG_WARN puts "[source:line] " first.
    static const std::regex kDropping(
        R"(^(?:\[[^\]]*\] )?(?:\(ignoring error\) )?(.+\.log): dropping (\d+) bytes; )"
        R"((?:Corruption: )?(.*)$)");
    std::cmatch m;
    std::lock_guard<std::mutex> lock(mu_);
    if (!found_.empty() || !std::regex_match(line, m, kDropping)) return;
    found_ = "write-ahead log " + m[1].str() + ": " + m[3].str() + ", " + m[2].str() +
             " bytes unreadable";
  }

  std::string found() {
    std::lock_guard<std::mutex> lock(mu_);
    return found_;
  }

 private:
  std::mutex mu_;
  std::string found_;
};

}  // namespace

std::string DescribeWalDamage(const std::string& path, rocksdb::DBOptions db_options,
                              const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  auto logger = std::make_shared<WalDamageLogger>();
  db_options.info_log = logger;
  db_options.wal_recovery_mode = kWalRecoveryMode;
  db_options.create_if_missing = false;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles, &raw);
  if (s.ok()) {
    // Opened after all (the damage was elsewhere, or it is gone): close.
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    raw->Close().PermitUncheckedError();
    delete raw;
  }
  return logger->found();
}

}  // namespace authkv::internal
