// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Store::Rep, the state behind a Store, and the helpers every operation
// shares: typed reads of envelopes, and the batch edits that keep a record
// and its index entries together. Operations live in store_<entity>.cc.
//
// Concurrency design (documented here because every write relies on it):
//   - Reads take no lock. Each read is a RocksDB Get or a prefix scan; a
//     read that needs two records (GetSessionAndUser) treats a missing
//     second record as NotFound, so a concurrent cascade delete can only
//     make it miss, never return half a pair.
//   - Writes that check before they write hold LockStripes stripes (see
//     lock_stripes.h) from the check through the commit of one WriteBatch.
//     Writes to a child record (account, session, authenticator) also hold
//     the owning user's stripe; DeleteUser holds it while it scans the
//     user's links, so no child can appear or be rewritten mid-cascade.
//   - A lock-striped store was chosen over rocksdb::TransactionDB: the same
//     exclusion without a per-key lock table or deadlock detection on every
//     write, and commits of unrelated keys still group into one fsync.
//
// Thread safety: Rep is shared by all threads; its members are immutable
// after Open except `stripes` (internally synchronised) and the RocksDB
// handle (thread-safe).

#ifndef AUTHKV_CORE_SRC_STORE_REP_H_
#define AUTHKV_CORE_SRC_STORE_REP_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/clock.h"
#include "authkv/options.h"
#include "authkv/records.h"
#include "authkv/store.h"
#include "db_health.h"
#include "db_lock.h"
#include "keys.h"
#include "layout.h"
#include "lock_stripes.h"
#include "purge_floor.h"
#include "session_cache.h"
#include "token_cipher.h"

namespace authkv {

struct Store::Rep {
  ~Rep();

  // The RocksDB instance; null only after a replacement failed to open
  // (every call then tries again). Replaced, under db_lock held
  // exclusively, when it has stopped taking writes (Recover).
  std::unique_ptr<rocksdb::DB> db;
  // Whether RocksDB has stopped taking writes (db_health.h); registered as
  // a listener of `db`.
  std::shared_ptr<internal::DbHealth> health = std::make_shared<internal::DbHealth>();
  internal::DbLock db_lock;
  // What `db` was opened with, to open it again.
  std::string path;
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  internal::FamilyHandles handles{};
  const Clock* clock = nullptr;
  EmailMatch email_match = EmailMatch::kCaseInsensitive;
  bool read_only = false;
  uint32_t schema_version = 0;
  // Encrypts account tokens; disabled without Options::token_keys.
  std::optional<internal::TokenCipher> cipher;
  rocksdb::WriteOptions write_options;
  rocksdb::ReadOptions read_options;
  internal::LockStripes stripes;
  // Null when Options::session_cache_bytes is 0.
  std::unique_ptr<internal::SessionCache> session_cache;

  // Where purges start their scan (purge_floor.h). Commit tells it of
  // every expiry entry a batch writes.
  internal::PurgeFloor purge_floor;
  // Held for the whole of a purge: the floor's bookkeeping needs purges
  // one at a time (and two at once would only fight over the stripes).
  std::mutex purge_run_mutex;
  // Tests only: runs inside a purge once it has taken its snapshot, so a
  // test can commit a write exactly there. Set before any purge runs.
  std::function<void()> purge_snapshot_hook_for_test;

  // The background purge (store_purge.cc); not started when the interval
  // is 0. Stopped first thing in ~Rep, before the database closes.
  std::thread purger;
  std::mutex purger_mutex;
  std::condition_variable purger_wakeup;
  bool purger_stopping = false;       // Guarded by purger_mutex.
  MaintenanceStats maintenance;       // Guarded by purger_mutex.

  rocksdb::ColumnFamilyHandle* cf(internal::Family f) const {
    return handles[static_cast<size_t>(f)];
  }
  int64_t NowMillis() const { return clock->NowMillis(); }

  // InvalidArgument when the store was opened read-only.
  Status CheckWritable() const;

  // Every operation holds one of these from start to end: `db`, its
  // handles, snapshots and iterators stay valid while it is held.
  using DbUse = std::shared_lock<internal::DbLock>;
  // For reads. IOError if there is no instance and opening one failed.
  Result<DbUse> Use();
  // For writes: CheckWritable, then, if RocksDB has stopped taking writes,
  // Recover first, so a fault that has cleared costs the app nothing; when
  // Recover cannot (the disk still fails), its IOError: nothing written.
  Result<DbUse> UseForWrite();
  // Replaces a RocksDB instance that stopped taking writes by a fresh one
  // on the same directory. DB::Resume cannot do it on RocksDB 7.8.3: every
  // non-retryable I/O error is "fatal" there and ENOSPC waits for an
  // SstFileManager (measured, see db_health.h). First checks that the disk
  // takes a synced write again (ProbeDisk), so a disk that still fails
  // leaves the old instance serving reads. Takes db_lock exclusively: call
  // it holding no DbUse and no stripe.
  Status Recover();
  // Opens `db` and `handles` from path, db_options and descriptors.
  Status OpenDb();
  // Closes `db` (or leaks it when closing could abort, db_health.h).
  void CloseDb();
  // Commits `batch` atomically with the store's durability setting. A
  // failure is IOError only where nothing can have been written (RocksDB
  // had stopped taking writes before this one); a write that failed on its
  // way to the log or in its fsync is UnknownOutcome: its bytes may be in
  // the WAL and come back on the next open.
  Status Commit(rocksdb::WriteBatch* batch);

