// authkv: embedded auth-data store. Licensed under the ISC license.

#include "layout.h"

#include <algorithm>

#include "codec.h"
#include "email.h"

namespace authkv::internal {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

rocksdb::ColumnFamilyHandle* Handle(const FamilyHandles& handles, Family f) {
  return handles[static_cast<size_t>(f)];
}

// A link or expiry entry: the key is everything, the value is empty.
IndexEntry KeyOnly(Family f, std::string key) { return IndexEntry{f, std::move(key), {}}; }

}  // namespace

std::string EmailIndexKey(const User& user, EmailMatch match) {
  if (!user.email.has_value() || user.email->empty()) return {};
  return NormalizeEmail(*user.email, match);
}

Placement PlaceUser(const User& user, EmailMatch match) {
  Placement p{Family::kUsers, user.id, {}};
  std::string email_key = EmailIndexKey(user, match);
  if (!email_key.empty()) {
    p.index.push_back(IndexEntry{Family::kUsersByEmail, std::move(email_key), user.id});
  }
  return p;
}

Placement PlaceAccount(std::string_view provider, std::string_view provider_account_id,
                       std::string_view user_id) {
  Placement p{Family::kAccounts, AccountKey(provider, provider_account_id), {}};
  p.index.push_back(
      KeyOnly(Family::kUserLinks, UserLinkKey(user_id, LinkKind::kAccount, p.key)));
  return p;
}

Placement PlaceSession(std::string_view session_key, std::string_view user_id,
                       int64_t expires_ms) {
  Placement p{Family::kSessions, std::string(session_key), {}};
  p.index.reserve(2);
  p.index.push_back(
      KeyOnly(Family::kUserLinks, UserLinkKey(user_id, LinkKind::kSession, session_key)));
  p.index.push_back(
      KeyOnly(Family::kExpiry, ExpiryKey(expires_ms, ExpiryKind::kSession, session_key)));
  return p;
}

Placement PlaceVerificationToken(std::string_view token_key, int64_t expires_ms) {
  Placement p{Family::kVerificationTokens, std::string(token_key), {}};
  p.index.push_back(KeyOnly(Family::kExpiry,
                            ExpiryKey(expires_ms, ExpiryKind::kVerificationToken, token_key)));
  return p;
}

Placement PlaceAuthenticator(std::string_view credential_id, std::string_view user_id) {
  Placement p{Family::kAuthenticators, std::string(credential_id), {}};
  p.index.push_back(KeyOnly(Family::kUserLinks,
                            UserLinkKey(user_id, LinkKind::kAuthenticator, credential_id)));
  return p;
}

Placement PlaceLinkedChild(std::string_view user_id, LinkKind kind, std::string_view child_key) {
  const Family family = kind == LinkKind::kAccount   ? Family::kAccounts
                        : kind == LinkKind::kSession ? Family::kSessions
                                                     : Family::kAuthenticators;
  Placement p{family, std::string(child_key), {}};
  p.index.push_back(KeyOnly(Family::kUserLinks, UserLinkKey(user_id, kind, child_key)));
  return p;
}

// WriteBatch edits fail only on a batch past its size limit, which these
// batches never reach; the commit reports anything else.
void PutPlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles, const Placement& placed,
               std::string_view flatbuffer) {
  batch->Put(Handle(handles, placed.family), ToSlice(placed.key),
             ToSlice(Seal(placed.key, flatbuffer)))
      .PermitUncheckedError();
  for (const auto& e : placed.index) {
    batch->Put(Handle(handles, e.family), ToSlice(e.key), ToSlice(e.value))
        .PermitUncheckedError();
  }
}

void DeletePlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles,
                  const Placement& placed) {
  batch->Delete(Handle(handles, placed.family), ToSlice(placed.key)).PermitUncheckedError();
  for (const auto& e : placed.index) {
    batch->Delete(Handle(handles, e.family), ToSlice(e.key)).PermitUncheckedError();
  }
}

void ReplacePlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles,
                   const Placement& before, const Placement& after,
                   std::string_view flatbuffer) {
  auto kept = [&](Family f, std::string_view key) {
    if (f == after.family && key == after.key) return true;
    return std::any_of(after.index.begin(), after.index.end(),
                       [&](const IndexEntry& e) { return e.family == f && e.key == key; });
  };
  if (!kept(before.family, before.key)) {
    batch->Delete(Handle(handles, before.family), ToSlice(before.key)).PermitUncheckedError();
  }
  for (const auto& e : before.index) {
    if (!kept(e.family, e.key)) {
      batch->Delete(Handle(handles, e.family), ToSlice(e.key)).PermitUncheckedError();
    }
  }
  PutPlaced(batch, handles, after, flatbuffer);
}

}  // namespace authkv::internal
