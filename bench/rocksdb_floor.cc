// authkv: embedded auth-data store. Licensed under the ISC license.

#include "rocksdb_floor.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/utilities/options_util.h>

#include <array>
#include <vector>

#include "email.h"
#include "keys.h"
#include "status_macros.h"

namespace authkv::bench {
namespace {

using internal::FromRocks;

constexpr std::array<internal::Family, 4> kFloorFamilies = {
    internal::Family::kUsers, internal::Family::kUsersByEmail, internal::Family::kAccounts,
    internal::Family::kSessions};

// The families and options authkv wrote into the database's OPTIONS file,
// with `cache` (when given) as every family's block cache.
Status LoadOptions(const std::string& path, std::shared_ptr<rocksdb::Cache>* cache,
                   rocksdb::DBOptions* db_options,
                   std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors) {
  rocksdb::ConfigOptions config;
  config.ignore_unknown_options = false;
  rocksdb::Status s = rocksdb::LoadLatestOptions(config, path, db_options, descriptors, cache);
  if (!s.ok()) return FromRocks(s, "load options of " + path);
  db_options->info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return Status::OK();
}

}  // namespace

struct RocksDbFloor::Rep {
  ~Rep() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::array<rocksdb::ColumnFamilyHandle*, kFloorFamilies.size()> floor_handles{};
  rocksdb::ReadOptions read_options;
};

RocksDbFloor::RocksDbFloor(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
RocksDbFloor::~RocksDbFloor() = default;

Result<std::unique_ptr<RocksDbFloor>> RocksDbFloor::Open(const std::string& path,
                                                         size_t block_cache_bytes) {
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(block_cache_bytes);
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (Status s = LoadOptions(path, &cache, &db_options, &descriptors); !s.ok()) return s;

  auto rep = std::make_unique<Rep>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &rep->handles, &raw);
  if (!s.ok()) return FromRocks(s, "open " + path + " read-only");
  rep->db.reset(raw);
  for (size_t f = 0; f < kFloorFamilies.size(); ++f) {
    const std::string_view name = internal::FamilyName(kFloorFamilies[f]);
    for (auto* h : rep->handles) {
      if (h->GetName() == name) rep->floor_handles[f] = h;
    }
    if (rep->floor_handles[f] == nullptr) {
      return Status::InvalidArgument(path + " has no column family " + std::string(name));
    }
  }
  return std::unique_ptr<RocksDbFloor>(new RocksDbFloor(std::move(rep)));
}

std::string RocksDbFloor::SessionKey(std::string_view session_token) {
  return internal::SessionKey(session_token);
}

std::string RocksDbFloor::EmailKey(std::string_view email) {
  return internal::NormalizeEmail(email, Options().email_match);
}

std::string RocksDbFloor::AccountKey(std::string_view provider,
                                     std::string_view provider_account_id) {
  return internal::AccountKey(provider, provider_account_id);
}

Status RocksDbFloor::Get(Family family, std::string_view key) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      rep_->db->Get(rep_->read_options, rep_->floor_handles[static_cast<size_t>(family)],
                    rocksdb::Slice(key.data(), key.size()), &value);
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound("floor key");
  return FromRocks(s, "floor get");
}

Status RocksDbFloor::FillCache() const {
  for (auto* handle : rep_->floor_handles) {
    std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(rep_->read_options, handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    if (!it->status().ok()) return FromRocks(it->status(), "floor scan");
  }
  return Status::OK();
}

Status CompactFully(const std::string& path) {
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (Status s = LoadOptions(path, nullptr, &db_options, &descriptors); !s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : handles) {
    if (s.ok()) s = db->CompactRange(compact, h, nullptr, nullptr);
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  if (!s.ok()) return FromRocks(s, "compact " + path);
  return FromRocks(db->Close(), "close " + path);
}

}  // namespace authkv::bench
