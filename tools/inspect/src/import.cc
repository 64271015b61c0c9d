// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Import: reading an NDJSON export line by line, and writing a set of
// records into an empty database. Everything is checked before anything is
// written, and then everything is written in one atomic, synced batch, so an
// import either happens whole or leaves the target as it was. A run killed
// at any moment is finished by the next run of the same import: Store::Open
// finishes the target's creation, a batch that never committed is written,
// and one that did is recognised entry by entry and not written again.

#include <rocksdb/write_batch.h>

#include <array>
#include <istream>
#include <unordered_map>
#include <unordered_set>

#include "authkv/store.h"
#include "digest.h"
#include "email.h"
#include "record_json.h"
#include "inspector_rep.h"
#include "status_macros.h"
#include "validate.h"

namespace authkv {

using internal::Family;

namespace {

constexpr uint64_t kProgressEvery = 10'000;

Status CheckDigest(std::string_view field, std::string_view digest) {
  if (digest.size() != internal::kSha256Bytes) {
    return Status::InvalidArgument(std::string(field) + " is not a SHA-256 digest");
  }
  return Status::OK();
}

// The field limits the store enforces on its own writes (validate.h): the
// same checks, control characters in labels included, not a copy of them.
Status Validate(const Record& record) {
  if (const auto* u = std::get_if<User>(&record)) return internal::ValidateUser(*u, true);
  if (const auto* a = std::get_if<StoredAccount>(&record)) {
    return internal::ValidateAccount(a->account);
  }
  if (const auto* s = std::get_if<StoredSession>(&record)) {
    AUTHKV_RETURN_IF_ERROR(internal::CheckLabel("session.user_id", s->user_id));
    return CheckDigest("session.token_sha256", s->token_sha256);
  }
  if (const auto* t = std::get_if<StoredVerificationToken>(&record)) {
    AUTHKV_RETURN_IF_ERROR(internal::CheckLabel("verification_token.identifier", t->identifier));
    return CheckDigest("verification_token.token_sha256", t->token_sha256);
  }
  return internal::ValidateAuthenticator(std::get<Authenticator>(record));
}

// Checks the whole set as the store's own writes would have: each record
// valid, no key or email twice, every child's user in the set. Returns the
// number of problems, each reported at its origin.
size_t CheckSet(const ImportSet& set, EmailMatch email_match, const ProblemSink& problems) {
  size_t count = 0;
  auto report = [&](const ImportItem& item, std::string reason) {
    ++count;
    if (problems) problems(Problem{item.origin, std::move(reason)});
  };
  std::array<std::unordered_map<std::string, const ImportItem*>, 5> keys;
  std::unordered_map<std::string, const ImportItem*> emails;
  for (const auto& item : set.items) {
    Status valid = Validate(item.record);
    if (!valid.ok()) {
      report(item, internal::Reason(valid));
      continue;
    }
    const auto kind = static_cast<size_t>(KindOf(item.record));
    auto [it, fresh] = keys[kind].emplace(RecordKey(item.record), &item);
    if (!fresh) {
      report(item, "duplicate " + std::string(RecordKindName(KindOf(item.record))) + " (also at " +
                       it->second->origin + ")");
      continue;
    }
    if (const auto* u = std::get_if<User>(&item.record)) {
      if (!u->email.has_value() || u->email->empty()) continue;
      auto [e, unique] = emails.emplace(internal::NormalizeEmail(*u->email, email_match), &item);
      if (!unique) {
        report(item, "email " + *u->email + " is taken (by " + e->second->origin +
                         "; emails compare " + std::string(EmailMatchName(email_match)) + ")");
      }
    }
  }
  const auto& users = keys[static_cast<size_t>(RecordKind::kUser)];
  for (const auto& item : set.items) {
    std::string_view owner = RecordOwner(item.record);
    if (!owner.empty() && !users.contains(std::string(owner))) {
      report(item, "its user " + std::string(owner) + " is not in the import");
    }
  }
  return count;
}

// Opens the import target for writing. Store::Open makes it when nothing is
// there, and finishes a creation that an earlier, killed run cut short
// (core/src/creation.h), so a re-run never finds a half-made target.
Result<std::unique_ptr<Inspector>> OpenTarget(const std::string& path, EmailMatch email_match) {
  {
    Options create;
    create.create_if_missing = true;
    create.email_match = email_match;
    AUTHKV_ASSIGN_OR_RETURN(auto store, Store::Open(path, create));
  }
  return Inspector::Open(path, internal::ModeOptions(OpenMode::kPrimary));
}

// Checks that every entry a batch puts is in the target with that value.
class SameEntries : public rocksdb::WriteBatch::Handler {
 public:
  explicit SameEntries(const Inspector::Rep& rep) : rep_(rep) {
    for (size_t i = 0; i < internal::kFamilyCount; ++i) {
      if (rep.handles[i]) by_id_[rep.handles[i]->GetID()] = static_cast<Family>(i);
    }
  }
  rocksdb::Status PutCF(uint32_t family_id, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    auto family = by_id_.find(family_id);
    std::string stored;
    same_ = family != by_id_.end() &&
            rep_.Get(family->second, std::string_view(key.data(), key.size()), &stored).ok() &&
            stored == std::string_view(value.data(), value.size());
    if (same_) ++puts_[static_cast<size_t>(family->second)];
    return rocksdb::Status::OK();
  }
  bool Continue() override { return same_; }

  bool same() const { return same_; }
  uint64_t puts(Family f) const { return puts_[static_cast<size_t>(f)]; }

