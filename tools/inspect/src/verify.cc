// authkv: embedded auth-data store. Licensed under the ISC license.
//
// verify: every block of every table file matches its checksum; every value unseals and decodes and matches its key; every
// account, session and authenticator has its user; the index families hold
// exactly the entries the records call for (as core's layout.h places
// them: the store's own description), with the right values. Repair writes
// the difference between the expected and the actual index entries in one
// batch, then checks again. An entry two records claim (two users with one
// email) is reported with both and never repaired: see Collision.

#include <rocksdb/convenience.h>
#include <rocksdb/metadata.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "inspector_rep.h"
#include "status_macros.h"

namespace authkv {

using internal::Family;

namespace {

constexpr uint64_t kProgressEvery = 10'000;
// A secondary view that shows problems is checked again after a fresh
// catch-up this many times before the problems are believed.
constexpr int kSecondaryRechecks = 2;

struct Claim {
  std::string value;
  std::string owner;  // "<family>/<key-hex>" of the record the entry belongs to.
};

// What the records say an index entry must hold. More than one claim with
// different values (two users with one email) is a collision: no entry can
// be right, so it is reported and a repair leaves the entry as it is.
struct Expected {
  std::string value;
  std::string owner;
  std::vector<Claim> rivals;  // Claims with values other than `value`.
};

struct Child {
  std::string user_id;
  int64_t expires_ms = 0;
};

std::string Where(RecordKind kind, std::string_view key) {
  return std::string(RecordFamilyName(kind)) + "/" + HexString(key);
}

class Checker {
 public:
  Checker(Inspector::Rep& rep, const VerifyOptions& options) : rep_(rep), options_(options) {}

  Status Run() {
    AUTHKV_RETURN_IF_ERROR(CheckFiles());
    for (RecordKind kind : kAllRecordKinds) {
      AUTHKV_RETURN_IF_ERROR(Readable(internal::FamilyOf(kind), CheckRecords(kind)));
    }
    // With records left unread, their index entries would all look
    // dangling: the index check waits until the damage is dealt with.
    if (cut_short_) return Status::OK();
    for (Family f : internal::kIndexFamilies) AUTHKV_RETURN_IF_ERROR(Readable(f, CheckIndex(f)));
    return Readable(Family::kDefault, CheckEmpty(Family::kDefault));
  }

  // Whether a file or a family is damaged beyond what an index rebuild
  // fixes: a repair then writes nothing.
  bool damaged() const { return files_damaged_ || cut_short_; }

  VerifyReport& report() { return report_; }
  rocksdb::WriteBatch& repair() { return repair_; }
  uint64_t repair_ops() const { return repair_ops_; }

 private:
  void Add(Problem p) { report_.problems.push_back(std::move(p)); }

  // A scan that a damaged block cut short is a problem of its family; the
  // check goes on with the next family.
  Status Readable(Family f, Status s) {
    if (!s.IsCorruption()) return s;
    Add(Problem{std::string(internal::FamilyName(f)),
                "cannot be read through, and what follows the damage is not checked: " +
                    internal::Reason(s)});
    cut_short_ = true;
    return Status::OK();
  }

  void Progress() {
    const uint64_t done = report_.records + report_.index_entries;
    if (options_.progress && done % kProgressEvery == 0) options_.progress("verify", done);
  }

  // Every block of every live table file against its checksum. This is
  // DB::VerifyChecksum, file by file, so that each damaged file is named
  // and the check goes on past the first.
  Status CheckFiles() {
    std::vector<rocksdb::LiveFileMetaData> files;
    rep_.db->GetLiveFilesMetaData(&files);
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    for (const auto& file : files) {
      const std::string path = file.directory + "/" + file.relative_filename;
      const auto name = std::find(internal::kFamilyNames.begin(), internal::kFamilyNames.end(),
                                  file.column_family_name);
      if (name == internal::kFamilyNames.end()) continue;  // Open refuses a stranger family.
      const rocksdb::Options options = rep_.db->GetOptions(
          rep_.cf(static_cast<Family>(name - internal::kFamilyNames.begin())));
      const rocksdb::Status s = rocksdb::VerifySstFileChecksum(
          options, rocksdb::EnvOptions(options), read, path, file.largest_seqno);
      ++report_.files;
      if (s.IsCorruption()) {
        Add(Problem{"table file " + path, s.getState() ? s.getState() : "damaged"});
        files_damaged_ = true;
        continue;
      }
      // A live app's compaction may have deleted the file since the view
      // was taken; newer files hold its entries.
      std::error_code ec;
      if (!s.ok() && std::filesystem::exists(path, ec)) {
        return internal::FromRocks(s, "check " + path);
      }
    }
    return Status::OK();
  }

  Status CheckRecords(RecordKind kind) {
    const Family f = internal::FamilyOf(kind);
    return rep_.ForEach(f, [&](std::string_view key, std::string_view value) {
      ++report_.records;
      Progress();
      auto record = internal::DecodeStored(kind, key, value);
      if (!record.ok()) {
        Add(Problem::AtKey(internal::FamilyName(f), key, internal::Reason(record.status())));
        unreadable_[static_cast<size_t>(kind)].emplace(key);
        return true;
      }
      Remember(kind, key, *record);
      for (auto& e : internal::PlaceRecord(*record, rep_.email_match).index) {
        Expect(std::move(e), Where(kind, key));
      }
      return true;
    });
  }

