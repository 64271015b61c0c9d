// authkv: embedded auth-data store. Licensed under the ISC license.

#include "creation.h"

#include <fcntl.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "keys.h"
#include "meta.h"
#include "status_macros.h"

namespace authkv::internal {

namespace {

namespace fs = std::filesystem;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A file RocksDB writes while it creates a database, before CURRENT names
// its MANIFEST. None of them can hold a record.
bool IsWrittenBeforeCurrent(std::string_view name) {
  return name == "LOCK" || name == "IDENTITY" || name == "LOG" || StartsWith(name, "LOG.old.") ||
         StartsWith(name, "MANIFEST-") || EndsWith(name, ".dbtmp");
}

bool IsOptionsFile(std::string_view name) {
  return StartsWith(name, "OPTIONS-") && !EndsWith(name, ".dbtmp");
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Looking must not write into the directory, so the read-only open below
// gets no info log.
class NoLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// Whether the database at `path` holds no entry in any of `families`,
// opened read-only (which takes no LOCK and writes nothing). False when it
// cannot be opened that way: what cannot be looked into is not blank.
bool IsBlank(const std::string& path, const std::vector<std::string>& families) {
  rocksdb::DBOptions options;
  options.info_log = std::make_shared<NoLogger>();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : families) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw).ok()) return false;
  std::unique_ptr<rocksdb::DB> db(raw);
  auto blank = HoldsNoEntry(db.get(), handles);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  return blank.ok() && *blank;
}

Status SyncDirectory(const fs::path& dir) {
  const std::string name = dir.empty() ? "." : dir.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + name + ": " + std::strerror(errno));
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot sync a directory (EINVAL); they have nothing
  // to lose by it either.
  if (synced != 0 && error != EINVAL) {
    return Status::IOError("cannot sync " + name + ": " + std::strerror(error));
  }
  return Status::OK();
}

}  // namespace

Result<Found> Examine(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status::IOError("cannot stat " + path + ": " + ec.message());
    }
    return Found::kNothing;
  }
  if (!fs::is_directory(status)) return Status::InvalidArgument(path + " is not a directory");
  std::vector<std::string> entries;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path().filename().string());
  }
  if (ec) return Status::IOError("cannot list " + path + ": " + ec.message());
  if (entries.empty()) return Found::kNothing;

  if (!Contains(entries, "CURRENT")) {
    if (std::all_of(entries.begin(), entries.end(),
                    [](const std::string& e) { return IsWrittenBeforeCurrent(e); })) {
      return Found::kUnfinished;
    }
    return Status::InvalidArgument(path + " is not an authkv database (no RocksDB in it)");
  }
  std::vector<std::string> families;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
  if (!listed.ok()) return FromRocks(listed, "read the column families of " + path);

  const bool all_known = std::all_of(families.begin(), families.end(), [](const auto& f) {
    return std::find(kFamilyNames.begin(), kFamilyNames.end(), f) != kFamilyNames.end();
  });
  if (!Contains(families, FamilyName(Family::kMeta))) {
    const bool has_options = std::any_of(entries.begin(), entries.end(),
                                         [](const std::string& e) { return IsOptionsFile(e); });
    if (all_known && !has_options && IsBlank(path, families)) return Found::kUnfinished;
  }
  AUTHKV_RETURN_IF_ERROR(CheckFamilies(families, path));
  const bool complete = std::all_of(kFamilyNames.begin(), kFamilyNames.end(),
                                    [&](std::string_view f) { return Contains(families, f); });
  if (!complete && IsBlank(path, families)) return Found::kUnfinished;
  return Found::kDatabase;
}

Status NoDatabase(const std::string& path, bool unfinished) {
  if (!unfinished) return Status::NotFound("no authkv database at " + path);
  return Status::NotFound("no authkv database at " + path +
                          " (its creation was cut short; an open that may create the database "
                          "finishes it)");
}

Status CreateDirectory(const std::string& path) {
  fs::path dir(path);
  if (!dir.has_filename()) dir = dir.parent_path();  // "db/" names "db".
  const fs::path parent = dir.parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Status::IOError("cannot create " + parent.string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  return SyncDirectory(parent);
}

Result<bool> HoldsNoEntry(rocksdb::DB* db,
                          std::span<rocksdb::ColumnFamilyHandle* const> families) {
  for (auto* family : families) {
    if (family == nullptr) continue;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
    it->SeekToFirst();
    if (it->Valid()) return false;
    AUTHKV_RETURN_IF_ERROR(FromRocks(it->status(), "scan " + family->GetName()));
  }
  return true;
}

Status WriteNewMeta(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta_family, EmailMatch match) {
  rocksdb::WriteBatch batch;
  PutNewMeta(&batch, meta_family, match);
  rocksdb::WriteOptions durable;
  durable.sync = true;
  return FromRocks(db->Write(durable, &batch), "write meta");
}

}  // namespace authkv::internal
