// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv_store_bench: every Store operation, side by side with baseline (a)
// SQLite with the Auth.js table layout (sqlite_baseline.h) and baseline (b)
// the raw-RocksDB floor (rocksdb_floor.h), on the same deterministic data
// (dataset.h) of N users, each with one account and one session.
//
// Benchmarks are named BM_<Operation>/<engine>/users:<N>[/sync:<0|1>]
// /real_time/threads:<T>, engine being authkv, sqlite or floor (and, for
// the hot read, authkv-nocache: authkv with its session cache off, what a
// cache miss costs):
//   - at every size (--authkv_users, default 10000; scripts/bench --full
//     adds 1000000), on 1 and 2 threads: the hot read GetSessionAndUser by
//     a random token, GetUserByEmail, GetUserByAccount; and with sync off
//     and on: the sign-in write path (CreateUser + LinkAccount +
//     CreateSession, three calls as Auth.js makes them) and
//     UseVerificationToken (create + use);
//   - at the smallest size only, on 1 thread with sync off: every other
//     operation once.
// Operations that must create what they consume (use a token, delete a
// session) time both calls and say so in the label. Reads pick a uniformly
// random existing user per iteration; writes create fresh records. Times
// are wall-clock per operation across all threads (items_per_second is the
// total throughput). The authkv hot read also reports its session-cache
// hit rate.
//
// Each size's databases are working copies of one settled template (see
// bench_util.h), opened once and kept for the whole run; the floor reads
// the template itself, with a block cache that holds all of it. authkv and
// SQLite run with their default caches (authkv's Options; SQLite's page
// cache set to authkv's block cache size). Reads warm their engine's caches
// once per size before the first timing. Reads are registered before writes so every read
// sees exactly the loaded data.
//
// Thread safety: benchmark threads share one Fixture per size; its lazily
// created handles are guarded by its mutex.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "authkv/store.h"
#include "bench_util.h"
#include "dataset.h"
#include "rocksdb_floor.h"
#include "sqlite_baseline.h"

namespace authkv::bench {
namespace {

// kAuthkvNoCache is authkv with its session cache off
// (Options::session_cache_bytes = 0): the hot read's storage path, which is
// what every cache miss costs.
enum class Engine { kAuthkv, kAuthkvNoCache, kSqlite, kFloor };

const char* EngineName(Engine e) {
  switch (e) {
    case Engine::kAuthkv:
      return "authkv";
    case Engine::kAuthkvNoCache:
      return "authkv-nocache";
    case Engine::kSqlite:
      return "sqlite";
    case Engine::kFloor:
      return "floor";
  }
  return "?";
}

// The floor's block cache: room for the whole database at every size run
// here, so the floor is what the issue calls it, reads of data already in
// memory (docs/deps.md measures its floors the same way). authkv runs with its
// default options; what a smaller cache costs it shows in the ratio.
constexpr size_t kFloorBlockCacheBytes = size_t{4} << 30;

// Authenticators created for the authenticator read benchmarks.
constexpr uint64_t kAuthenticators = 1000;

// The databases and probe keys of one data-set size.
class Fixture {
 public:
  // The fixture for state.range(0) users, built on first use. Null, with
  // the benchmark skipped, if it cannot be built.
  static Fixture* For(benchmark::State& state);
  // Closes every handle; the working copies are removed by CleanUpBenchRoot.
  static void CloseAll();

  const Dataset& dataset() const { return dataset_; }
  uint64_t users() const { return dataset_.users(); }

  // The authkv store, reopened when its durability must change; `sync`
  // unset accepts either.
  Result<Store*> AuthkvStore(std::optional<bool> sync);
  // A second authkv store on its own copy of the data, with the session
  // cache off. Only read.
  Result<Store*> UncachedStore();
  // Thread `thread`'s own read connection.
  Result<SqliteBaseline*> SqliteReader(int thread);
  // The one write connection with its synchronous mode set to `sync`;
  // callers hold SqliteWriteMutex() around each call.
  Result<SqliteBaseline*> SqliteWriter(bool sync);
  std::mutex& SqliteWriteMutex() { return sqlite_write_mu_; }
  Result<const RocksDbFloor*> Floor();
  // Creates authenticators [0, kAuthenticators) in the store once.
  Status EnsureAuthenticators(Store& store);
  // Runs warm() the first time it is called with `what`; later calls (other
  // threads included) wait for that run and return its outcome.
  template <typename Warm>
  Status WarmUpOnce(const std::string& what, Warm warm) {
    std::lock_guard<std::mutex> lock(warm_mu_);
    auto it = warmed_.find(what);
    if (it == warmed_.end()) it = warmed_.emplace(what, warm()).first;
    return it->second;
  }