  // Notes what later checks need, and reports a child whose user is gone.
  // Users come first in kAllRecordKinds, so every user is known by now.
  void Remember(RecordKind kind, std::string_view key, const Record& record) {
    if (kind == RecordKind::kUser) {
      users_.emplace(std::string(key), internal::EmailIndexKey(std::get<User>(record), rep_.email_match));
      return;
    }
    Child child{std::string(RecordOwner(record)), 0};
    if (const auto* s = std::get_if<StoredSession>(&record)) child.expires_ms = s->expires_ms;
    if (const auto* t = std::get_if<StoredVerificationToken>(&record)) {
      child.expires_ms = t->expires_ms;
    }
    if (!child.user_id.empty() && !users_.contains(child.user_id) &&
        !Unreadable(RecordKind::kUser, child.user_id)) {
      Add(Problem::AtKey(RecordFamilyName(kind), key,
                         "orphan: its user " + child.user_id + " does not exist"));
    }
    children_[static_cast<size_t>(kind)].emplace(std::string(key), std::move(child));
  }

  void Expect(internal::IndexEntry e, std::string owner) {
    auto& map = expected_[static_cast<size_t>(e.family)];
    auto [it, inserted] = map.try_emplace(e.key, Expected{e.value, owner, {}});
    if (!inserted && it->second.value != e.value) {
      it->second.rivals.push_back(Claim{std::move(e.value), std::move(owner)});
    }
  }

  // Reports a collision: the records (users, by id) claiming the entry and
  // what it holds (`actual`, nullopt when missing). Picking one would hand
  // the others' sign-in to it, so a repair changes nothing here; the
  // operator decides, by changing or removing all but one of the emails.
  void Collision(Family f, std::string_view key, const Expected& expected,
                 std::optional<std::string_view> actual) {
    std::string who = expected.value + " (" + expected.owner + ")";
    for (size_t i = 0; i < expected.rivals.size(); ++i) {
      who += (i + 1 == expected.rivals.size() ? " and " : ", ") + expected.rivals[i].value +
             " (" + expected.rivals[i].owner + ")";
    }
    const std::string holds =
        actual ? "it points at " + JsonQuote(*actual) : std::string("it is missing");
    Add(Problem::AtKey(internal::FamilyName(f), key,
                       "collision: claimed by " + who + "; " + holds +
                           ", and repair leaves it so: give all but one of them another "
                           "email, then run verify --repair again"));
  }

  Status CheckIndex(Family f) {
    const auto& expected = expected_[static_cast<size_t>(f)];
    auto next = expected.begin();
    AUTHKV_RETURN_IF_ERROR(rep_.ForEach(f, [&](std::string_view key, std::string_view value) {
      ++report_.index_entries;
      Progress();
      while (next != expected.end() && std::string_view(next->first) < key) Missing(f, *next++);
      if (next != expected.end() && next->first == key) {
        if (!next->second.rivals.empty()) {
          Collision(f, key, next->second, value);
        } else if (next->second.value != value) {
          Add(Problem::AtKey(internal::FamilyName(f), key,
                             "holds " + JsonQuote(value) + " but " + next->second.owner +
                                 " needs " + JsonQuote(next->second.value)));
          Fix(f, key, next->second.value);
        }
        ++next;
      } else if (auto why = Dangling(f, key, value)) {
        Add(Problem::AtKey(internal::FamilyName(f), key, *why));
        Fix(f, key, std::nullopt);
      }
      return true;
    }));
    while (next != expected.end()) Missing(f, *next++);
    return Status::OK();
  }

  void Missing(Family f, const std::pair<const std::string, Expected>& entry) {
    if (!entry.second.rivals.empty()) return Collision(f, entry.first, entry.second, std::nullopt);
    Add(Problem::AtKey(internal::FamilyName(f), entry.first,
                       "missing: the index entry of " + entry.second.owner));
    Fix(f, entry.first, entry.second.value);
  }

  bool Unreadable(RecordKind kind, std::string_view key) const {
    return unreadable_[static_cast<size_t>(kind)].contains(std::string(key));
  }

