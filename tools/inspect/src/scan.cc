// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Reading through an Inspector: scans of one kind, point reads the way the
// store makes them (email through its index, sessions by token digest), a
// user with everything that hangs off it, and the numbers behind `stats`.

#include "digest.h"
#include "email.h"
#include "inspector_rep.h"
#include "status_macros.h"

namespace authkv {

using internal::Family;
using internal::LinkKind;

namespace {

RecordKind KindOfLink(LinkKind kind) {
  switch (kind) {
    case LinkKind::kAccount:
      return RecordKind::kAccount;
    case LinkKind::kSession:
      return RecordKind::kSession;
    case LinkKind::kAuthenticator:
      return RecordKind::kAuthenticator;
  }
  return RecordKind::kAccount;
}

template <typename T>
Result<T> As(Result<Record> record) {
  if (!record.ok()) return record.status();
  return std::get<T>(std::move(record).value());
}

}  // namespace

Status Inspector::Scan(RecordKind kind, const std::function<bool(const Record&)>& fn,
                       const ProblemSink& problems) {
  const Family f = internal::FamilyOf(kind);
  return rep_->ForEach(f, [&](std::string_view key, std::string_view value) {
    auto record = internal::DecodeStored(kind, key, value);
    if (!record.ok()) {
      if (problems) {
        problems(Problem::AtKey(internal::FamilyName(f), key, internal::Reason(record.status())));
      }
      return true;
    }
    return fn(*record);
  });
}

Status Inspector::ScanRaw(
    RecordKind kind, const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  return rep_->ForEach(internal::FamilyOf(kind), fn);
}

Result<User> Inspector::GetUser(std::string_view id) {
  return As<User>(rep_->Read(RecordKind::kUser, id));
}

Result<User> Inspector::GetUserByEmail(std::string_view email) {
  std::string user_id;
  AUTHKV_RETURN_IF_ERROR(rep_->Get(Family::kUsersByEmail,
                                   internal::NormalizeEmail(email, rep_->email_match), &user_id));
  auto user = GetUser(user_id);
  if (user.status().IsNotFound()) {
    return Status::Corruption("users_by_email points at missing user " + user_id);
  }
  return user;
}

Result<StoredAccount> Inspector::GetAccount(std::string_view provider,
                                            std::string_view provider_account_id) {
  return As<StoredAccount>(
      rep_->Read(RecordKind::kAccount, internal::AccountKey(provider, provider_account_id)));
}

Result<StoredSession> Inspector::GetSession(std::string_view token) {
  return As<StoredSession>(rep_->Read(RecordKind::kSession, TokenDigest(token)));
}

Result<UserTree> Inspector::GetUserTree(std::string_view user_id, const ProblemSink& problems) {
  UserTree tree;
  AUTHKV_ASSIGN_OR_RETURN(tree.user, GetUser(user_id));
  const std::string prefix = internal::UserLinkPrefix(user_id);
  std::unique_ptr<rocksdb::Iterator> it(
      rep_->db->NewIterator(rep_->ReadOptions(), rep_->cf(Family::kUserLinks)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string key = it->key().ToString();
    auto link = internal::ParseUserLinkKey(key);
    auto report = [&](std::string reason) {
      if (problems) problems(Problem::AtKey("user_links", key, std::move(reason)));
    };
    if (!link) {
      report("malformed user_links key");
      continue;
    }
    const RecordKind kind = KindOfLink(link->kind);
    auto child = rep_->Read(kind, link->child_key);
    if (!child.ok()) {
      report(child.status().IsNotFound()
                 ? "links to a missing " + std::string(RecordKindName(kind))
                 : std::string(RecordFamilyName(kind)) + "/" + HexString(link->child_key) + ": " +
                       internal::Reason(child.status()));
      continue;
    }
    std::visit(
        [&](auto&& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, StoredAccount>) tree.accounts.push_back(r);
          if constexpr (std::is_same_v<T, StoredSession>) tree.sessions.push_back(r);
          if constexpr (std::is_same_v<T, Authenticator>) tree.authenticators.push_back(r);
        },
        *child);
  }
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "user_links scan"));
  return tree;
}

Result<Stats> Inspector::GetStats(int64_t now_ms, const ProblemSink& problems) {
  Stats stats;
  stats.schema_version = rep_->schema_version;
  stats.email_match = rep_->email_match;
  for (size_t i = 0; i < internal::kFamilyCount; ++i) {
    const auto f = static_cast<Family>(i);
    FamilyStats fs;
    fs.name = std::string(internal::FamilyName(f));
    std::optional<RecordKind> kind;
    for (RecordKind k : kAllRecordKinds) {
      if (internal::FamilyOf(k) == f) kind = k;
    }
    AUTHKV_RETURN_IF_ERROR(rep_->ForEach(f, [&](std::string_view key, std::string_view value) {
      ++fs.keys;
      fs.bytes += key.size() + value.size();
      if (!kind) return true;
      auto record = internal::DecodeStored(*kind, key, value);
      if (!record.ok()) {
        if (problems) problems(Problem::AtKey(fs.name, key, internal::Reason(record.status())));
        return true;
      }
      ++stats.records[static_cast<size_t>(*kind)];
      if (IsExpired(*record, now_ms)) {
        ++(*kind == RecordKind::kSession ? stats.expired_sessions
                                         : stats.expired_verification_tokens);
      }
      return true;
    }));
    uint64_t sst = 0;
    if (rep_->db->GetIntProperty(rep_->cf(f), "rocksdb.total-sst-files-size", &sst)) {
      fs.sst_bytes = sst;
    }
    stats.families.push_back(std::move(fs));
  }
  return stats;
}

}  // namespace authkv
