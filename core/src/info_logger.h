// authkv: embedded auth-data store. Licensed under the ISC license.
//
// RocksDB's info LOG, written by authkv instead of RocksDB.
//
// Why: Debian's librocksdb is built with assertions on, and RocksDB's own
// LOG writer (a WritableFileWriter) asserts on the first write after one
// that failed: one ENOSPC on the LOG, and the next log line aborts the
// process (reproduced in tests/core/fault_injection_test.cc). This logger
// writes each line with one plain write(2) and ignores every failure, so a
// full or failing disk costs log lines, never the process.
//
// The file is `<dir>/LOG` (the previous run's is kept as `LOG.old`); it
// stops growing at kInfoLogLimitBytes for one open.
//
// Thread safety: Logv may be called from any thread (one write(2) per line
// on an O_APPEND descriptor).

#ifndef AUTHKV_CORE_SRC_INFO_LOGGER_H_
#define AUTHKV_CORE_SRC_INFO_LOGGER_H_

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace authkv::internal {

inline constexpr size_t kInfoLogLimitBytes = size_t{4} << 20;

// A logger at `level` writing to `dir`/LOG. Never fails: if the file cannot
// be created the logger drops every line.
std::shared_ptr<rocksdb::Logger> NewInfoLogger(const std::string& dir,
                                               rocksdb::InfoLogLevel level);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_INFO_LOGGER_H_