  // A record index no benchmark has used: fresh users, sessions, tokens.
  uint64_t NextFresh() { return next_fresh_.fetch_add(1, std::memory_order_relaxed); }

  // Probe keys by user row, laid out flat (see FixedColumn).
  FixedColumn tokens, user_ids, emails, provider_account_ids;
  // The floor's keys, built as authkv builds them.
  FixedColumn session_keys, email_keys, account_keys;

 private:
  explicit Fixture(uint64_t users) : dataset_(users), next_fresh_(users) {}
  Status Build();

  const Dataset dataset_;
  DatasetFiles template_;
  std::string work_dir_;
  std::atomic<uint64_t> next_fresh_;

  std::mutex mu_;
  std::unique_ptr<Store> store_;                                 // Guarded by mu_.
  bool store_sync_ = false;                                      // Guarded by mu_.
  std::unique_ptr<Store> uncached_store_;                        // Guarded by mu_.
  std::vector<std::unique_ptr<SqliteBaseline>> sqlite_readers_;  // Guarded by mu_.
  std::unique_ptr<SqliteBaseline> sqlite_writer_;                // Guarded by mu_.
  bool sqlite_writer_sync_ = false;                              // Guarded by mu_.
  std::unique_ptr<RocksDbFloor> floor_;                          // Guarded by mu_.
  bool authenticators_ready_ = false;                            // Guarded by mu_.
  std::mutex sqlite_write_mu_;
  std::mutex warm_mu_;
  std::map<std::string, Status> warmed_;  // Guarded by warm_mu_.
};

std::mutex g_fixtures_mu;
std::map<uint64_t, std::unique_ptr<Fixture>>* g_fixtures =
    new std::map<uint64_t, std::unique_ptr<Fixture>>;  // Guarded by g_fixtures_mu.
std::map<uint64_t, Status>* g_fixture_errors =
    new std::map<uint64_t, Status>;  // Guarded by g_fixtures_mu.

Fixture* Fixture::For(benchmark::State& state) {
  const auto users = static_cast<uint64_t>(state.range(0));
  std::lock_guard<std::mutex> lock(g_fixtures_mu);
  if (auto it = g_fixtures->find(users); it != g_fixtures->end()) return it->second.get();
  auto failed = g_fixture_errors->find(users);
  if (failed == g_fixture_errors->end()) {
    std::unique_ptr<Fixture> fixture(new Fixture(users));
    Status s = fixture->Build();
    if (s.ok()) {
      Fixture* built = fixture.get();
      (*g_fixtures)[users] = std::move(fixture);
      return built;
    }
    failed = g_fixture_errors->emplace(users, std::move(s)).first;
  }
  state.SkipWithError(failed->second.ToString().c_str());
  return nullptr;
}

void Fixture::CloseAll() {
  std::lock_guard<std::mutex> lock(g_fixtures_mu);
  g_fixtures->clear();
}

Status Fixture::Build() {
  auto files = PrepareTemplate(dataset_, /*in_child=*/false);
  if (!files.ok()) return files.status();
  template_ = *files;
  work_dir_ = NewWorkDir(std::to_string(users()));
  if (Status s = CloneRocksDb(template_.authkv_dir, work_dir_ + "/authkv"); !s.ok()) return s;
  if (Status s = CopyFile(template_.sqlite_path, work_dir_ + "/sqlite.db"); !s.ok()) return s;
  // The clones share the template's table files (hard links), so this warms
  // every copy's pages.
  for (const std::string& path :
       {template_.authkv_dir, work_dir_ + "/authkv", work_dir_ + "/sqlite.db"}) {
    if (Status s = Preread(path); !s.ok()) return s;
  }

  const uint64_t n = users();
  const Dataset& d = dataset_;
  tokens.Fill(n, [&](uint64_t i) { return d.SessionToken(i); });
  user_ids.Fill(n, [&](uint64_t i) { return d.UserId(i); });
  emails.Fill(n, [&](uint64_t i) { return d.Email(i); });
  provider_account_ids.Fill(n, [&](uint64_t i) { return d.ProviderAccountId(i); });
  session_keys.Fill(n, [&](uint64_t i) { return RocksDbFloor::SessionKey(tokens[i]); });
  email_keys.Fill(n, [&](uint64_t i) { return RocksDbFloor::EmailKey(emails[i]); });
  account_keys.Fill(
      n, [&](uint64_t i) { return RocksDbFloor::AccountKey(kProvider, provider_account_ids[i]); });
  return Status::OK();
}

Result<Store*> Fixture::AuthkvStore(std::optional<bool> sync) {
  std::lock_guard<std::mutex> lock(mu_);
  if (store_ && (!sync || *sync == store_sync_)) return store_.get();
  store_.reset();
  Options options;
  options.create_if_missing = false;
  options.sync = sync.value_or(false);
  auto store = Store::Open(work_dir_ + "/authkv", options);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  store_sync_ = options.sync;
  return store_.get();
}

Result<Store*> Fixture::UncachedStore() {
  std::lock_guard<std::mutex> lock(mu_);
  if (uncached_store_) return uncached_store_.get();
  const std::string dir = work_dir_ + "/authkv-nocache";
  if (Status s = CloneRocksDb(template_.authkv_dir, dir); !s.ok()) return s;
  Options options;
  options.create_if_missing = false;
  options.session_cache_bytes = 0;
  auto store = Store::Open(dir, options);
  if (!store.ok()) return store.status();
  uncached_store_ = std::move(*store);
  return uncached_store_.get();
}

Result<SqliteBaseline*> Fixture::SqliteReader(int thread) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sqlite_readers_.size() <= static_cast<size_t>(thread)) sqlite_readers_.resize(thread + 1);
  auto& reader = sqlite_readers_[thread];
  if (!reader) {
    auto opened = SqliteBaseline::Open(work_dir_ + "/sqlite.db", SqliteOptions());
    if (!opened.ok()) return opened.status();
    reader = std::move(*opened);
  }
  return reader.get();
}

