// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Opening a store: recognising (or creating) an authkv directory, tuning
// each column family for how it is read, and checking the schema version.

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <string>

#include "creation.h"
#include "info_logger.h"
#include "keys.h"
#include "meta.h"
#include "open_stores.h"
#include "recovery.h"
#include "status_macros.h"
#include "store_rep.h"
#include "test_overrides.h"
#include "upgrade.h"

namespace authkv {

using internal::Family;

namespace {

bool IsPointLookupFamily(Family f) {
  return f != Family::kUserLinks && f != Family::kExpiry && f != Family::kDefault;
}

// Every family shares one block cache. Point-lookup families get a bloom
// filter and a hash index inside each data block (one probe instead of a
// binary search); the scan-only families (user_links, expiry) keep the
// default index.
//
// Index and filter blocks are partitioned, cached with high priority, and
// their top levels pinned. With whole per-file index and filter blocks in a
// small cache (the first layout), a 1M-user store's 1-2 MB index/filter
// blocks were evicted by data blocks and re-read on nearly every Get: 1.4 ms
// per hot read. Partitions keep each miss to a 4 KiB block, and memory stays
// bounded by the cache size.
rocksdb::ColumnFamilyOptions FamilyOptions(Family f,
                                           const std::shared_ptr<rocksdb::Cache>& cache,
                                           size_t write_buffer_bytes) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_top_level_index_and_filter = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.format_version = 5;
  if (IsPointLookupFamily(f)) {
    t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    t.data_block_hash_table_util_ratio = 0.75;
    o.memtable_whole_key_filtering = true;
    o.memtable_prefix_bloom_size_ratio = 0.02;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.write_buffer_size =
      (f == Family::kMeta) ? std::min(write_buffer_bytes, size_t{1} << 20) : write_buffer_bytes;
  // LZ4 at every level: point reads decompress a block each, and ZSTD's
  // smaller files cost several times LZ4's decompression time.
  o.compression = rocksdb::kLZ4Compression;
  return o;
}

// Reads meta; on an unfinished creation (no schema_version, no entry in
// any family: creation.h) writes it, which finishes the creation. Checks the
// schema version and adopts the email matching the database was created with.
Status LoadMeta(Store::Rep& rep, const std::string& path, const Options& options) {
  auto meta = internal::ReadMeta(
      [&](std::string_view key, std::string* value) {
        return rep.GetRaw(Family::kMeta, key, value);
      },
      "upgrade authkv to open it");
  if (meta.status().IsNotFound()) {
    AUTHKV_ASSIGN_OR_RETURN(const bool blank, internal::HoldsNoEntry(rep.db.get(), rep.handles));
    if (!blank) {
      // Records without a schema version are damage, never a new database:
      // writing meta here would pass them off as this version's.
      return Status::Corruption("meta: schema_version is missing, but " + path +
                                " holds records; restore it from a backup");
    }
    if (rep.read_only || !options.create_if_missing) return internal::NoDatabase(path, true);
    AUTHKV_RETURN_IF_ERROR(
        internal::WriteNewMeta(rep.db.get(), rep.cf(Family::kMeta), options.email_match));
    meta = internal::Meta{kSchemaVersion, options.email_match};
  }
  if (!meta.ok()) return meta.status();
  rep.email_match = meta->email_match;
  if (meta->NeedsUpgrade()) {
    if (rep.read_only) {
      return internal::CheckUpgraded(*meta, "open it once without read_only to upgrade it");
    }
    AUTHKV_RETURN_IF_ERROR(internal::UpgradeSchema(rep, meta->schema_version));
  }
  rep.schema_version = kSchemaVersion;
  return Status::OK();
}

}  // namespace

Store::Store(std::shared_ptr<Rep> rep) : rep_(std::move(rep)) {}
Store::~Store() = default;

uint32_t Store::schema_version() const { return rep_->schema_version; }

CacheStats Store::GetCacheStats() const {
  return rep_->session_cache ? rep_->session_cache->Stats() : CacheStats{};
}

namespace {

// Opens RocksDB on `path`; the caller has made sure this process has no
// other instance on the directory (open_stores.h).
Result<std::unique_ptr<Store::Rep>> OpenRep(const std::string& path, const Options& options) {
  // What is in the directory decides between open, create (or finish a
  // creation that was cut short) and refuse: creation.h.
  AUTHKV_ASSIGN_OR_RETURN(const internal::Found found, internal::Examine(path));
  if (found != internal::Found::kDatabase) {
    if (!options.create_if_missing || options.read_only) {
      return internal::NoDatabase(path, found == internal::Found::kUnfinished);
    }
    AUTHKV_RETURN_IF_ERROR(internal::CreateDirectory(path));
  }

  auto rep = std::make_unique<Store::Rep>();
  rep->clock = options.clock ? options.clock : Clock::System();
  rep->read_only = options.read_only;
  rep->write_options.sync = options.sync;
  if (!options.token_keys.empty()) {
    auto cipher = internal::TokenCipher::Create(options.token_keys);
    if (!cipher.ok()) return cipher.status();
    rep->cipher.emplace(std::move(cipher).value());
  }
  if (options.session_cache_bytes > 0) {
    rep->session_cache = std::make_unique<internal::SessionCache>(options.session_cache_bytes);
  }

  rocksdb::LRUCacheOptions cache_options;
  cache_options.capacity = options.block_cache_bytes;
  // Index and filter partitions go to the high-priority pool, so a scan of
  // data blocks cannot push them all out.
  cache_options.high_pri_pool_ratio = 0.5;
  auto cache = rocksdb::NewLRUCache(cache_options);
  const internal::OpenOverrides& overrides = internal::CurrentOpenOverrides();
  rocksdb::DBOptions db_options;
  if (overrides.env) db_options.env = overrides.env;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Families stay in step on flush, so a reader of the files (backup,
  // secondary instance) never sees a record without its index entry.
  db_options.atomic_flush = true;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Never RocksDB's own LOG writer: it can abort the process (info_logger.h).
  db_options.info_log = internal::NewInfoLogger(path, db_options.info_log_level);
  db_options.max_background_jobs = 2;
  db_options.db_write_buffer_size = 64 << 20;
  db_options.max_total_wal_size = 64 << 20;
  db_options.listeners.push_back(rep->health);
  db_options.wal_recovery_mode = internal::kWalRecoveryMode;

  for (size_t i = 0; i < internal::kFamilyCount; ++i) {
    rep->descriptors.emplace_back(std::string(internal::kFamilyNames[i]),
                                  FamilyOptions(static_cast<Family>(i), cache, options.write_buffer_bytes));
    if (overrides.write_buffer_bytes > 0) {
      rep->descriptors.back().options.write_buffer_size = overrides.write_buffer_bytes;
    }
  }
  rep->path = path;
  rep->db_options = db_options;
  AUTHKV_RETURN_IF_ERROR(rep->OpenDb());

  AUTHKV_RETURN_IF_ERROR(LoadMeta(*rep, path, options));
  if (options.purge_interval_ms > 0 && !options.read_only) {
    StartPurger(*rep, options);
  }
  return rep;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                           const Options& options) {
  if (path.empty()) return Status::InvalidArgument("path is empty");
  if (options.purge_interval_ms < 0) {
    return Status::InvalidArgument("purge_interval_ms is negative");
  }
  if (options.purge_clock_step_tolerance_ms < 0 || options.purge_clock_step_hold_ms < 0) {
    return Status::InvalidArgument("purge_clock_step_tolerance_ms or purge_clock_step_hold_ms is negative");
  }
  AUTHKV_ASSIGN_OR_RETURN(
      std::shared_ptr<Rep> rep,
      internal::AcquireStore(path, options, [&] { return OpenRep(path, options); }));
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

}  // namespace authkv
