// authkv: embedded auth-data store. Licensed under the ISC license.

#include "meta.h"

#include <algorithm>
#include <charconv>

#include "authkv/store.h"
#include "keys.h"
#include "status_macros.h"

namespace authkv {

std::string_view EmailMatchName(EmailMatch match) {
  return match == EmailMatch::kExact ? "exact" : "case_insensitive";
}

std::optional<EmailMatch> ParseEmailMatchName(std::string_view name) {
  if (name == EmailMatchName(EmailMatch::kExact)) return EmailMatch::kExact;
  if (name == EmailMatchName(EmailMatch::kCaseInsensitive)) return EmailMatch::kCaseInsensitive;
  return std::nullopt;
}

namespace internal {

Status CheckFamilies(const std::vector<std::string>& families, const std::string& path) {
  if (std::find(families.begin(), families.end(), FamilyName(Family::kMeta)) == families.end()) {
    return Status::InvalidArgument(path + " is a RocksDB database but not an authkv one");
  }
  for (const auto& name : families) {
    if (std::find(kFamilyNames.begin(), kFamilyNames.end(), name) == kFamilyNames.end()) {
      return Status::VersionMismatch("database has column family '" + name +
                                     "' unknown to this authkv; it was written by a newer "
                                     "version");
    }
  }
  return Status::OK();
}

Result<Meta> ReadMeta(const MetaGetter& get, std::string_view newer_advice) {
  std::string version;
  AUTHKV_RETURN_IF_ERROR(get(kMetaSchemaVersion, &version));
  uint32_t v = 0;
  const char* end = version.data() + version.size();
  auto [ptr, ec] = std::from_chars(version.data(), end, v);
  if (version.empty() || ec != std::errc() || ptr != end || v == 0) {
    return Status::Corruption("meta: schema_version is not a number: " + version);
  }
  if (v > kSchemaVersion) {
    return Status::VersionMismatch("database schema version " + version +
                                   " is newer than this authkv supports (" +
                                   std::to_string(kSchemaVersion) + "); " +
                                   std::string(newer_advice));
  }
  std::string match;
  AUTHKV_RETURN_IF_ERROR(get(kMetaEmailMatch, &match));
  auto parsed = ParseEmailMatchName(match);
  if (!parsed) return Status::Corruption("meta: unknown email_match " + match);
  std::string progress;
  Status in_progress = get(kMetaUpgradeProgress, &progress);
  if (!in_progress.ok() && !in_progress.IsNotFound()) return in_progress;
  return Meta{v, *parsed, in_progress.ok()};
}

bool Meta::NeedsUpgrade() const {
  return schema_version < kSchemaVersion || upgrade_in_progress;
}

Status CheckUpgraded(const Meta& meta, std::string_view advice) {
  if (!meta.NeedsUpgrade()) return Status::OK();
  std::string what = meta.upgrade_in_progress
                         ? "an upgrade to schema version " + std::to_string(kSchemaVersion) +
                               " that has not finished"
                         : "schema version " + std::to_string(meta.schema_version) +
                               ", which must be upgraded to " + std::to_string(kSchemaVersion);
  return Status::VersionMismatch("database has " + what + "; " + std::string(advice));
}

void PutNewMeta(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* meta_family,
                EmailMatch match) {
  batch->Put(meta_family, kMetaSchemaVersion, std::to_string(kSchemaVersion))
      .PermitUncheckedError();
  batch->Put(meta_family, kMetaEmailMatch, EmailMatchName(match)).PermitUncheckedError();
}

}  // namespace internal
}  // namespace authkv
