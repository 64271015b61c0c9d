// authkv: embedded auth-data store. Licensed under the ISC license.
//
// What makes a directory an authkv database of a version this code reads:
// its column families and its meta family (schema version, email
// matching). Store::Open and the inspection library's open both check
// through here, so they cannot disagree on what they accept; each words
// the advice for a newer database its own way.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_META_H_
#define AUTHKV_CORE_SRC_META_H_

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/options.h"
#include "authkv/result.h"
#include "authkv/status.h"

namespace authkv::internal {

// The column families of an existing RocksDB directory at `path`:
// InvalidArgument if there is no meta family (not authkv), VersionMismatch
// naming a family this version does not know (a newer writer added it).
Status CheckFamilies(const std::vector<std::string>& families, const std::string& path);

struct Meta {
  uint32_t schema_version = 0;
  EmailMatch email_match = EmailMatch::kCaseInsensitive;
  // An upgrade to schema_version started and has not finished (upgrade.h).
  bool upgrade_in_progress = false;

  // Whether the store must upgrade the database before anything reads it.
  bool NeedsUpgrade() const;
};

// Reads one meta key into `value`; NotFound when it is not there.
using MetaGetter = std::function<Status(std::string_view key, std::string* value)>;

// Reads and checks meta. NotFound when schema_version is missing (the
// caller knows whether that means a new database or a damaged one);
// Corruption when a value is not one this code writes; VersionMismatch
// ending in `newer_advice` when a newer authkv wrote the database.
Result<Meta> ReadMeta(const MetaGetter& get, std::string_view newer_advice);

// VersionMismatch ending in `advice` unless `meta` is current: readers
// other than the upgrade (a read-only open, the inspection tools) do not
// read an older or half-upgraded database.
Status CheckUpgraded(const Meta& meta, std::string_view advice);

// Adds a new database's meta to `batch`.
void PutNewMeta(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* meta_family,
                EmailMatch match);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_META_H_
