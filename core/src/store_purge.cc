// authkv: embedded auth-data store. Licensed under the ISC license.
//
// PurgeExpired walks the expiry family, which orders sessions and
// verification tokens by expiry, so the cost is proportional to what has
// expired, not to the size of the store. Each record is deleted in its own
// batch under the same stripes as any other write to it, and is re-read
// first: an UpdateSession that extended it meanwhile wins.

#include <rocksdb/iterator.h>

#include "codec.h"
#include "status_macros.h"
#include "store_rep.h"

namespace authkv {

using internal::ExpiryEntry;
using internal::ExpiryKind;
using internal::Family;
using internal::LockKey;
using internal::StripeGuard;

namespace {

// Deletes one expired session; returns whether it did.
Result<bool> PurgeSession(Store::Rep& rep, const ExpiryEntry& e) {
  const std::string key(e.child_key);
  auto deleted = WithOwnerLocked(
      rep, Family::kSessions, key, [&] { return rep.ReadSession(key); },
      [&](const Session& s) -> Result<bool> {
        if (s.expires_ms != e.expires_ms) return false;  // Extended meanwhile.
        rocksdb::WriteBatch batch;
        rep.DeleteSession(&batch, key, s);
        AUTHKV_RETURN_IF_ERROR(rep.Commit(&batch));
        rep.ForgetSession(key);
        return true;
      });
  if (deleted.status().IsNotFound()) return false;
  return deleted;
}

Result<bool> PurgeVerificationToken(Store::Rep& rep, const ExpiryEntry& e) {
  const std::string key(e.child_key);
  StripeGuard guard(rep.stripes, {LockKey{Family::kVerificationTokens, key}});
  auto token = rep.ReadVerificationToken(key);
  if (token.status().IsNotFound()) return false;
  if (!token.ok()) return token.status();
  if (token->expires_ms != e.expires_ms) return false;
  rocksdb::WriteBatch batch;
  rep.DeleteVerificationToken(&batch, key, token->expires_ms);
  AUTHKV_RETURN_IF_ERROR(rep.Commit(&batch));
  return true;
}

}  // namespace

Result<PurgeResult> Store::PurgeExpired(int64_t now_ms) {
  AUTHKV_RETURN_IF_ERROR(rep_->CheckWritable());
  const std::string upper = internal::ExpiryUpperBound(now_ms);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = rep_->read_options;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(ro, rep_->cf(Family::kExpiry)));
  PurgeResult result;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string entry_key = it->key().ToString();
    auto entry = internal::ParseExpiryKey(entry_key);
    if (!entry) {
      return Status::Corruption("expiry: malformed key " + entry_key);
    }
    const bool is_session = entry->kind == ExpiryKind::kSession;
    AUTHKV_ASSIGN_OR_RETURN(bool deleted, is_session ? PurgeSession(*rep_, *entry)
                                                     : PurgeVerificationToken(*rep_, *entry));
    if (deleted) {
      ++(is_session ? result.sessions : result.verification_tokens);
    }
  }
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "expiry scan"));
  return result;
}

}  // namespace authkv