  // The raw value under `key`; NotFound if there is none. `snapshot`, when
  // given, is the view to read (for reads that must agree with each other).
  Status GetRaw(internal::Family f, std::string_view key, std::string* value,
                const rocksdb::Snapshot* snapshot = nullptr);
  // Whether `key` exists (bloom-filtered, decodes nothing).
  Result<bool> Exists(internal::Family f, std::string_view key);

  // Typed reads: NotFound if missing, Corruption if the envelope or the
  // FlatBuffer inside is bad. `key` is the family's key (keys.h).
  Result<User> ReadUser(std::string_view user_id,
                        const rocksdb::Snapshot* snapshot = nullptr);
  // The account with its tokens decrypted: KeyUnavailable if they are
  // sealed with a key that is not configured.
  Result<Account> ReadAccount(std::string_view account_key);
  // The account with its tokens left sealed (absent in the result; `*sealed`
  // receives the blob, "" if they are stored in the clear). For the callers
  // that need only its keys and owner, so a missing or retired token key
  // cannot stop a sign-in lookup, an unlink or a user's deletion.
  Result<Account> ReadAccountSealed(std::string_view account_key, std::string* sealed,
                                    const rocksdb::Snapshot* snapshot = nullptr);
  // Restores the tokens of an account read sealed; KeyUnavailable as above.
  Status OpenTokens(std::string_view sealed, Account* account) const;
  // The session stored under `session_key`, with session_token left empty.
  Result<Session> ReadSession(std::string_view session_key);
  Result<VerificationToken> ReadVerificationToken(std::string_view key);
  Result<Authenticator> ReadAuthenticator(std::string_view credential_id);

  // The child keys of a user's links of `kind`, in key order.
  Result<std::vector<std::string>> ListLinks(std::string_view user_id,
                                             internal::LinkKind kind);

  // Batch edits: each puts or deletes a record together with every index
  // entry that belongs to it, as layout.h places it, so no caller can
  // forget one.
  void PutUser(rocksdb::WriteBatch* b, const User& user);
  void DeleteUser(rocksdb::WriteBatch* b, const User& user);
  // Rewrites a user; moves its email entry when the email changed.
  void ReplaceUser(rocksdb::WriteBatch* b, const User& before, const User& after);
  // Fails only if sealing the tokens fails.
  Status PutAccount(rocksdb::WriteBatch* b, const Account& account);
  void DeleteAccount(rocksdb::WriteBatch* b, const Account& account);
  // `session_key` is SessionKey(token); the token itself is never stored.
  void PutSession(rocksdb::WriteBatch* b, std::string_view session_key,
                  const Session& session);
  void DeleteSession(rocksdb::WriteBatch* b, std::string_view session_key,
                     const Session& session);
  // Rewrites a session; moves its expiry entry when the expiry changed.
  void ReplaceSession(rocksdb::WriteBatch* b, std::string_view session_key,
                      const Session& before, const Session& after);
  void PutVerificationToken(rocksdb::WriteBatch* b, std::string_view key,
                            const VerificationToken& token);
  void DeleteVerificationToken(rocksdb::WriteBatch* b, std::string_view key,
                               int64_t expires_ms);
  void PutAuthenticator(rocksdb::WriteBatch* b, const Authenticator& a);
  void DeleteAuthenticator(rocksdb::WriteBatch* b, const Authenticator& a);

  // Drops cached pairs for these session keys. Call after the commit that
  // changed them, still holding the writer's stripes.
  void ForgetSessions(const std::vector<std::string>& session_keys);
  void ForgetSession(std::string_view session_key);

  // The email index key of `user`, or "" when the user has no email.
  std::string EmailKey(const User& user) const;
};

// PurgeExpired's body, shared by Store::PurgeExpired and the purger.
Result<PurgeResult> PurgeExpiredRecords(Store::Rep& rep, int64_t now_ms);
// Starts / stops the background purge thread.
void StartPurger(Store::Rep& rep, const Options& options);
void StopPurger(Store::Rep& rep);

// Runs `fn(record)` for the child record (account, session, authenticator)
// under `key` in family `f`, holding the stripes of the key and of the
// record's owner, with the record re-read under them: the owner is known
// only after a read, and the record may be replaced between the two reads.
// `read()` returns Result<Child>; `fn` returns a Result or Status.
template <typename Read, typename Fn>
auto WithOwnerLocked(Store::Rep& rep, internal::Family f, std::string_view key,
                     Read read, Fn fn) -> decltype(fn(*read())) {
  for (;;) {
    auto first = read();
    if (!first.ok()) return first.status();
    const std::string owner = first->user_id;
    internal::StripeGuard guard(
        rep.stripes, {internal::LockKey{internal::Family::kUsers, owner},
                      internal::LockKey{f, key}});
    auto current = read();
    if (!current.ok()) return current.status();
    if (current->user_id == owner) return fn(*current);
    // Deleted and recreated for another user in between: lock again.
  }
}

}  // namespace authkv

#endif  // AUTHKV_CORE_SRC_STORE_REP_H_