Result<SqliteBaseline*> Fixture::SqliteWriter(bool sync) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!sqlite_writer_) {
    auto opened = SqliteBaseline::Open(work_dir_ + "/sqlite.db", SqliteOptions{.sync = sync});
    if (!opened.ok()) return opened.status();
    sqlite_writer_ = std::move(*opened);
    sqlite_writer_sync_ = sync;
  }
  if (sqlite_writer_sync_ != sync) {
    std::lock_guard<std::mutex> write_lock(sqlite_write_mu_);
    if (Status s = sqlite_writer_->SetSync(sync); !s.ok()) return s;
    sqlite_writer_sync_ = sync;
  }
  return sqlite_writer_.get();
}

Result<const RocksDbFloor*> Fixture::Floor() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!floor_) {
    auto opened = RocksDbFloor::Open(template_.authkv_dir, kFloorBlockCacheBytes);
    if (!opened.ok()) return opened.status();
    if (Status s = (*opened)->FillCache(); !s.ok()) return s;
    floor_ = std::move(*opened);
  }
  return floor_.get();
}

Status Fixture::EnsureAuthenticators(Store& store) {
  std::lock_guard<std::mutex> lock(mu_);
  if (authenticators_ready_) return Status::OK();
  for (uint64_t k = 0; k < kAuthenticators; ++k) {
    Status s = store.CreateAuthenticator(dataset_.AuthenticatorAt(k)).status();
    if (!s.ok() && !s.IsAlreadyExists()) return s;
  }
  authenticators_ready_ = true;
  return Status::OK();
}

// Returns the value of a Result, or skips the benchmark and returns null.
template <typename T>
T* OrSkip(benchmark::State& state, Result<T*> result) {
  if (result.ok()) return *result;
  state.SkipWithError(result.status().ToString().c_str());
  return nullptr;
}

// The store a read benchmark of `engine` reads.
Result<Store*> ReadStore(Fixture& fx, Engine engine) {
  return engine == Engine::kAuthkvNoCache ? fx.UncachedStore() : fx.AuthkvStore(std::nullopt);
}

// Random existing users for this benchmark thread.
RandomRows RowsFor(const benchmark::State& state, const Fixture& fx) {
  return RandomRows(fx.users(), kDefaultSeed ^ (static_cast<uint64_t>(state.thread_index()) + 1));
}

