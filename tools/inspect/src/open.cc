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
#include "inspector_rep.h"
#include "meta.h"
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

// Tells apart a missing path, something that is not authkv, and a database
// from a newer authkv, before anything is opened.
Status Recognize(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("no authkv database at " + path);
  }
  if (!std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + " is not a directory");
  }
  std::vector<std::string> families;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families).ok()) {
    return Status::InvalidArgument(path + " is not an authkv database (no RocksDB in it)");
  }
  AUTHKV_RETURN_IF_ERROR(internal::CheckFamilies(families, path));
  for (auto name : internal::kFamilyNames) {
    if (std::find(families.begin(), families.end(), name) == families.end()) {
      return Status::Corruption("column family '" + std::string(name) + "' is missing");
    }
  }
  return Status::OK();
}

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
  LoadStoreOptions(rep.path, &db_options, &descriptors);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (rep.mode == OpenMode::kPrimary) {
    s = rocksdb::DB::Open(db_options, rep.path, descriptors, &handles, &raw);
    if (!s.ok()) {
      Status st = internal::FromRocksOpen(s, rep.path);
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
    s = RetryIOError([&] {
      return rocksdb::DB::OpenAsSecondary(db_options, rep.path, rep.secondary_dir, descriptors,
                                          &handles, &raw);
    });
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
