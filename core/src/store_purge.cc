// authkv: embedded auth-data store. Licensed under the ISC license.
//
// PurgeExpired, by hand or on a background thread (Options::
// purge_interval_ms). It walks the expiry family, which orders sessions and
// verification tokens by expiry, so the cost is proportional to what has
// expired, not to the size of the store. Records are deleted in batches of
// kPurgeBatch, one commit each, under the same stripes as any other write to
// them, and are re-read first: an UpdateSession that extended one meanwhile
// wins.

#include <rocksdb/iterator.h>

#include <chrono>

#include "clock_step_guard.h"
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

// Expired records deleted per commit. One commit (and, with sync, one
// fsync) per record made 500 expired sessions cost 121 ms. A batch holds the
// stripes of all of its records (a session's and its owner's) until it
// commits, so it is kept small: 32 records hold at most 64 of the 1024
// stripes, which keeps the writers it can block few, and stays within the
// 64 locks ThreadSanitizer's deadlock detector can follow in one thread.
constexpr size_t kPurgeBatch = 32;

// One expired record found by the scan, with what the batch needs to lock.
struct Candidate {
  int64_t expires_ms;
  ExpiryKind kind;
  std::string key;    // The session or verification-token key.
  std::string owner;  // A session's user id, read before locking.
};

// Deletes, in one commit, every candidate that is still expired as the scan
// saw it. Each is re-read under its stripes (and a session under its
// owner's too), so an UpdateSession that extended one meanwhile wins, and
// a session that moved to another owner is left for the next purge.
Status PurgeBatch(Store::Rep& rep, std::vector<Candidate>& batch_of, PurgeResult* result) {
  std::vector<LockKey> locks;
  locks.reserve(2 * batch_of.size());
  for (const auto& c : batch_of) {
    if (c.kind == ExpiryKind::kSession) {
      locks.push_back(LockKey{Family::kUsers, c.owner});
      locks.push_back(LockKey{Family::kSessions, c.key});
    } else {
      locks.push_back(LockKey{Family::kVerificationTokens, c.key});
    }
  }
  StripeGuard guard(rep.stripes, locks);
  rocksdb::WriteBatch batch;
  std::vector<std::string> forgotten;
  PurgeResult counted;
  for (const auto& c : batch_of) {
    if (c.kind == ExpiryKind::kSession) {
      auto s = rep.ReadSession(c.key);
      if (s.status().IsNotFound()) continue;
      if (!s.ok()) return s.status();
      if (s->expires_ms != c.expires_ms || s->user_id != c.owner) continue;
      rep.DeleteSession(&batch, c.key, *s);
      forgotten.push_back(c.key);
      ++counted.sessions;
    } else {
      auto t = rep.ReadVerificationToken(c.key);
      if (t.status().IsNotFound()) continue;
      if (!t.ok()) return t.status();
      if (t->expires_ms != c.expires_ms) continue;
      rep.DeleteVerificationToken(&batch, c.key, t->expires_ms);
      ++counted.verification_tokens;
    }
  }
  if (batch.Count() > 0) AUTHKV_RETURN_IF_ERROR(rep.Commit(&batch));
  rep.ForgetSessions(forgotten);
  result->sessions += counted.sessions;
  result->verification_tokens += counted.verification_tokens;
  batch_of.clear();
  return Status::OK();
}

}  // namespace

Result<PurgeResult> Store::PurgeExpired(int64_t now_ms) {
  return PurgeExpiredRecords(*rep_, now_ms);
}

MaintenanceStats Store::GetMaintenanceStats() const {
  std::lock_guard<std::mutex> lock(rep_->purger_mutex);
  return rep_->maintenance;
}

void StartPurger(Store::Rep& rep, const Options& options) {
  const int64_t interval_ms = options.purge_interval_ms;
  // Its first reading is the one taken at open, so a step between the open
  // and the first run is caught too.
  internal::ClockStepGuard guard(options.purge_clock_step_tolerance_ms,
                                 options.purge_clock_step_hold_ms);
  (void)guard.Judge(rep.NowMillis(), rep.clock->MonotonicMillis());
  rep.purger = std::thread([&rep, interval_ms, guard]() mutable {
    std::unique_lock<std::mutex> lock(rep.purger_mutex);
    while (!rep.purger_wakeup.wait_for(lock, std::chrono::milliseconds(interval_ms),
                                       [&] { return rep.purger_stopping; })) {
      lock.unlock();
      const auto verdict = guard.Judge(rep.NowMillis(), rep.clock->MonotonicMillis());
      auto result = PurgeExpiredRecords(rep, verdict.purge_to_ms);
      lock.lock();
      ++rep.maintenance.purge_runs;
      rep.maintenance.clock_ahead_ms = verdict.ahead_ms;
      if (verdict.ahead_ms > 0) ++rep.maintenance.clock_step_held_runs;
      if (verdict.accepted) ++rep.maintenance.clock_steps_accepted;
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
  std::lock_guard<std::mutex> one_at_a_time(rep.purge_run_mutex);
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep.UseForWrite());  // Held to the end.
  const int64_t floor = rep.purge_floor.BeginPurge();  // Before the snapshot.
  if (floor >= now_ms) return PurgeResult{};
  const std::string lower = internal::ExpiryUpperBound(floor);
  const std::string upper = internal::ExpiryUpperBound(now_ms);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = rep.read_options;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(ro, rep.cf(Family::kExpiry)));
  if (rep.purge_snapshot_hook_for_test) rep.purge_snapshot_hook_for_test();
  PurgeResult result;
  std::vector<Candidate> pending;
  pending.reserve(kPurgeBatch);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string entry_key = it->key().ToString();
    auto entry = internal::ParseExpiryKey(entry_key);
    if (!entry) {
      return Status::Corruption("expiry: malformed key " + entry_key);
    }
    Candidate c{entry->expires_ms, entry->kind, std::string(entry->child_key), {}};
    if (c.kind == ExpiryKind::kSession) {
      auto s = rep.ReadSession(c.key);
      if (s.status().IsNotFound()) continue;  // Deleted since the scan began.
      if (!s.ok()) return s.status();
      c.owner = s->user_id;
    }
    pending.push_back(std::move(c));
    if (pending.size() == kPurgeBatch) AUTHKV_RETURN_IF_ERROR(PurgeBatch(rep, pending, &result));
  }
  if (!pending.empty()) AUTHKV_RETURN_IF_ERROR(PurgeBatch(rep, pending, &result));
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "expiry scan"));
  // Everything the snapshot held below now_ms is gone; what was written
  // since is not in it, and keeps the floor down (purge_floor.h).
  rep.purge_floor.FinishPurge(now_ms);
  return result;
}

}  // namespace authkv