// The next random row, prefetching the row after it in `columns`.
template <typename... Columns>
uint64_t NextRow(RandomRows& rows, const Columns&... columns) {
  const uint64_t row = rows.Next();
  (columns.Prefetch(rows.Peek()), ...);
  return row;
}

// Runs `call` under the SQLite write mutex: one writer at a time.
template <typename Call>
Status Serialized(std::mutex& mu, Call call) {
  std::lock_guard<std::mutex> lock(mu);
  return call();
}

bool SyncArg(const benchmark::State& state) { return state.range(1) != 0; }

// --- Reads -------------------------------------------------------------------------

// Warms the engine's caches for the read `what` once per fixture with
// WarmupReads(N) random op(row) calls (at most kWarmupSeconds). False, with the benchmark skipped,
// on a failure.
template <typename Op>
bool WarmUp(benchmark::State& state, Fixture& fx, const std::string& what, Op& op) {
  Status s = fx.WarmUpOnce(what, [&] {
    RandomRows rows(fx.users(), ~kDefaultSeed);
    Deadline deadline(kWarmupSeconds);
    for (uint64_t r = WarmupReads(fx.users()); r > 0 && !deadline.Passed(); --r) {
      if (Status failed = op(rows.Next()); !failed.ok()) return failed;
    }
    return Status::OK();
  });
  if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  return s.ok();
}

// Times op(row) on random rows, prefetching `columns` one row ahead.
template <typename Op, typename... Columns>
void TimeReads(benchmark::State& state, const Fixture& fx, Op& op, const Columns&... columns) {
  RandomRows rows = RowsFor(state, fx);
  RunOps(state, [&] { return op(NextRow(rows, columns...)); });
}

// The read loop: warm-up, then timing.
template <typename Op, typename... Columns>
void RunReads(benchmark::State& state, Fixture& fx, const std::string& what, Op op,
              const Columns&... columns) {
  if (WarmUp(state, fx, what, op)) TimeReads(state, fx, op, columns...);
}

// Reports the session cache's hit rate between two snapshots (from the
// first thread only: the counters are per store, not per thread).
void ReportCacheHitRate(benchmark::State& state, const CacheStats& before,
                        const CacheStats& after) {
  const double hits = static_cast<double>(after.hits - before.hits);
  const double lookups = hits + static_cast<double>(after.misses - before.misses);
  if (state.thread_index() == 0 && lookups > 0) {
    state.counters["cache_hit_pct"] = 100.0 * hits / lookups;
  }
}

void BM_GetSessionAndUser(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const std::string what = std::string("GetSessionAndUser/") + EngineName(engine);
  switch (engine) {
    case Engine::kAuthkv:
    case Engine::kAuthkvNoCache: {
      Store* store = OrSkip(state, ReadStore(*fx, engine));
      if (store == nullptr) return;
      auto op = [&](uint64_t i) { return store->GetSessionAndUser(fx->tokens[i]).status(); };
      if (!WarmUp(state, *fx, what, op)) return;
      const CacheStats before = store->GetCacheStats();
      TimeReads(state, *fx, op, fx->tokens);
      ReportCacheHitRate(state, before, store->GetCacheStats());
      break;
    }
    case Engine::kSqlite: {
      SqliteBaseline* db = OrSkip(state, fx->SqliteReader(state.thread_index()));
      if (db == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) { return db->GetSessionAndUser(fx->tokens[i]).status(); }, fx->tokens);
      break;
    }
    case Engine::kFloor: {
      const RocksDbFloor* floor = OrSkip(state, fx->Floor());
      if (floor == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) {
            Status s = floor->Get(RocksDbFloor::Family::kSessions, fx->session_keys[i]);
            return s.ok() ? floor->Get(RocksDbFloor::Family::kUsers, fx->user_ids[i]) : s;
          },
          fx->session_keys, fx->user_ids);
      break;
    }
  }
}

