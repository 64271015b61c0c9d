// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Error propagation macros (Abseil's RETURN_IF_ERROR / ASSIGN_OR_RETURN) and
// the RocksDB status translation. Internal: never installed.

#ifndef AUTHKV_CORE_SRC_STATUS_MACROS_H_
#define AUTHKV_CORE_SRC_STATUS_MACROS_H_

#include <string>
#include <string_view>

#include "authkv/result.h"
#include "authkv/status.h"

namespace rocksdb {
class Status;
}

namespace authkv::internal {

// Translates a RocksDB status; `context` prefixes the message.
Status FromRocks(const rocksdb::Status& s, std::string_view context = {});
// A DB::Write that failed with an I/O error: its batch may be in the WAL
// (the write or its fsync failed after some bytes were handed to the OS),
// so it may or may not be applied after the next open.
Status UnknownOutcomeOfWrite(const rocksdb::Status& s);

// Translates a failed DB::Open of `path`: Busy (naming the holder's pid)
// when another process holds the database's LOCK; Corruption that says
// what is damaged (`damage` when known, see recovery.h) and how to salvage
// what is intact; else as FromRocks.
Status FromRocksOpen(const rocksdb::Status& s, const std::string& path,
                     std::string_view damage = {});

}  // namespace authkv::internal

#define AUTHKV_CONCAT_INNER_(a, b) a##b
#define AUTHKV_CONCAT_(a, b) AUTHKV_CONCAT_INNER_(a, b)

#define AUTHKV_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::authkv::Status authkv_status_ = (expr);        \
    if (!authkv_status_.ok()) return authkv_status_; \
  } while (0)

#define AUTHKV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

#define AUTHKV_ASSIGN_OR_RETURN(lhs, expr) \
  AUTHKV_ASSIGN_OR_RETURN_IMPL_(AUTHKV_CONCAT_(authkv_result_, __LINE__), lhs, expr)

#endif  // AUTHKV_CORE_SRC_STATUS_MACROS_H_
