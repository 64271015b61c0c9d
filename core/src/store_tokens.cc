// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Verification tokens (email magic links). Keyed by identifier and the
// SHA-256 of the token, so a token only matches its own identifier, and
// several tokens per identifier coexist. Use is get-and-delete under the
// key's stripe: of any number of concurrent uses exactly one gets it,
// like Postgres' DELETE ... RETURNING.

#include "codec.h"
#include "status_macros.h"
#include "store_rep.h"
#include "validate.h"

namespace authkv {

using internal::Family;
using internal::LockKey;
using internal::StripeGuard;

Result<VerificationToken> Store::CreateVerificationToken(const VerificationToken& token) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateVerificationToken(token));
  const std::string key = internal::VerificationTokenKey(token.identifier, token.token);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kVerificationTokens, key}});
  AUTHKV_ASSIGN_OR_RETURN(bool taken, rep_->Exists(Family::kVerificationTokens, key));
  if (taken) return Status::AlreadyExists("verification token exists");
  rocksdb::WriteBatch batch;
  rep_->PutVerificationToken(&batch, key, token);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  return token;
}

Result<VerificationToken> Store::UseVerificationToken(std::string_view identifier,
                                                      std::string_view token) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("identifier", identifier));
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("token", token));
  const std::string key = internal::VerificationTokenKey(identifier, token);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kVerificationTokens, key}});
  AUTHKV_ASSIGN_OR_RETURN(VerificationToken stored, rep_->ReadVerificationToken(key));
  rocksdb::WriteBatch batch;
  rep_->DeleteVerificationToken(&batch, key, stored.expires_ms);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  stored.token.assign(token);
  return stored;
}

}  // namespace authkv