 private:
  const Inspector::Rep& rep_;
  std::unordered_map<uint32_t, Family> by_id_;
  std::array<uint64_t, internal::kFamilyCount> puts_{};
  bool same_ = true;
};

enum class TargetHolds { kNothing, kThisImport, kOther };

// What the target holds besides meta: nothing; exactly what `batch` writes
// (an earlier run of this import committed it and was killed before it
// said so); or something else, named in `family`.
Result<TargetHolds> CompareTarget(const Inspector::Rep& rep, rocksdb::WriteBatch& batch,
                                  Family* family) {
  std::array<uint64_t, internal::kFamilyCount> held{};
  bool any = false;
  for (size_t i = 0; i < internal::kFamilyCount; ++i) {
    const auto f = static_cast<Family>(i);
    if (f == Family::kMeta) continue;
    AUTHKV_RETURN_IF_ERROR(rep.ForEach(f, [&](std::string_view, std::string_view) {
      ++held[i];
      return true;
    }));
    if (held[i] > 0 && !any) *family = f;
    any = any || held[i] > 0;
  }
  if (!any) return TargetHolds::kNothing;
  SameEntries same(rep);
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(batch.Iterate(&same), "compare with " + rep.path));
  if (!same.same()) return TargetHolds::kOther;
  for (size_t i = 0; i < internal::kFamilyCount; ++i) {
    const auto f = static_cast<Family>(i);
    if (f != Family::kMeta && same.puts(f) != held[i]) {
      *family = f;
      return TargetHolds::kOther;
    }
  }
  return TargetHolds::kThisImport;
}

}  // namespace

Result<ImportSet> ReadExport(std::istream& in, const ProblemSink& problems) {
  ImportSet set;
  bool header_seen = false;
  size_t bad = 0;
  uint64_t line_no = 0;
  auto report = [&](std::string reason) {
    ++bad;
    if (problems) problems(Problem{"line " + std::to_string(line_no), std::move(reason)});
  };
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = internal::JsonFields::Parse(line);
    if (!fields.ok()) {
      report(internal::Reason(fields.status()));
      continue;
    }
    const bool is_header = fields->Text("kind").ok() && *fields->Text("kind") == "header";
    if (!header_seen) {
      if (!is_header) {
        report("expected the export header ({\"kind\":\"header\",...}) first");
        header_seen = true;  // Read on, so every other bad line is listed too.
        continue;
      }
      header_seen = true;
      auto header = internal::ParseExportHeader(*fields);
      if (header.status().IsVersionMismatch()) return header.status();
      if (!header.ok()) {
        report(internal::Reason(header.status()));
        continue;
      }
      if (header->schema_version > kSchemaVersion) {
        return Status::VersionMismatch(
            "the export is from schema version " + std::to_string(header->schema_version) +
            ", newer than this authkv supports (" + std::to_string(kSchemaVersion) +
            "); use a newer authkv-dump");
      }
      set.schema_version = header->schema_version;
      set.email_match = header->email_match;
      continue;
    }
    if (is_header) {
      report("a second export header");
      continue;
    }
    auto record = RecordFromJson(line);
    if (!record.ok()) {
      report(internal::Reason(record.status()));
      continue;
    }
    set.items.push_back({std::move(record).value(), "line " + std::to_string(line_no)});
  }
  if (in.bad()) return Status::IOError("reading the export failed");
  if (!header_seen) return Status::InvalidArgument("the export is empty");
  if (bad > 0) {
    return Status::InvalidArgument(std::to_string(bad) + " bad line" + (bad == 1 ? "" : "s") +
                                   "; nothing imported");
  }
  return set;
}

Result<ImportCounts> ImportRecords(const std::string& path, const ImportSet& set,
                                   const ImportOptions& options, const ProblemSink& problems) {
  if (set.schema_version > kSchemaVersion) {
    return Status::VersionMismatch("the records are from schema version " +
                                   std::to_string(set.schema_version) +
                                   ", newer than this authkv supports");
  }
  const EmailMatch email_match = set.email_match.value_or(options.email_match);
  const size_t bad = CheckSet(set, email_match, problems);
  if (bad > 0) {
    return Status::InvalidArgument(std::to_string(bad) + " problem" + (bad == 1 ? "" : "s") +
                                   "; nothing imported");
  }
  AUTHKV_ASSIGN_OR_RETURN(auto target, OpenTarget(path, email_match));
  auto& rep = target->rep();
  rocksdb::WriteBatch batch;
  ImportCounts counts;
  uint64_t done = 0;
  for (const auto& item : set.items) {
    internal::PutRecord(rep.handles, email_match, &batch, item.record);
    ++counts.records[static_cast<size_t>(KindOf(item.record))];
    if (options.progress && ++done % kProgressEvery == 0) options.progress("import", done);
  }
  // A re-run after a kill either finds nothing (the batch never committed:
  // import it now) or exactly this import (it did: nothing to do). Anything
  // else is someone's data and is left alone.
  Family holding = Family::kDefault;
  AUTHKV_ASSIGN_OR_RETURN(const TargetHolds holds, CompareTarget(rep, batch, &holding));
  if (holds == TargetHolds::kOther) {
    return Status::InvalidArgument(path + " already holds data (" +
                                   std::string(internal::FamilyName(holding)) +
                                   "); import only into an empty database");
  }
  if (target->email_match() != email_match) {
    return Status::InvalidArgument(
        path + " compares emails " + std::string(EmailMatchName(target->email_match())) +
        " but the import needs " + std::string(EmailMatchName(email_match)));
  }
  if (holds == TargetHolds::kThisImport) {
    counts.already_imported = true;
    return counts;
  }
  AUTHKV_RETURN_IF_ERROR(rep.Commit(&batch));
  return counts;
}

}  // namespace authkv
