// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Opening a database for inspection: recognising an authkv directory,
// opening it as a RocksDB secondary (reads beside a live app) or as the
// primary (writes), checking its schema version, and the view every read
// goes through.

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/utilities/options_util.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "authkv/store.h"
#include "creation.h"
#include "info_logger.h"
#include "inspector_rep.h"
#include "meta.h"
#include "recovery.h"
#include "status_macros.h"

namespace authkv {

using internal::Family;

namespace {

// Secondary catch-up fails now and then with an IOError when the primary
// deletes a file the secondary is about to read; the next try succeeds.
constexpr int kAttempts = 5;
constexpr auto kRetryPause = std::chrono::milliseconds(20);

// Small: the tool reads each block about once.
constexpr size_t kToolBlockCacheBytes = size_t{8} << 20;

// Tells apart a missing path (or a creation cut short, which the app's next
// open finishes: core/src/creation.h), something that is not authkv, and a
// database from a newer authkv, before anything is opened.
Status Recognize(const std::string& path) {
  AUTHKV_ASSIGN_OR_RETURN(const internal::Found found, internal::Examine(path));
  if (found != internal::Found::kDatabase) {
    return internal::NoDatabase(path, found == internal::Found::kUnfinished);
  }
  std::vector<std::string> families;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
  if (!listed.ok()) return internal::FromRocks(listed, "read the column families of " + path);
  for (auto name : internal::kFamilyNames) {
    if (std::find(families.begin(), families.end(), name) == families.end()) {
      return Status::Corruption("column family '" + std::string(name) + "' is missing");
    }
  }
  return Status::OK();
}

// A failed open of `rep.path`, in the store's words (recovery.h).
Status OpenFailed(const rocksdb::Status& s, const Inspector::Rep& rep,
                  const rocksdb::DBOptions& db_options,
                  const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  return internal::FromRocksOpen(
      s, rep.path,
      s.IsCorruption() ? internal::DescribeWalDamage(rep.path, db_options, descriptors) : "");
}

Result<std::string> MakePrivateDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/authkv-dump-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError("cannot create a directory under " + tmpl);
  }
  return tmpl;
}

template <typename Fn>
rocksdb::Status RetryIOError(Fn fn) {
  rocksdb::Status s;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    s = fn();
    if (!s.IsIOError()) break;
    std::this_thread::sleep_for(kRetryPause * attempt);
  }
  return s;
}

Status OpenDb(Inspector::Rep& rep, const InspectOptions& options) {
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  internal::LoadStoreOptions(rep.path, &db_options, &descriptors);
  if (options.skip_damaged_log_records) {
    if (rep.mode != OpenMode::kPrimary) {
      return Status::InvalidArgument("skipping damaged log records needs kPrimary");
    }
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
    db_options.info_log = internal::NewDamageLogger(options.skip_damaged_log_records);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (rep.mode == OpenMode::kPrimary) {
    // As the store does: RocksDB's own LOG writer can abort (info_logger.h).
    // A salvage read keeps its damage logger, which never writes a file.
    if (!db_options.info_log) {
      db_options.info_log = internal::NewInfoLogger(rep.path, db_options.info_log_level);
    }
    s = rocksdb::DB::Open(db_options, rep.path, descriptors, &handles, &raw);
    if (!s.ok()) {
      Status st = OpenFailed(s, rep, db_options, descriptors);
      if (st.IsBusy()) {
        return Status::Busy("database is open in another process: " + rep.path +
                            " (stop the app first, or use a read-only subcommand)");
      }
      return st;
    }
  } else {
    if (options.secondary_dir.empty()) {
      AUTHKV_ASSIGN_OR_RETURN(rep.secondary_dir, MakePrivateDir());
      rep.remove_secondary_dir = true;
    } else {
      rep.secondary_dir = options.secondary_dir;
    }
    // Every table file stays open from the moment the secondary sees it, so
    // a compaction in the primary cannot delete one from under the view.
    db_options.max_open_files = -1;
    db_options.info_log = internal::NewInfoLogger(rep.secondary_dir, db_options.info_log_level);
    s = RetryIOError([&] {
      return rocksdb::DB::OpenAsSecondary(db_options, rep.path, rep.secondary_dir, descriptors,
                                          &handles, &raw);
    });
    if (s.IsCorruption()) return OpenFailed(s, rep, db_options, descriptors);
    if (!s.ok()) return internal::FromRocks(s, "open " + rep.path + " as secondary");
  }
  rep.db.reset(raw);
  for (size_t i = 0; i < handles.size(); ++i) rep.handles[i] = handles[i];
  return Status::OK();
}

Status LoadMeta(Inspector::Rep& rep) {
  auto meta = internal::ReadMeta(
      [&](std::string_view key, std::string* value) { return rep.Get(Family::kMeta, key, value); },
      "use a newer authkv-dump");
  if (meta.status().IsNotFound()) {
    AUTHKV_ASSIGN_OR_RETURN(const bool blank, internal::HoldsNoEntry(rep.db.get(), rep.handles));
    if (blank) return internal::NoDatabase(rep.path, true);
    return Status::Corruption("meta: schema_version is missing; " + rep.path +
                              " is not a complete authkv database");
  }
  if (!meta.ok()) return meta.status();
  AUTHKV_RETURN_IF_ERROR(internal::CheckUpgraded(
      *meta, "open it once with the app (a writable Store::Open upgrades it), or run "
             "`authkv-dump upgrade`, then run authkv-dump again"));
  rep.schema_version = meta->schema_version;
  rep.email_match = meta->email_match;
  return Status::OK();
}

}  // namespace

