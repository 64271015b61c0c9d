// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Inspector::Rep, the state behind an Inspector, and the helpers the
// tools/inspect/src files share: the view's read options, raw family iteration,
// decoding one stored value into a Record, and the index entries a record
// should have.
//
// Which index entries a record has is not restated here: PlaceRecord asks
// core's layout.h, the same functions the store writes and deletes with, so
// verify, repair and import follow the store's layout by construction.
//
// Thread safety: as Inspector (one thread at a time).

#ifndef AUTHKV_TOOLS_INSPECT_SRC_INSPECTOR_REP_H_
#define AUTHKV_TOOLS_INSPECT_SRC_INSPECTOR_REP_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/inspect.h"
#include "keys.h"
#include "layout.h"

namespace authkv {

struct Inspector::Rep {
  ~Rep();

  std::string path;
  OpenMode mode = OpenMode::kSecondary;
  std::unique_ptr<rocksdb::DB> db;
  internal::FamilyHandles handles{};
  // kPrimary: the snapshot every read uses. Null for a secondary, whose
  // view only moves on Refresh().
  const rocksdb::Snapshot* snapshot = nullptr;
  // The secondary instance's own directory, and whether to remove it.
  std::string secondary_dir;
  bool remove_secondary_dir = false;
  uint32_t schema_version = 0;
  EmailMatch email_match = EmailMatch::kCaseInsensitive;

  rocksdb::ColumnFamilyHandle* cf(internal::Family f) const {
    return handles[static_cast<size_t>(f)];
  }
  rocksdb::ReadOptions ReadOptions() const;

  // Calls fn(key, value) for each entry of family `f` in key order until it
  // returns false.
  Status ForEach(internal::Family f,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // The raw value under `key`; NotFound if there is none.
  Status Get(internal::Family f, std::string_view key, std::string* value) const;
  // The record of `kind` under `key`, decoded and checked against its key.
  Result<Record> Read(RecordKind kind, std::string_view key) const;
  // Commits `batch` durably (sync), for the few writes the tool makes.
  Status Commit(rocksdb::WriteBatch* batch);
};

namespace internal {

Family FamilyOf(RecordKind kind);

// The options the store last opened the database at `path` with, for
// opening it here (open.cc). Descriptors come back in layout order.
void LoadStoreOptions(const std::string& path, rocksdb::DBOptions* db_options,
                      std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors);

// Options for opening in `mode`, everything else default.
inline InspectOptions ModeOptions(OpenMode mode) {
  InspectOptions options;
  options.mode = mode;
  return options;
}

// Unseals, verifies and decodes the value stored under `key` for `kind`,
// and checks the key is the one the record's fields give. Corruption with
// the reason otherwise.
Result<Record> DecodeStored(RecordKind kind, std::string_view key, std::string_view value);

// Where `record` lives and which index entries it has (layout.h).
Placement PlaceRecord(const Record& record, EmailMatch match);
// The FlatBuffer `record` is stored as (PutPlaced seals it for its key).
std::string StoredFlatBuffer(const Record& record);
// Adds `record` with every index entry it has to `batch`.
void PutRecord(const FamilyHandles& handles, EmailMatch match, rocksdb::WriteBatch* batch,
               const Record& record);

// "Corruption: x" -> "x": the tool prints reasons, not code names.
std::string Reason(const Status& s);

}  // namespace internal
}  // namespace authkv

#endif  // AUTHKV_TOOLS_INSPECT_SRC_INSPECTOR_REP_H_
