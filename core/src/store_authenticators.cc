// authkv: embedded auth-data store. Licensed under the ISC license.
//
// WebAuthn authenticators, keyed by credential id (unique by construction),
// listed per user through user_links.

#include "codec.h"
#include "status_macros.h"
#include "store_rep.h"
#include "validate.h"

namespace authkv {

using internal::Family;
using internal::LinkKind;
using internal::LockKey;
using internal::StripeGuard;

Result<Authenticator> Store::CreateAuthenticator(const Authenticator& authenticator) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateAuthenticator(authenticator));
  StripeGuard guard(rep_->stripes,
                    {LockKey{Family::kUsers, authenticator.user_id},
                     LockKey{Family::kAuthenticators, authenticator.credential_id}});
  AUTHKV_ASSIGN_OR_RETURN(bool user_exists,
                          rep_->Exists(Family::kUsers, authenticator.user_id));
  if (!user_exists) {
    return Status::FailedPrecondition("user " + authenticator.user_id + " does not exist");
  }
  AUTHKV_ASSIGN_OR_RETURN(bool taken,
                          rep_->Exists(Family::kAuthenticators, authenticator.credential_id));
  if (taken) return Status::AlreadyExists("credential id is registered already");
  rocksdb::WriteBatch batch;
  rep_->PutAuthenticator(&batch, authenticator);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  return authenticator;
}

Result<Authenticator> Store::GetAuthenticator(std::string_view credential_id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("credential id", credential_id));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  return rep_->ReadAuthenticator(credential_id);
}

Result<std::vector<Authenticator>> Store::ListAuthenticatorsByUserId(
    std::string_view user_id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("user id", user_id));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  AUTHKV_ASSIGN_OR_RETURN(auto ids, rep_->ListLinks(user_id, LinkKind::kAuthenticator));
  std::vector<Authenticator> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto a = rep_->ReadAuthenticator(id);
    // Removed between the scan and the read: it is simply no longer listed.
    if (a.status().IsNotFound()) continue;
    if (!a.ok()) return a.status();
    out.push_back(std::move(a).value());
  }
  return out;
}

Result<Authenticator> Store::UpdateAuthenticatorCounter(std::string_view credential_id,
                                                        uint64_t counter) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("credential id", credential_id));
  return WithOwnerLocked(
      *rep_, Family::kAuthenticators, credential_id,
      [&] { return rep_->ReadAuthenticator(credential_id); },
      [&](Authenticator a) -> Result<Authenticator> {
        a.counter = counter;
        rocksdb::WriteBatch batch;
        rep_->PutAuthenticator(&batch, a);
        AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
        return a;
      });
}

}  // namespace authkv
