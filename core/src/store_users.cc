// authkv: embedded auth-data store. Licensed under the ISC license.
//
// User operations. The email index (users_by_email) maps the normalized
// email to the user id; it is written and removed in the same batch as the
// user, under the stripes of the user id and the email.

#include "codec.h"
#include "email.h"
#include "ids.h"
#include "json_object.h"
#include "status_macros.h"
#include "store_rep.h"
#include "validate.h"

namespace authkv {

using internal::Family;
using internal::LinkKind;
using internal::LockKey;
using internal::StripeGuard;

namespace {

// The user an index entry or an account points at. Read without a snapshot
// first (the common case costs two plain Gets); a missing user is read again
// with both reads under one snapshot, because a DeleteUser that removes the
// pointer and the user in one batch may have landed between the two Gets.
// Under the snapshot a missing pointer is NotFound, a pointer to a missing
// user is corruption (the store never writes one), and a pointer to a user
// created meanwhile is that user. `read_pointer(snapshot, &user_id)` reads
// the pointer; `what` names it in the corruption message.
template <typename ReadPointer>
Result<User> UserByPointer(Store::Rep& rep, std::string_view what, ReadPointer read_pointer) {
  std::string user_id;
  AUTHKV_RETURN_IF_ERROR(read_pointer(nullptr, &user_id));
  auto user = rep.ReadUser(user_id);
  if (!user.status().IsNotFound()) return user;
  rocksdb::ManagedSnapshot snapshot(rep.db.get());
  AUTHKV_RETURN_IF_ERROR(read_pointer(snapshot.snapshot(), &user_id));
  user = rep.ReadUser(user_id, snapshot.snapshot());
  if (user.status().IsNotFound()) {
    return Status::Corruption(std::string(what) + " points at missing user " + user_id);
  }
  return user;
}

// Applies the fields `patch` sets to `user`.
Status MergeUser(const User& patch, User* user) {
  if (!patch.name.is_absent()) user->name = patch.name;
  if (!patch.email.is_absent()) user->email = patch.email;
  if (!patch.email_verified_ms.is_absent()) {
    user->email_verified_ms = patch.email_verified_ms;
  }
  if (!patch.image.is_absent()) user->image = patch.image;
  if (!patch.extra_json.empty()) {
    AUTHKV_ASSIGN_OR_RETURN(user->extra_json,
                            internal::MergeJsonObjects(user->extra_json, patch.extra_json));
    AUTHKV_RETURN_IF_ERROR(internal::CheckExtraJson(user->extra_json));
  }
  return Status::OK();
}

// Adds the deletion of each of the user's children of `kind` to `batch`
// and returns their keys. `delete_child(key)` reads the child and batches
// its removal. A link whose child is already gone is removed on its own. A
// child that cannot be read (it fails its checksum or does not decode) is
// removed as far as its link tells, so one damaged record cannot make its
// user undeletable; a session's expiry entry needs the expiry inside the
// unreadable value, so it stays behind, and VerifyDatabase reports it as
// dangling (verify --repair removes it).
template <typename DeleteChild>
Result<std::vector<std::string>> DeleteChildren(Store::Rep& rep, rocksdb::WriteBatch* batch,
                                                std::string_view user_id, LinkKind kind,
                                                DeleteChild delete_child) {
  AUTHKV_ASSIGN_OR_RETURN(auto keys, rep.ListLinks(user_id, kind));
  for (const auto& key : keys) {
    Status s = delete_child(key);
    if (s.IsNotFound()) {
      batch->Delete(rep.cf(Family::kUserLinks), internal::UserLinkKey(user_id, kind, key))
          .PermitUncheckedError();
    } else if (s.IsCorruption()) {
      internal::DeletePlaced(batch, rep.handles, internal::PlaceLinkedChild(user_id, kind, key));
    } else if (!s.ok()) {
      return s;
    }
  }
  return keys;
}

}  // namespace

Result<User> Store::CreateUser(User user) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateUser(user, /*require_id=*/false));
  if (user.id.empty()) {
    AUTHKV_ASSIGN_OR_RETURN(user.id, internal::NewUuidV7(rep_->NowMillis()));
  }
  const std::string email_key = rep_->EmailKey(user);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, user.id},
                                    LockKey{Family::kUsersByEmail, email_key}});
  AUTHKV_ASSIGN_OR_RETURN(bool id_taken, rep_->Exists(Family::kUsers, user.id));
  if (id_taken) return Status::AlreadyExists("user id " + user.id + " exists");
  if (!email_key.empty()) {
    AUTHKV_ASSIGN_OR_RETURN(bool email_taken,
                            rep_->Exists(Family::kUsersByEmail, email_key));
    if (email_taken) return Status::AlreadyExists("that email belongs to another user");
  }
  rocksdb::WriteBatch batch;
  rep_->PutUser(&batch, user);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  return user;
}

