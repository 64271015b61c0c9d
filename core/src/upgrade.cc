// authkv: embedded auth-data store. Licensed under the ISC license.

#include "upgrade.h"

#include <rocksdb/write_batch.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec.h"
#include "email.h"
#include "keys.h"
#include "status_macros.h"
#include "store_rep.h"

namespace authkv::internal {
namespace {

// The families whose values are envelopes, in the order the upgrade walks.
constexpr std::array<Family, 5> kRecordFamilies = {Family::kUsers, Family::kAccounts,
                                                   Family::kSessions,
                                                   Family::kVerificationTokens,
                                                   Family::kAuthenticators};

// Where the upgrade stands: the family it is in and the last key it
// rewrote there ("" before the first). Stored as "<family>\0<key>".
struct Progress {
  size_t family = 0;  // Index into kRecordFamilies.
  std::string last_key;
};

std::string EncodeProgress(const Progress& p) {
  return std::string(FamilyName(kRecordFamilies[p.family])) + '\0' + p.last_key;
}

Result<std::optional<Progress>> ReadProgress(Store::Rep& rep) {
  std::string value;
  Status s = rep.GetRaw(Family::kMeta, kMetaUpgradeProgress, &value);
  if (s.IsNotFound()) return std::optional<Progress>();
  AUTHKV_RETURN_IF_ERROR(s);
  const size_t nul = value.find('\0');
  if (nul == std::string::npos) {
    return Status::Corruption("meta: upgrade_progress is not family \\0 key");
  }
  for (size_t i = 0; i < kRecordFamilies.size(); ++i) {
    if (FamilyName(kRecordFamilies[i]) == std::string_view(value).substr(0, nul)) {
      return std::optional<Progress>(Progress{i, value.substr(nul + 1)});
    }
  }
  return Status::Corruption("meta: upgrade_progress names an unknown family");
}

// The user a format 0x01 or 0x02 value under `id` holds, if it reads.
std::optional<User> DecodeAnyUser(std::string_view id, std::string_view value) {
  auto body = Unseal(id, value, "users", EnvelopeV1::kAccept);
  if (!body.ok()) return std::nullopt;
  auto user = DecodeUser(*body);
  if (!user.ok()) return std::nullopt;
  return std::move(user).value();
}

// A user whose email key moves: its id and both keys.
struct MovedEmail {
  std::string user_id;
  std::string old_key;
  std::string new_key;
};

std::optional<MovedEmail> EmailMove(const User& user, EmailMatch match) {
  if (match == EmailMatch::kExact || !user.email.has_value() || user.email->empty()) {
    return std::nullopt;
  }
  std::string old_key = NormalizeEmailV1(*user.email, match);
  std::string new_key = NormalizeEmail(*user.email, match);
  if (old_key == new_key) return std::nullopt;
  return MovedEmail{user.id, std::move(old_key), std::move(new_key)};
}

// Users the new fold would give one email key. Only users whose key moves
// can meet another: two keys that do not move were distinct before. A moved
// user meets another moved user with the same new key, or the user that
// already owns that key in the index and does not move away from it.
Status CheckNoEmailCollisions(Store::Rep& rep) {
  std::map<std::string, std::vector<std::string>> by_new_key;
  std::set<std::string> moving;
  std::unique_ptr<rocksdb::Iterator> it(
      rep.db->NewIterator(rep.read_options, rep.cf(Family::kUsers)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto user = DecodeAnyUser(it->key().ToStringView(), it->value().ToStringView());
    if (!user) continue;
    if (auto moved = EmailMove(*user, rep.email_match)) {
      by_new_key[moved->new_key].push_back(moved->user_id);
      moving.insert(moved->user_id);
    }
  }
  AUTHKV_RETURN_IF_ERROR(FromRocks(it->status(), "users scan"));
  std::vector<std::string> clashes;
  for (auto& [key, ids] : by_new_key) {
    std::string owner;
    Status s = rep.GetRaw(Family::kUsersByEmail, key, &owner);
    if (s.ok() && !moving.count(owner)) ids.insert(ids.begin(), owner);
    if (!s.ok() && !s.IsNotFound()) return s;
    if (ids.size() < 2) continue;
    std::string line;
    for (const auto& id : ids) line += (line.empty() ? "" : ", ") + id;
    clashes.push_back(line);
  }
  if (clashes.empty()) return Status::OK();
  std::string list;
  for (size_t i = 0; i < clashes.size() && i < 10; ++i) list += "\n  users " + clashes[i];
  if (clashes.size() > 10) list += "\n  and " + std::to_string(clashes.size() - 10) + " more";
  return Status::FailedPrecondition(
      "cannot upgrade the database to schema version " + std::to_string(kSchemaVersion) +
      ": emails are now compared as Auth.js compares them (JavaScript's toLowerCase of the "
      "whole address), and these users' emails become one address:" + list +
      "\nauthkv never merges users. Nothing was changed: with an authkv for schema version 1, "
      "change or remove the email of all but one user in each group (Store::UpdateUser), or "
      "delete the duplicate users, then open the database again.");
}

// Index edits of the batch being built, so a later user in the same batch
// sees what an earlier one did to the entry it moves from.
class EmailIndexEdits {
 public:
  explicit EmailIndexEdits(Store::Rep& rep) : rep_(rep) {}

  Status Move(rocksdb::WriteBatch* batch, const MovedEmail& m) {
    // Another moved user may already own the old key (its new key is this
    // user's old one): then the entry is not this user's to remove.
    auto owner = Owner(m.old_key);
    if (!owner.ok() && !owner.status().IsNotFound()) return owner.status();
    if (owner.ok() && *owner == m.user_id) {
      batch->Delete(rep_.cf(Family::kUsersByEmail), m.old_key).PermitUncheckedError();
      edits_[m.old_key] = std::nullopt;
    }
    batch->Put(rep_.cf(Family::kUsersByEmail), m.new_key, m.user_id).PermitUncheckedError();
    edits_[m.new_key] = m.user_id;
    return Status::OK();
  }
  void Clear() { edits_.clear(); }

 private:
  Result<std::string> Owner(const std::string& key) {
    if (auto e = edits_.find(key); e != edits_.end()) {
      if (!e->second) return Status::NotFound("users_by_email");
      return *e->second;
    }
    std::string owner;
    AUTHKV_RETURN_IF_ERROR(rep_.GetRaw(Family::kUsersByEmail, key, &owner));
    return owner;
  }

  Store::Rep& rep_;
  std::map<std::string, std::optional<std::string>> edits_;
};

Status CommitBatch(Store::Rep& rep, rocksdb::WriteBatch* batch, uint64_t* batches) {
  AUTHKV_RETURN_IF_ERROR(rep.Commit(batch));
  batch->Clear();
  ++*batches;
  if (auto& hook = UpgradeTuningForTesting().after_batch) hook(*batches);
  return Status::OK();
}

// Re-seals every value of the record families from `progress` on, and
// re-keys moved emails, batch by batch.
Status Rewrite(Store::Rep& rep, Progress progress) {
  const size_t limit = std::max<size_t>(1, UpgradeTuningForTesting().batch_records);
  EmailIndexEdits emails(rep);
  rocksdb::WriteBatch batch;
  uint64_t batches = 0;
  for (; progress.family < kRecordFamilies.size(); ++progress.family) {
    const Family f = kRecordFamilies[progress.family];
    std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(rep.read_options, rep.cf(f)));
    if (progress.last_key.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(progress.last_key);
      if (it->Valid() && it->key().ToStringView() == progress.last_key) it->Next();
    }
    size_t in_batch = 0;
    for (; it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const std::string_view value = it->value().ToStringView();
      if (EnvelopeFormatOf(value) == kEnvelopeFormatV1) {
        auto body = Unseal(key, value, FamilyName(f), EnvelopeV1::kAccept);
        if (body.ok()) {
          batch.Put(rep.cf(f), it->key(), Seal(key, *body)).PermitUncheckedError();
        }
      }
      if (f == Family::kUsers) {
        if (auto user = DecodeAnyUser(key, value)) {
          if (auto moved = EmailMove(*user, rep.email_match)) {
            AUTHKV_RETURN_IF_ERROR(emails.Move(&batch, *moved));
          }
        }
      }
      progress.last_key.assign(key);
      if (++in_batch == limit) {
        batch.Put(rep.cf(Family::kMeta), kMetaUpgradeProgress, EncodeProgress(progress))
            .PermitUncheckedError();
        AUTHKV_RETURN_IF_ERROR(CommitBatch(rep, &batch, &batches));
        emails.Clear();
        in_batch = 0;
      }
    }
    AUTHKV_RETURN_IF_ERROR(FromRocks(it->status(), std::string(FamilyName(f)) + " scan"));
    // The family is done: the mark moves to the start of the next one.
    progress.last_key.clear();
    if (progress.family + 1 < kRecordFamilies.size()) {
      batch.Put(rep.cf(Family::kMeta), kMetaUpgradeProgress,
                EncodeProgress(Progress{progress.family + 1, {}}))
          .PermitUncheckedError();
      AUTHKV_RETURN_IF_ERROR(CommitBatch(rep, &batch, &batches));
      emails.Clear();
    }
  }
  batch.Delete(rep.cf(Family::kMeta), kMetaUpgradeProgress).PermitUncheckedError();
  return CommitBatch(rep, &batch, &batches);
}

}  // namespace

UpgradeTuning& UpgradeTuningForTesting() {
  static UpgradeTuning tuning;
  return tuning;
}

Status UpgradeSchema(Store::Rep& rep, uint32_t from_version) {
  AUTHKV_ASSIGN_OR_RETURN(std::optional<Progress> progress, ReadProgress(rep));
  if (!progress) {
    if (from_version >= kSchemaVersion) return Status::OK();
    // Version 1 is the only older one.
    AUTHKV_RETURN_IF_ERROR(CheckNoEmailCollisions(rep));
    progress = Progress{};
    rocksdb::WriteBatch start;
    start.Put(rep.cf(Family::kMeta), kMetaSchemaVersion, std::to_string(kSchemaVersion))
        .PermitUncheckedError();
    start.Put(rep.cf(Family::kMeta), kMetaUpgradeProgress, EncodeProgress(*progress))
        .PermitUncheckedError();
    AUTHKV_RETURN_IF_ERROR(rep.Commit(&start));
  }
  return Rewrite(rep, *progress);
}

}  // namespace authkv::internal