namespace internal {

// The options the store last opened the database with (RocksDB keeps them
// in an OPTIONS file), so files written here are tuned as the store's are;
// RocksDB defaults if that file cannot be read. Descriptors come back in
// layout order.
void LoadStoreOptions(const std::string& path, rocksdb::DBOptions* db_options,
                      std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors) {
  rocksdb::ConfigOptions config;
  config.ignore_unknown_options = true;
  config.env = rocksdb::Env::Default();
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kToolBlockCacheBytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> loaded;
  if (!rocksdb::LoadLatestOptions(config, path, db_options, &loaded, &cache).ok()) {
    *db_options = rocksdb::DBOptions();
    loaded.clear();
  }
  descriptors->clear();
  for (auto name : internal::kFamilyNames) {
    auto it =
        std::find_if(loaded.begin(), loaded.end(), [&](const auto& d) { return d.name == name; });
    descriptors->emplace_back(std::string(name),
                              it != loaded.end() ? it->options : rocksdb::ColumnFamilyOptions());
  }
  db_options->create_if_missing = false;
  db_options->create_missing_column_families = false;
  db_options->info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Whatever the OPTIONS file says (one written before authkv chose this
  // mode says kPointInTimeRecovery): past anything but a torn tail, the
  // tool refuses to read, as the store does, and points at salvage.
  db_options->wal_recovery_mode = internal::kWalRecoveryMode;
}

}  // namespace internal

Inspector::Rep::~Rep() {
  if (db) {
    if (snapshot) db->ReleaseSnapshot(snapshot);
    for (auto* h : handles) {
      if (h) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
    db.reset();
  }
  if (remove_secondary_dir) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir, ec);
  }
}

rocksdb::ReadOptions Inspector::Rep::ReadOptions() const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  // A whole-database scan would otherwise push the app's hot blocks out of
  // a shared cache; here the cache is the tool's own, but the habit is cheap.
  ro.fill_cache = false;
  return ro;
}

Status Inspector::Rep::ForEach(
    Family f, const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ReadOptions(), cf(f)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return internal::FromRocks(it->status(), std::string(internal::FamilyName(f)) + " scan");
}

Status Inspector::Rep::Get(Family f, std::string_view key, std::string* value) const {
  rocksdb::PinnableSlice slice;
  rocksdb::Status s = db->Get(ReadOptions(), cf(f), rocksdb::Slice(key.data(), key.size()), &slice);
  if (s.IsNotFound()) return Status::NotFound(internal::FamilyName(f));
  if (!s.ok()) return internal::FromRocks(s, internal::FamilyName(f));
  value->assign(slice.data(), slice.size());
  return Status::OK();
}

Result<Record> Inspector::Rep::Read(RecordKind kind, std::string_view key) const {
  std::string value;
  AUTHKV_RETURN_IF_ERROR(Get(internal::FamilyOf(kind), key, &value));
  return internal::DecodeStored(kind, key, value);
}

Status Inspector::Rep::Commit(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return internal::FromRocks(db->Write(wo, batch), "write " + path);
}

Inspector::Inspector(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Inspector::~Inspector() = default;

const std::string& Inspector::path() const { return rep_->path; }
OpenMode Inspector::mode() const { return rep_->mode; }
uint32_t Inspector::schema_version() const { return rep_->schema_version; }
EmailMatch Inspector::email_match() const { return rep_->email_match; }

Result<std::unique_ptr<Inspector>> Inspector::Open(const std::string& path,
                                                   const InspectOptions& options) {
  if (path.empty()) return Status::InvalidArgument("database path is empty");
  AUTHKV_RETURN_IF_ERROR(Recognize(path));
  auto rep = std::make_unique<Rep>();
  rep->path = path;
  rep->mode = options.mode;
  AUTHKV_RETURN_IF_ERROR(OpenDb(*rep, options));
  std::unique_ptr<Inspector> inspector(new Inspector(std::move(rep)));
  AUTHKV_RETURN_IF_ERROR(inspector->Refresh());
  Rep& r = *inspector->rep_;
  AUTHKV_RETURN_IF_ERROR(LoadMeta(r));
  return inspector;
}

Status Inspector::Refresh() {
  Rep& r = *rep_;
  if (r.mode == OpenMode::kPrimary) {
    if (r.snapshot) r.db->ReleaseSnapshot(r.snapshot);
    r.snapshot = r.db->GetSnapshot();
    return Status::OK();
  }
  return internal::FromRocks(RetryIOError([&] { return r.db->TryCatchUpWithPrimary(); }),
                             "catch up with " + r.path);
}

}  // namespace authkv
