// authkv: embedded auth-data store. Licensed under the ISC license.
//
// PurgeExpired, by hand or on a background thread (Options::
// purge_interval_ms). It walks the expiry family, which orders sessions and
// verification tokens by expiry, so the cost is proportional to what has
// expired, not to the size of the store. Each record is deleted in its own
// batch under the same stripes as any other write to it, and is re-read
// first: an UpdateSession that extended it meanwhile wins.

#include <rocksdb/iterator.h>

#include <chrono>

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
  return PurgeExpiredRecords(*rep_, now_ms);
}

MaintenanceStats Store::GetMaintenanceStats() const {
  std::lock_guard<std::mutex> lock(rep_->purger_mutex);
  return rep_->maintenance;
}

void StartPurger(Store::Rep& rep, int64_t interval_ms) {
  rep.purger = std::thread([&rep, interval_ms] {
    std::unique_lock<std::mutex> lock(rep.purger_mutex);
    while (!rep.purger_wakeup.wait_for(lock, std::chrono::milliseconds(interval_ms),
                                       [&] { return rep.purger_stopping; })) {
      lock.unlock();
      auto result = PurgeExpiredRecords(rep, rep.NowMillis());
      lock.lock();
      ++rep.maintenance.purge_runs;
      if (result.ok()) {
        rep.maintenance.purged_sessions += result->sessions;
        rep.maintenance.purged_verification_tokens += result->verification_tokens;
        rep.maintenance.last_error = Status::OK();
      } else {
        rep.maintenance.last_error = result.status();
      }
    }
  });
}

void StopPurger(Store::Rep& rep) {
  if (!rep.purger.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(rep.purger_mutex);
    rep.purger_stopping = true;
  }
  rep.purger_wakeup.notify_all();
  rep.purger.join();
}

Result<PurgeResult> PurgeExpiredRecords(Store::Rep& rep, int64_t now_ms) {
  int64_t floor = rep.purge_floor_ms.load();
  if (floor >= now_ms) return PurgeResult{};
  const std::string lower = internal::ExpiryUpperBound(floor);
  const std::string upper = internal::ExpiryUpperBound(now_ms);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = rep.read_options;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(ro, rep.cf(Family::kExpiry)));
  PurgeResult result;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string entry_key = it->key().ToString();
    auto entry = internal::ParseExpiryKey(entry_key);
    if (!entry) {
      return Status::Corruption("expiry: malformed key " + entry_key);
    }
    const bool is_session = entry->kind == ExpiryKind::kSession;
    AUTHKV_ASSIGN_OR_RETURN(bool deleted, is_session ? PurgeSession(rep, *entry)
                                                     : PurgeVerificationToken(rep, *entry));
    if (deleted) {
      ++(is_session ? result.sessions : result.verification_tokens);
    }
  }
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "expiry scan"));
  // Everything below now_ms is gone -- unless a write below the floor
  // lowered it meanwhile, in which case the floor stays where that put it.
  rep.purge_floor_ms.compare_exchange_strong(floor, now_ms);
  return result;
}

}  // namespace authkv
