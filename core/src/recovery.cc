// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Naming damaged files from RocksDB's info log (recovery.h).

#include "recovery.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <regex>

namespace authkv::internal {
namespace {

// The lines RocksDB 7.8 logs about damage (ROCKS_LOG_* puts "[source:line] "
// first): its WAL recovery's LogReporter (db/db_impl/db_impl_open.cc),
// "<file>.log: dropping <n> bytes; <status>", with "(ignoring error) " when
// the records are skipped; and its repairer's (db/repair.cc), "Log #<n>:
// dropping <n> bytes; <status>" and "Table #<n>: ignoring <status>".
std::string DescribeLine(const char* line) {
  static const std::regex kLogDropping(
      R"(^(?:\[[^\]]*\] )?(?:\(ignoring error\) )?(.+\.log): dropping (\d+) bytes; )"
      R"((?:Corruption: )?(.*)$)");
  static const std::regex kRepairLogDropping(
      R"(^(?:\[[^\]]*\] )?Log #(\d+): dropping (\d+) bytes; (?:Corruption: )?(.*)$)");
  static const std::regex kRepairTable(
      R"(^(?:\[[^\]]*\] )?Table #(\d+)\S*: ignoring (?:Corruption: )?(.*)$)");
  // RocksDB's file names: the number in six digits at least.
  auto file_name = [](const std::string& number, const char* suffix) {
    char name[48];
    std::snprintf(name, sizeof(name), "%06llu.%s", std::stoull(number), suffix);
    return std::string(name);
  };
  std::cmatch m;
  if (std::regex_match(line, m, kLogDropping)) {
    return "write-ahead log " + m[1].str() + ": " + m[3].str() + ", " + m[2].str() +
           " bytes unreadable";
  }
  if (std::regex_match(line, m, kRepairLogDropping)) {
    return "write-ahead log " + file_name(m[1].str(), "log") + ": " + m[3].str() + ", " +
           m[2].str() + " bytes unreadable";
  }
  if (std::regex_match(line, m, kRepairTable)) {
    return "table file " + file_name(m[1].str(), "sst") + ": " + m[2].str();
  }
  return {};
}

class DamageLogger : public rocksdb::Logger {
 public:
  explicit DamageLogger(std::function<void(const std::string&)> on_damage)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), on_damage_(std::move(on_damage)) {}

  // The unlevelled overload asserts in RocksDB's base class (and Debian's
  // build keeps assertions), so both are overridden.
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < rocksdb::InfoLogLevel::WARN_LEVEL) return;
    char line[2048];
    std::vsnprintf(line, sizeof(line), format, ap);
    std::string damage = DescribeLine(line);
    if (damage.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    on_damage_(damage);
  }

 private:
  std::mutex mu_;  // RocksDB may log from its background threads.
  std::function<void(const std::string&)> on_damage_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewDamageLogger(
    std::function<void(const std::string&)> on_damage) {
  return std::make_shared<DamageLogger>(std::move(on_damage));
}

std::string DescribeWalDamage(const std::string& path, rocksdb::DBOptions db_options,
                              const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  std::string first;
  db_options.info_log = NewDamageLogger([&](const std::string& damage) {
    if (first.empty()) first = damage;
  });
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
  db_options.info_log.reset();
  return first;
}

}  // namespace authkv::internal
