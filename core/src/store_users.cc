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

// Resolves an index family's value (a user id) to the user. An index entry
// whose user is gone is reported as corruption: the store never writes one.
Result<User> UserFromIndex(Store::Rep& rep, Family index, std::string_view key) {
  std::string user_id;
  AUTHKV_RETURN_IF_ERROR(rep.GetRaw(index, key, &user_id));
  auto user = rep.ReadUser(user_id);
  if (user.status().IsNotFound()) {
    return Status::Corruption(std::string(internal::FamilyName(index)) +
                              " points at missing user " + user_id);
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

// Adds the deletion of each of the user's children of `kind` to `batch`.
// `delete_child(key)` reads the child and batches its removal; a link whose
// child is already gone is removed on its own.
template <typename DeleteChild>
Status DeleteChildren(Store::Rep& rep, rocksdb::WriteBatch* batch,
                      std::string_view user_id, LinkKind kind,
                      DeleteChild delete_child) {
  AUTHKV_ASSIGN_OR_RETURN(auto keys, rep.ListLinks(user_id, kind));
  for (const auto& key : keys) {
    Status s = delete_child(key);
    if (s.IsNotFound()) {
      batch->Delete(rep.cf(Family::kUserLinks), internal::UserLinkKey(user_id, kind, key))
          .PermitUncheckedError();
    } else if (!s.ok()) {
      return s;
    }
  }
  return Status::OK();
}

}  // namespace

Result<User> Store::CreateUser(User user) {
  AUTHKV_RETURN_IF_ERROR(rep_->CheckWritable());
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
  return rep_->ReadUser(id);
}

Result<User> Store::GetUserByEmail(std::string_view email) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("email", email));
  return UserFromIndex(*rep_, Family::kUsersByEmail,
                       internal::NormalizeEmail(email, rep_->email_match));
}

Result<User> Store::GetUserByAccount(std::string_view provider,
                                     std::string_view provider_account_id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("provider", provider));
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("provider_account_id", provider_account_id));
  AUTHKV_ASSIGN_OR_RETURN(
      Account account,
      rep_->ReadAccount(internal::AccountKey(provider, provider_account_id)));
  auto user = rep_->ReadUser(account.user_id);
  if (user.status().IsNotFound()) {
    return Status::Corruption("account points at missing user " + account.user_id);
  }
  return user;
}

Result<User> Store::UpdateUser(const User& patch) {
  AUTHKV_RETURN_IF_ERROR(rep_->CheckWritable());
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
  AUTHKV_RETURN_IF_ERROR(rep_->CheckWritable());
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("user id", id));
  // Children are written only under their owner's stripe, so holding it
  // freezes the set of links this scan finds.
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, id}});
  AUTHKV_ASSIGN_OR_RETURN(User user, rep_->ReadUser(id));
  rocksdb::WriteBatch batch;
  std::vector<std::string> session_keys;

  AUTHKV_RETURN_IF_ERROR(DeleteChildren(*rep_, &batch, id, LinkKind::kAccount,
                                        [&](const std::string& key) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Account a, rep_->ReadAccount(key));
    rep_->DeleteAccount(&batch, a);
    return Status::OK();
  }));
  AUTHKV_RETURN_IF_ERROR(DeleteChildren(*rep_, &batch, id, LinkKind::kSession,
                                        [&](const std::string& key) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Session session, rep_->ReadSession(key));
    rep_->DeleteSession(&batch, key, session);
    session_keys.push_back(key);
    return Status::OK();
  }));
  AUTHKV_RETURN_IF_ERROR(DeleteChildren(*rep_, &batch, id, LinkKind::kAuthenticator,
                                        [&](const std::string& key) -> Status {
    AUTHKV_ASSIGN_OR_RETURN(Authenticator a, rep_->ReadAuthenticator(key));
    rep_->DeleteAuthenticator(&batch, a);
    return Status::OK();
  }));
  rep_->DeleteUser(&batch, user);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  rep_->ForgetSessions(session_keys);
  return user;
}

}  // namespace authkv