void BM_GetUserByEmail(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const std::string what = std::string("GetUserByEmail/") + EngineName(engine);
  switch (engine) {
    case Engine::kAuthkv:
    case Engine::kAuthkvNoCache: {
      Store* store = OrSkip(state, ReadStore(*fx, engine));
      if (store == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) { return store->GetUserByEmail(fx->emails[i]).status(); }, fx->emails);
      break;
    }
    case Engine::kSqlite: {
      SqliteBaseline* db = OrSkip(state, fx->SqliteReader(state.thread_index()));
      if (db == nullptr) return;
      RunReads(
          state, *fx, what, [&](uint64_t i) { return db->GetUserByEmail(fx->emails[i]).status(); },
          fx->emails);
      break;
    }
    case Engine::kFloor: {
      const RocksDbFloor* floor = OrSkip(state, fx->Floor());
      if (floor == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) {
            Status s = floor->Get(RocksDbFloor::Family::kUsersByEmail, fx->email_keys[i]);
            return s.ok() ? floor->Get(RocksDbFloor::Family::kUsers, fx->user_ids[i]) : s;
          },
          fx->email_keys, fx->user_ids);
      break;
    }
  }
}

void BM_GetUserByAccount(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const std::string what = std::string("GetUserByAccount/") + EngineName(engine);
  switch (engine) {
    case Engine::kAuthkv:
    case Engine::kAuthkvNoCache: {
      Store* store = OrSkip(state, ReadStore(*fx, engine));
      if (store == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) {
            return store->GetUserByAccount(kProvider, fx->provider_account_ids[i]).status();
          },
          fx->provider_account_ids);
      break;
    }
    case Engine::kSqlite: {
      SqliteBaseline* db = OrSkip(state, fx->SqliteReader(state.thread_index()));
      if (db == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) {
            return db->GetUserByAccount(kProvider, fx->provider_account_ids[i]).status();
          },
          fx->provider_account_ids);
      break;
    }
    case Engine::kFloor: {
      const RocksDbFloor* floor = OrSkip(state, fx->Floor());
      if (floor == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) {
            Status s = floor->Get(RocksDbFloor::Family::kAccounts, fx->account_keys[i]);
            return s.ok() ? floor->Get(RocksDbFloor::Family::kUsers, fx->user_ids[i]) : s;
          },
          fx->account_keys, fx->user_ids);
      break;
    }
  }
}

void BM_GetUser(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const std::string what = std::string("GetUser/") + EngineName(engine);
  switch (engine) {
    case Engine::kAuthkv:
    case Engine::kAuthkvNoCache: {
      Store* store = OrSkip(state, ReadStore(*fx, engine));
      if (store == nullptr) return;
      RunReads(
          state, *fx, what, [&](uint64_t i) { return store->GetUser(fx->user_ids[i]).status(); },
          fx->user_ids);
      break;
    }
    case Engine::kSqlite: {
      SqliteBaseline* db = OrSkip(state, fx->SqliteReader(state.thread_index()));
      if (db == nullptr) return;
      RunReads(
          state, *fx, what, [&](uint64_t i) { return db->GetUser(fx->user_ids[i]).status(); },
          fx->user_ids);
      break;
    }
    case Engine::kFloor: {
      const RocksDbFloor* floor = OrSkip(state, fx->Floor());
      if (floor == nullptr) return;
      RunReads(
          state, *fx, what,
          [&](uint64_t i) { return floor->Get(RocksDbFloor::Family::kUsers, fx->user_ids[i]); },
          fx->user_ids);
      break;
    }
  }
}

void BM_GetAccount(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  RandomRows rows = RowsFor(state, *fx);
  if (engine == Engine::kFloor) {
    const RocksDbFloor* floor = OrSkip(state, fx->Floor());
    if (floor == nullptr) return;
    RunOps(state, [&] {
      const uint64_t i = NextRow(rows, fx->account_keys);
      return floor->Get(RocksDbFloor::Family::kAccounts, fx->account_keys[i]);
    });
    return;
  }
  Store* store = OrSkip(state, fx->AuthkvStore(std::nullopt));
  if (store == nullptr) return;
  RunOps(state, [&] {
    const uint64_t i = NextRow(rows, fx->provider_account_ids);
    return store->GetAccount(kProvider, fx->provider_account_ids[i]).status();
  });
}

void BM_GetAuthenticator(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(std::nullopt));
  if (store == nullptr) return;
  if (Status s = fx->EnsureAuthenticators(*store); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::vector<std::string> credentials;
  for (uint64_t k = 0; k < kAuthenticators; ++k) {
    credentials.push_back(fx->dataset().AuthenticatorAt(k).credential_id);
  }
  RandomRows rows(kAuthenticators, kDefaultSeed);
  RunOps(state, [&] { return store->GetAuthenticator(credentials[rows.Next()]).status(); });
}

