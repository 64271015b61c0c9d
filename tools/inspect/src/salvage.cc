// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Salvage: what is intact in a damaged database, brought into a new one
// (inspect.h). RocksDB may write while it recovers (a replayed log becomes
// a table file, a repair rewrites the MANIFEST), so it only ever sees a
// private copy of the damaged files.

#include <rocksdb/db.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "inspector_rep.h"
#include "recovery.h"
#include "status_macros.h"

namespace authkv {

namespace {

// A damaged record can make import refuse a record it points at or that
// points at it (a user lost, so its sessions are orphans); each round
// leaves out what the last one refused.
constexpr int kImportRounds = 4;

// The private copy, removed when this goes out of scope.
class WorkCopy {
 public:
  ~WorkCopy() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }

  // Copies the regular files of `from` (a RocksDB directory has no
  // subdirectories it needs) into a new directory beside `near`, mode 0700
  // (mkdtemp): the files hold every user's data.
  Status Make(const std::string& from, const std::string& near) {
    std::string tmpl = near + ".salvage-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Status::IOError("cannot create " + tmpl + ": " + std::strerror(errno));
    }
    path_ = tmpl;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
      if (!entry.is_regular_file()) continue;
      std::filesystem::copy_file(entry.path(), path_ + "/" + entry.path().filename().string(), ec);
      if (ec) {
        return Status::IOError("cannot copy " + entry.path().string() + ": " + ec.message());
      }
    }
    if (ec) return Status::IOError("cannot read " + from + ": " + ec.message());
    return Status::OK();
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Salvager {
 public:
  Salvager(const std::string& damaged, const WorkCopy& copy, SalvageReport* report)
      : damaged_(damaged), copy_(copy), report_(*report) {}

  // Reads the copy into set_; after a failure to open or read it through,
  // repairs it and reads it again.
  Status Read() {
    Status s = ReadOnce();
    if (s.ok() || s.IsNotFound() || s.IsVersionMismatch()) return s;
    report_.lost.clear();
    set_ = ImportSet{};
    report_.repaired = true;
    AUTHKV_RETURN_IF_ERROR(Repair());
    return ReadOnce();
  }

  // Imports set_ into `dir`, leaving out whatever ImportRecords refuses.
  Status Import(const std::string& dir, const ProgressFn& progress) {
    ImportOptions options;
    options.progress = progress;
    for (int round = 0; round < kImportRounds; ++round) {
      std::unordered_map<std::string, std::string> refused;  // origin -> reason
      auto counts = ImportRecords(dir, set_, options, [&](const Problem& p) {
        refused.emplace(p.where, p.reason);
      });
      if (counts.ok()) {
        report_.recovered = counts->records;
        return Status::OK();
      }
      if (!counts.status().IsInvalidArgument() || refused.empty()) return counts.status();
      std::erase_if(set_.items, [&](const ImportItem& item) {
        auto it = refused.find(item.origin);
        if (it == refused.end()) return false;
        report_.lost.push_back(Problem{item.origin, "left out: " + it->second});
        return true;
      });
    }
    return Status::Internal("import still refuses records after " +
                            std::to_string(kImportRounds) + " rounds");
  }

 private:
  // RocksDB names files by their path in the copy; the report names them
  // where they are damaged.
  void Lost(const std::string& damage) {
    std::string text = damage;
    const std::string copy_prefix = copy_.path() + "/";
    for (size_t at; (at = text.find(copy_prefix)) != std::string::npos;) {
      text.replace(at, copy_prefix.size(), damaged_ + "/");
    }
    const size_t colon = text.find(": ");
    report_.lost.push_back(colon == std::string::npos
                               ? Problem{text, "damaged"}
                               : Problem{text.substr(0, colon), text.substr(colon + 2)});
  }

  Status ReadOnce() {
    InspectOptions open = internal::ModeOptions(OpenMode::kPrimary);
    open.skip_damaged_log_records = [this](const std::string& damage) { Lost(damage); };
    AUTHKV_ASSIGN_OR_RETURN(auto inspector, Inspector::Open(copy_.path(), open));
    set_.schema_version = inspector->schema_version();
    set_.email_match = inspector->email_match();
    for (RecordKind kind : kAllRecordKinds) {
      AUTHKV_RETURN_IF_ERROR(inspector->Scan(
          kind,
          [&](const Record& record) {
            set_.items.push_back(
                {record, std::string(RecordFamilyName(kind)) + "/" + HexString(RecordKey(record))});
            return true;
          },
          [&](const Problem& p) { report_.lost.push_back(p); }));
    }
    return Status::OK();
  }

  Status Repair() {
    rocksdb::DBOptions db_options;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    internal::LoadStoreOptions(copy_.path(), &db_options, &descriptors);
    db_options.info_log = internal::NewDamageLogger([this](const std::string& d) { Lost(d); });
    return internal::FromRocks(rocksdb::RepairDB(copy_.path(), db_options, descriptors),
                               "repair a copy of " + damaged_);
  }

  const std::string& damaged_;
  const WorkCopy& copy_;
  SalvageReport& report_;
  ImportSet set_;
};

}  // namespace

Result<SalvageReport> Salvage(const std::string& damaged, const std::string& dir,
                              const ProgressFn& progress) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Status::InvalidArgument(dir + " already exists; salvage into a new directory");
  }
  if (!std::filesystem::is_directory(damaged, ec)) {
    return Status::NotFound("no database directory at " + damaged);
  }
  WorkCopy copy;
  AUTHKV_RETURN_IF_ERROR(copy.Make(damaged, dir));
  SalvageReport report;
  Salvager salvager(damaged, copy, &report);
  AUTHKV_RETURN_IF_ERROR(salvager.Read());
  AUTHKV_RETURN_IF_ERROR(salvager.Import(dir, progress));
  AUTHKV_ASSIGN_OR_RETURN(report.verified, VerifyDatabase(dir, VerifyOptions{}));
  return report;
}

}  // namespace authkv