Result<User> Store::GetUser(std::string_view id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("user id", id));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  return rep_->ReadUser(id);
}

Result<User> Store::GetUserByEmail(std::string_view email) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("email", email));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  const std::string key = internal::NormalizeEmail(email, rep_->email_match);
  return UserByPointer(*rep_, "users_by_email",
                       [&](const rocksdb::Snapshot* snapshot, std::string* user_id) {
                         return rep_->GetRaw(Family::kUsersByEmail, key, user_id, snapshot);
                       });
}

Result<User> Store::GetUserByAccount(std::string_view provider,
                                     std::string_view provider_account_id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("provider", provider));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("provider_account_id", provider_account_id));
  const std::string key = internal::AccountKey(provider, provider_account_id);
  // Only the owner is needed: the tokens stay sealed, so a missing or
  // retired token key cannot stop an OAuth sign-in.
  return UserByPointer(*rep_, "account",
                       [&](const rocksdb::Snapshot* snapshot, std::string* user_id) -> Status {
                         std::string sealed;
                         AUTHKV_ASSIGN_OR_RETURN(
                             Account account, rep_->ReadAccountSealed(key, &sealed, snapshot));
                         *user_id = std::move(account.user_id);
                         return Status::OK();
                       });
}

Result<User> Store::UpdateUser(const User& patch) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateUser(patch, /*require_id=*/true));
  // The new email's stripe must be held for the uniqueness check; the old
  // email's entry belongs to this user, whose stripe covers removing it.
  const std::string new_email_key =
      patch.email.is_absent() ? std::string() : rep_->EmailKey(patch);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, patch.id},
                                    LockKey{Family::kUsersByEmail, new_email_key}});
  AUTHKV_ASSIGN_OR_RETURN(User user, rep_->ReadUser(patch.id));
  const User before = user;
  AUTHKV_RETURN_IF_ERROR(MergeUser(patch, &user));

  const std::string old_email_key = rep_->EmailKey(before);
  const std::string email_key = rep_->EmailKey(user);
  rocksdb::WriteBatch batch;
  if (email_key != old_email_key) {
    if (!email_key.empty()) {
      AUTHKV_ASSIGN_OR_RETURN(bool taken, rep_->Exists(Family::kUsersByEmail, email_key));
      if (taken) return Status::AlreadyExists("that email belongs to another user");
    }
  }
  rep_->ReplaceUser(&batch, before, user);
  // Cached sessions carry a copy of the user. The user's stripe keeps new
  // sessions out, so this list is complete until the guard is released.
  AUTHKV_ASSIGN_OR_RETURN(auto session_keys, rep_->ListLinks(patch.id, LinkKind::kSession));
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  rep_->ForgetSessions(session_keys);
  return user;
}

Result<User> Store::DeleteUser(std::string_view id) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("user id", id));
  // Children are written only under their owner's stripe, so holding it
  // freezes the set of links this scan finds.
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, id}});
  AUTHKV_ASSIGN_OR_RETURN(User user, rep_->ReadUser(id));
  rocksdb::WriteBatch batch;
  AUTHKV_RETURN_IF_ERROR(DeleteChildren(*rep_, &batch, id, LinkKind::kAccount,
                                        [&](const std::string& key) -> Status {
    std::string sealed;  // Not opened: deleting needs no token key.
    AUTHKV_ASSIGN_OR_RETURN(Account a, rep_->ReadAccountSealed(key, &sealed));
    rep_->DeleteAccount(&batch, a);
    return Status::OK();
  }).status());
  AUTHKV_ASSIGN_OR_RETURN(auto session_keys,
                          DeleteChildren(*rep_, &batch, id, LinkKind::kSession,
                                         [&](const std::string& key) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Session session, rep_->ReadSession(key));
    rep_->DeleteSession(&batch, key, session);
    return Status::OK();
  }));
  AUTHKV_RETURN_IF_ERROR(DeleteChildren(*rep_, &batch, id, LinkKind::kAuthenticator,
                                        [&](const std::string& key) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Authenticator a, rep_->ReadAuthenticator(key));
    rep_->DeleteAuthenticator(&batch, a);
    return Status::OK();
  }).status());
  rep_->DeleteUser(&batch, user);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  rep_->ForgetSessions(session_keys);
  return user;
}

}  // namespace authkv