void BM_ListAuthenticatorsByUserId(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(std::nullopt));
  if (store == nullptr) return;
  if (Status s = fx->EnsureAuthenticators(*store); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  // Users [0, kAuthenticators) hold one authenticator each.
  RandomRows rows(std::min(kAuthenticators, fx->users()), kDefaultSeed);
  RunOps(state, [&] {
    auto listed = store->ListAuthenticatorsByUserId(fx->user_ids[rows.Next()]);
    if (!listed.ok()) return listed.status();
    return listed->empty() ? Status::NotFound("no authenticator listed") : Status::OK();
  });
}

// --- Writes ------------------------------------------------------------------------

// The Auth.js OAuth first sign-in: three adapter calls, three commits.
void BM_SignIn(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const Dataset& d = fx->dataset();
  state.SetLabel("user+account+session");
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] {
      const uint64_t i = fx->NextFresh();
      Status s = store->CreateUser(d.UserAt(i)).status();
      if (s.ok()) s = store->LinkAccount(d.AccountAt(i)).status();
      if (s.ok()) s = store->CreateSession(d.SessionAt(i)).status();
      return s;
    });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const uint64_t i = fx->NextFresh();
    Status s = Serialized(mu, [&] { return db->CreateUser(d.UserAt(i)).status(); });
    if (s.ok()) s = Serialized(mu, [&] { return db->LinkAccount(d.AccountAt(i)).status(); });
    if (s.ok()) s = Serialized(mu, [&] { return db->CreateSession(d.SessionAt(i)).status(); });
    return s;
  });
}

// The email sign-in's token: created when the link is sent, used once.
void BM_UseVerificationToken(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const Dataset& d = fx->dataset();
  state.SetLabel("create+use");
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] {
      const VerificationToken t = d.VerificationTokenAt(fx->NextFresh());
      Status s = store->CreateVerificationToken(t).status();
      return s.ok() ? store->UseVerificationToken(t.identifier, t.token).status() : s;
    });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const VerificationToken t = d.VerificationTokenAt(fx->NextFresh());
    Status s = Serialized(mu, [&] { return db->CreateVerificationToken(t).status(); });
    if (!s.ok()) return s;
    return Serialized(mu, [&] { return db->UseVerificationToken(t.identifier, t.token).status(); });
  });
}

void BM_CreateVerificationToken(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const Dataset& d = fx->dataset();
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] {
      return store->CreateVerificationToken(d.VerificationTokenAt(fx->NextFresh())).status();
    });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const VerificationToken t = d.VerificationTokenAt(fx->NextFresh());
    return Serialized(mu, [&] { return db->CreateVerificationToken(t).status(); });
  });
}

void BM_CreateUser(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  const Dataset& d = fx->dataset();
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] { return store->CreateUser(d.UserAt(fx->NextFresh())).status(); });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const User user = d.UserAt(fx->NextFresh());
    return Serialized(mu, [&] { return db->CreateUser(user).status(); });
  });
}

// A second provider's account for an existing user (fresh provider id j,
// user j mod N).
Account SecondAccount(const Fixture& fx, uint64_t j) {
  Account account = fx.dataset().AccountAt(j % fx.users());
  account.provider = "google";
  account.provider_account_id = fx.dataset().ProviderAccountId(j);
  return account;
}

void BM_LinkAccount(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] { return store->LinkAccount(SecondAccount(*fx, fx->NextFresh())).status(); });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const Account account = SecondAccount(*fx, fx->NextFresh());
    return Serialized(mu, [&] { return db->LinkAccount(account).status(); });
  });
}

// Another session (fresh token j) for the existing user j mod N, expiring
// at `expires_ms`.
Session ExtraSession(const Fixture& fx, uint64_t j, int64_t expires_ms = kFarFutureMs) {
  return Session{fx.dataset().SessionToken(j), std::string(fx.user_ids[j % fx.users()]),
                 expires_ms};
}

void BM_CreateSession(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state,
           [&] { return store->CreateSession(ExtraSession(*fx, fx->NextFresh())).status(); });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const Session session = ExtraSession(*fx, fx->NextFresh());
    return Serialized(mu, [&] { return db->CreateSession(session).status(); });
  });
}

// The sliding-expiry write of the session read path (once a day per session).
void BM_UpdateSession(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  RandomRows rows = RowsFor(state, *fx);
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] {
      const uint64_t i = NextRow(rows, fx->tokens);
      return store->UpdateSession(fx->tokens[i], kFarFutureMs).status();
    });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const uint64_t i = NextRow(rows, fx->tokens);
    return Serialized(mu, [&] { return db->UpdateSession(fx->tokens[i], kFarFutureMs).status(); });
  });
}