  // Why an index entry no record calls for is wrong, as precisely as the
  // key allows; nullopt for an entry of a record whose value is unreadable.
  // That record is reported already, and the entry may well be right, so
  // it is neither reported again nor removed by a repair.
  std::optional<std::string> Dangling(Family f, std::string_view key, std::string_view value) {
    if (f == Family::kUsersByEmail) {
      const std::string user_id(value);
      if (Unreadable(RecordKind::kUser, user_id)) return std::nullopt;
      if (!users_.contains(user_id)) return "dangling: points at missing user " + user_id;
      return "dangling: points at user " + user_id + ", whose email does not index here";
    }
    if (f == Family::kUserLinks) {
      auto link = internal::ParseUserLinkKey(key);
      if (!link) return "dangling: malformed user_links key";
      const RecordKind kind = link->kind == internal::LinkKind::kAccount ? RecordKind::kAccount
                              : link->kind == internal::LinkKind::kSession
                                  ? RecordKind::kSession
                                  : RecordKind::kAuthenticator;
      return DanglingChild(kind, link->child_key, "links user " + std::string(link->user_id),
                           [&](const Child& c) { return "which belongs to user " + c.user_id; });
    }
    auto entry = internal::ParseExpiryKey(key);
    if (!entry) return "dangling: malformed expiry key";
    const RecordKind kind = entry->kind == internal::ExpiryKind::kSession
                                ? RecordKind::kSession
                                : RecordKind::kVerificationToken;
    return DanglingChild(
        kind, entry->child_key, "expires at " + FormatIsoMillis(entry->expires_ms),
        [&](const Child& c) { return "which expires at " + FormatIsoMillis(c.expires_ms); });
  }

  template <typename Describe>
  std::optional<std::string> DanglingChild(RecordKind kind, std::string_view child_key,
                                           const std::string& says, Describe describe) {
    if (Unreadable(kind, child_key)) return std::nullopt;
    const auto& known = children_[static_cast<size_t>(kind)];
    auto it = known.find(std::string(child_key));
    const std::string target = Where(kind, child_key);
    if (it == known.end()) return "dangling: " + says + " to missing " + target;
    return "dangling: " + says + " for " + target + ", " + describe(it->second);
  }

  Status CheckEmpty(Family f) {
    return rep_.ForEach(f, [&](std::string_view key, std::string_view) {
      Add(Problem::AtKey(internal::FamilyName(f), key, "authkv keeps nothing in this family"));
      return true;
    });
  }

  // Queues the repair of one index entry: put `value`, or delete.
  void Fix(Family f, std::string_view key, std::optional<std::string_view> value) {
    ++repair_ops_;
    rocksdb::Slice k(key.data(), key.size());
    if (value) {
      repair_.Put(rep_.cf(f), k, rocksdb::Slice(value->data(), value->size()))
          .PermitUncheckedError();
    } else {
      repair_.Delete(rep_.cf(f), k).PermitUncheckedError();
    }
  }

  Inspector::Rep& rep_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::unordered_map<std::string, std::string> users_;              // id -> email index key.
  std::array<std::unordered_map<std::string, Child>, 5> children_;  // By RecordKind.
  std::array<std::unordered_set<std::string>, 5> unreadable_;       // By RecordKind.
  // Sorted like RocksDB's bytewise comparator (char_traits<char> compares
  // as unsigned char), so each family is checked in one merge pass.
  std::array<std::map<std::string, Expected>, internal::kFamilyCount> expected_;
  rocksdb::WriteBatch repair_;
  uint64_t repair_ops_ = 0;
  bool files_damaged_ = false;
  bool cut_short_ = false;
};

Result<VerifyReport> CheckOnce(Inspector::Rep& rep, const VerifyOptions& options) {
  Checker checker(rep, options);
  AUTHKV_RETURN_IF_ERROR(checker.Run());
  return std::move(checker.report());
}

}  // namespace

Result<VerifyReport> Inspector::Verify(const VerifyOptions& options) {
  if (!options.repair) {
    auto report = CheckOnce(*rep_, options);
    for (int i = 0; i < kSecondaryRechecks && rep_->mode == OpenMode::kSecondary && report.ok() &&
                    !report->ok();
         ++i) {
      AUTHKV_RETURN_IF_ERROR(Refresh());
      report = CheckOnce(*rep_, options);
    }
    return report;
  }
  if (rep_->mode != OpenMode::kPrimary) {
    return Status::InvalidArgument("repair needs the database opened for writing");
  }
  Checker checker(*rep_, options);
  AUTHKV_RETURN_IF_ERROR(checker.Run());
  if (checker.damaged()) {
    // Rebuilding indexes from records that cannot all be read would drop
    // the entries of the unread ones.
    checker.report().problems.push_back(
        Problem{rep_->path, "not repaired: its files are damaged; to keep what is intact, run "
                            "authkv-dump salvage " + rep_->path + " NEW_DIR"});
    return std::move(checker.report());
  }
  if (checker.repair_ops() == 0) return std::move(checker.report());
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&checker.repair()));
  AUTHKV_RETURN_IF_ERROR(Refresh());
  VerifyOptions again = options;
  again.repair = false;
  AUTHKV_ASSIGN_OR_RETURN(VerifyReport after, CheckOnce(*rep_, again));
  after.repaired = checker.repair_ops();
  return after;
}

Result<VerifyReport> VerifyDatabase(const std::string& path, const VerifyOptions& options) {
  InspectOptions open;
  open.mode = options.repair ? OpenMode::kPrimary : OpenMode::kSecondary;
  AUTHKV_ASSIGN_OR_RETURN(auto inspector, Inspector::Open(path, open));
  return inspector->Verify(options);
}

}  // namespace authkv
