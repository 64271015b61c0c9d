// authkv: embedded auth-data store. Licensed under the ISC license.
//
// How a database is recovered when it opens, and how a failed recovery is
// explained. Internal: never installed.
//
// Only a torn tail of the write-ahead log is forgiven: the last write of a
// process that died mid-append, which was never acknowledged. Any other
// damage fails the open with Corruption. RocksDB's default
// (kPointInTimeRecovery) would instead stop replaying at the first bad
// record and open without a word, dropping every acknowledged write after
// it: signed-out sessions and used sign-in links come back.

#ifndef AUTHKV_CORE_SRC_RECOVERY_H_
#define AUTHKV_CORE_SRC_RECOVERY_H_

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace authkv::internal {

// Every open of an authkv database, by the store and by the tools, uses it.
inline constexpr rocksdb::WALRecoveryMode kWalRecoveryMode =
    rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;

// A RocksDB info log that passes each complaint about damage to
// `on_damage`, in words ("write-ahead log /db/000012.log: checksum mismatch,
// 3072 bytes unreadable", "table file 000015.sst: ..."), and drops every
// other line. RocksDB names damaged files in its info log only: its
// recovery's and its repair's statuses say "checksum mismatch" at most.
std::shared_ptr<rocksdb::Logger> NewDamageLogger(
    std::function<void(const std::string&)> on_damage);

// After an open of `path` failed with Corruption: which write-ahead log
// file is damaged and what RocksDB found, e.g. "write-ahead log
// /db/000012.log: checksum mismatch, 3072 bytes unreadable"; "" when the
// damage is not in a log. It opens the directory once more, read-only
// (which writes nothing into it), with a NewDamageLogger.
std::string DescribeWalDamage(const std::string& path, rocksdb::DBOptions db_options,
                              const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_RECOVERY_H_