// Sign-out.
void BM_DeleteSession(benchmark::State& state, Engine engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  state.SetLabel("create+delete");
  if (engine == Engine::kAuthkv) {
    Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
    if (store == nullptr) return;
    RunOps(state, [&] {
      const Session session = ExtraSession(*fx, fx->NextFresh());
      Status s = store->CreateSession(session).status();
      return s.ok() ? store->DeleteSession(session.session_token).status() : s;
    });
    return;
  }
  SqliteBaseline* db = OrSkip(state, fx->SqliteWriter(SyncArg(state)));
  if (db == nullptr) return;
  std::mutex& mu = fx->SqliteWriteMutex();
  RunOps(state, [&] {
    const Session session = ExtraSession(*fx, fx->NextFresh());
    Status s = Serialized(mu, [&] { return db->CreateSession(session).status(); });
    if (!s.ok()) return s;
    return Serialized(mu, [&] { return db->DeleteSession(session.session_token).status(); });
  });
}

// The operations only authkv is measured on (the SQL adapters' versions
// are not on any Auth.js hot path).

void BM_UpdateUser(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  RandomRows rows = RowsFor(state, *fx);
  RunOps(state, [&] {
    const uint64_t i = rows.Next();
    User patch;
    patch.id = std::string(fx->user_ids[i]);
    patch.name = "User " + std::to_string(i);  // The value it has: the data stay the same.
    return store->UpdateUser(patch).status();
  });
}

void BM_DeleteUser(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  const Dataset& d = fx->dataset();
  state.SetLabel("sign-in+delete");
  RunOps(state, [&] {
    const uint64_t j = fx->NextFresh();
    Status s = store->CreateUser(d.UserAt(j)).status();
    if (s.ok()) s = store->LinkAccount(d.AccountAt(j)).status();
    if (s.ok()) s = store->CreateSession(d.SessionAt(j)).status();
    return s.ok() ? store->DeleteUser(d.UserId(j)).status() : s;
  });
}

void BM_UpdateAccount(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  RandomRows rows = RowsFor(state, *fx);
  RunOps(state, [&] {
    // The tokens it has: the data stay the same.
    return store->UpdateAccount(fx->dataset().AccountAt(rows.Next())).status();
  });
}

void BM_UnlinkAccount(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  state.SetLabel("link+unlink");
  RunOps(state, [&] {
    const Account account = SecondAccount(*fx, fx->NextFresh());
    Status s = store->LinkAccount(account).status();
    if (!s.ok()) return s;
    return store->UnlinkAccount(account.provider, account.provider_account_id).status();
  });
}

void BM_CreateAuthenticator(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  // Fresh indexes are >= N >= kAuthenticators: never one EnsureAuthenticators makes.
  RunOps(state, [&] {
    return store->CreateAuthenticator(fx->dataset().AuthenticatorAt(fx->NextFresh())).status();
  });
}

void BM_UpdateAuthenticatorCounter(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  if (Status s = fx->EnsureAuthenticators(*store); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::vector<std::string> credentials;
  for (uint64_t k = 0; k < kAuthenticators; ++k) {
    credentials.push_back(fx->dataset().AuthenticatorAt(k).credential_id);
  }
  RandomRows rows(kAuthenticators, kDefaultSeed);
  uint64_t counter = 0;
  RunOps(state, [&] {
    return store->UpdateAuthenticatorCounter(credentials[rows.Next()], ++counter).status();
  });
}

void BM_PurgeExpired(benchmark::State& state, Engine) {
  Fixture* fx = Fixture::For(state);
  if (fx == nullptr) return;
  Store* store = OrSkip(state, fx->AuthkvStore(SyncArg(state)));
  if (store == nullptr) return;
  state.SetLabel("create-expired+purge");
  RunOps(state, [&] {
    constexpr int64_t kExpiredAtMs = 1;
    Status s = store->CreateSession(ExtraSession(*fx, fx->NextFresh(), kExpiredAtMs)).status();
    if (!s.ok()) return s;
    auto purged = store->PurgeExpired(kExpiredAtMs + 1);
    if (!purged.ok()) return purged.status();
    return purged->sessions == 1 ? Status::OK() : Status::Internal("expected one purged session");
  });
}

// --- Registration ------------------------------------------------------------------

using BenchFn = void (*)(benchmark::State&, Engine);

struct Op {
  const char* name;
  BenchFn fn;
  std::vector<Engine> engines;
};

constexpr Engine kA = Engine::kAuthkv, kN = Engine::kAuthkvNoCache, kS = Engine::kSqlite,
                 kF = Engine::kFloor;

benchmark::internal::Benchmark* Register(const Op& op, Engine engine) {
  const std::string name = std::string(op.name) + "/" + EngineName(engine);
  return benchmark::RegisterBenchmark(name.c_str(), op.fn, engine)->UseRealTime();
}

void RegisterAll(const std::vector<uint64_t>& sizes) {
  const std::vector<Op> hot_reads = {
      {"BM_GetSessionAndUser", BM_GetSessionAndUser, {kA, kN, kS, kF}},
      {"BM_GetUserByEmail", BM_GetUserByEmail, {kA, kS, kF}},
      {"BM_GetUserByAccount", BM_GetUserByAccount, {kA, kS, kF}},
  };
  const std::vector<Op> other_reads = {
      {"BM_GetUser", BM_GetUser, {kA, kS, kF}},
      {"BM_GetAccount", BM_GetAccount, {kA, kF}},
      {"BM_GetAuthenticator", BM_GetAuthenticator, {kA}},
      {"BM_ListAuthenticatorsByUserId", BM_ListAuthenticatorsByUserId, {kA}},
  };
  const std::vector<Op> hot_writes = {
      {"BM_SignIn", BM_SignIn, {kA, kS}},
      {"BM_UseVerificationToken", BM_UseVerificationToken, {kA, kS}},
  };
  const std::vector<Op> other_writes = {
      {"BM_CreateUser", BM_CreateUser, {kA, kS}},
      {"BM_LinkAccount", BM_LinkAccount, {kA, kS}},
      {"BM_CreateSession", BM_CreateSession, {kA, kS}},
      {"BM_UpdateSession", BM_UpdateSession, {kA, kS}},
      {"BM_DeleteSession", BM_DeleteSession, {kA, kS}},
      {"BM_CreateVerificationToken", BM_CreateVerificationToken, {kA, kS}},
      {"BM_UpdateUser", BM_UpdateUser, {kA}},
      {"BM_UpdateAccount", BM_UpdateAccount, {kA}},
      {"BM_UnlinkAccount", BM_UnlinkAccount, {kA}},
      {"BM_DeleteUser", BM_DeleteUser, {kA}},
      {"BM_CreateAuthenticator", BM_CreateAuthenticator, {kA}},
      {"BM_UpdateAuthenticatorCounter", BM_UpdateAuthenticatorCounter, {kA}},
      {"BM_PurgeExpired", BM_PurgeExpired, {kA}},
  };
  for (const uint64_t users : sizes) {
    const auto n = static_cast<int64_t>(users);
    const bool smallest = users == sizes.front();
    for (const Op& op : hot_reads) {
      for (Engine e : op.engines) Register(op, e)->ArgName("users")->Arg(n)->Threads(1)->Threads(2);
    }
    if (smallest) {
      for (const Op& op : other_reads) {
        for (Engine e : op.engines) Register(op, e)->ArgName("users")->Arg(n)->Threads(1);
      }
      for (const Op& op : other_writes) {
        for (Engine e : op.engines) {
          Register(op, e)->ArgNames({"users", "sync"})->Args({n, 0})->Threads(1);
        }
      }
    }
    for (const Op& op : hot_writes) {
      for (Engine e : op.engines) {
        Register(op, e)
            ->ArgNames({"users", "sync"})
            ->Args({n, 0})
            ->Args({n, 1})
            ->Threads(1)
            ->Threads(2);
      }
    }
  }
}

}  // namespace
}  // namespace authkv::bench

int main(int argc, char** argv) {
  using namespace authkv::bench;
  const std::vector<uint64_t> sizes = TakeUserCountsFlag(&argc, argv, {10000});
  RegisterAll(sizes);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("authkv_users", [&] {
    std::string list;
    for (uint64_t n : sizes) list += (list.empty() ? "" : ",") + std::to_string(n);
    return list;
  }());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Fixture::CloseAll();
  CleanUpBenchRoot();
  return 0;
}
