// Many threads mixing every operation on a small, overlapping key space for
// a bounded time, while one operation moves the injected clock forward so
// sessions and verification tokens expire and the purges delete them. Each
// call's code must be one its operation may return (kAllowed below: an
// ordinary outcome of a race, never Corruption, Internal or an I/O error).
// Then the invariants: VerifyDatabase finds nothing wrong (no orphan, no
// dangling or missing index entry, no duplicate email), every verification
// token created was used once, purged or is still there, and the purges did
// delete.
//
// Duration: AUTHKV_STRESS_MS (default 1500 ms) — the TSan run sets it higher.

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "thread_failures.h"
#include "verified.h"

namespace authkv::test {
namespace {

constexpr int kThreads = 6;
constexpr int kKeys = 12;  // Small, so threads collide on every kind of key.
// How far one clock step moves: sessions and tokens live up to two hours,
// so a few steps expire them.
constexpr int64_t kClockStepMs = 10 * 60'000;

int DurationMs() {
  const char* env = std::getenv("AUTHKV_STRESS_MS");
  return env && *env ? std::atoi(env) : 1500;
}

enum Op {
  kCreateUser,
  kUpdateUser,
  kDeleteUser,
  kLinkAccount,
  kUnlinkAccount,
  kUpdateAccount,
  kGetUserByAccount,
  kCreateSession,
  kGetSessionAndUser,
  kUpdateSession,
  kDeleteSession,
  kCreateVerificationToken,
  kUseVerificationToken,
  kCreateAuthenticator,
  kUpdateAuthenticatorCounter,
  kListAuthenticatorsByUserId,
  kGetUserByEmail,
  kPurgeExpired,
  kAdvanceClock,
  kOpCount,
};

struct OpSpec {
  const char* name;
  std::initializer_list<Code> allowed;  // Besides OK.
};

// What each operation may return under these races, from store.h: a unique
// key taken (AlreadyExists), a record missing or expired (NotFound), an
// owner deleted meanwhile (FailedPrecondition). Anything else fails.
constexpr Code kNotFound = Code::kNotFound;
constexpr Code kTaken = Code::kAlreadyExists;
constexpr Code kNoOwner = Code::kFailedPrecondition;
const std::array<OpSpec, kOpCount> kAllowed = {{
    {"CreateUser", {kTaken}},
    {"UpdateUser", {kNotFound, kTaken}},
    {"DeleteUser", {kNotFound}},
    {"LinkAccount", {kTaken, kNoOwner}},
    {"UnlinkAccount", {kNotFound}},
    {"UpdateAccount", {kNotFound}},
    {"GetUserByAccount", {kNotFound}},
    {"CreateSession", {kTaken, kNoOwner}},
    {"GetSessionAndUser", {kNotFound}},
    {"UpdateSession", {kNotFound}},
    {"DeleteSession", {kNotFound}},
    {"CreateVerificationToken", {kTaken}},
    {"UseVerificationToken", {kNotFound}},
    {"CreateAuthenticator", {kTaken, kNoOwner}},
    {"UpdateAuthenticatorCounter", {kNotFound}},
    {"ListAuthenticatorsByUserId", {}},
    {"GetUserByEmail", {kNotFound}},
    {"PurgeExpired", {}},
    {"AdvanceClock", {}},
}};

bool Allowed(Op op, const Status& s) {
  if (s.ok()) return true;
  for (Code c : kAllowed[op].allowed) {
    if (s.code() == c) return true;
  }
  return false;
}

struct Counters {
  std::array<std::atomic<uint64_t>, kOpCount> calls{};
  std::array<std::atomic<uint64_t>, kOpCount> ok{};
  std::array<std::atomic<int64_t>, kKeys> token_created{};
  std::array<std::atomic<int64_t>, kKeys> token_used{};
  std::atomic<uint64_t> purged_sessions{0};
  std::atomic<uint64_t> purged_tokens{0};
  ThreadFailures failures;
};

// Runs operation `op` on keys k and j; returns its status.
Status Run(Store& store, FakeClock& clock, Counters& c, Op op, int k, int j, int64_t life_ms) {
  const std::string uid = "u" + std::to_string(k);
  const std::string js = std::to_string(j);
  const int64_t expires = clock.NowMillis() + life_ms;
  switch (op) {
    case kCreateUser: return store.CreateUser(MakeUser(uid, "e" + js + "@x.io")).status();
    case kUpdateUser: {
      User patch;
      patch.id = uid;
      patch.email = "E" + js + "@x.io";  // Collides by case.
      patch.extra_json = R"({"n":)" + js + "}";
      return store.UpdateUser(patch).status();
    }
    case kDeleteUser: return store.DeleteUser(uid).status();
    case kLinkAccount: return store.LinkAccount(MakeAccount(uid, "github", js)).status();
    case kUnlinkAccount: return store.UnlinkAccount("github", js).status();
    case kUpdateAccount: {
      Account patch;
      patch.provider = "github";
      patch.provider_account_id = js;
      patch.access_token = "at" + std::to_string(k);
      return store.UpdateAccount(patch).status();
    }
    case kGetUserByAccount: return store.GetUserByAccount("github", js).status();
    case kCreateSession: return store.CreateSession(MakeSession("s" + js, uid, expires)).status();
    case kGetSessionAndUser: return store.GetSessionAndUser("s" + js).status();
    case kUpdateSession: return store.UpdateSession("s" + js, expires).status();
    case kDeleteSession: return store.DeleteSession("s" + js).status();
    case kCreateVerificationToken: {
      Status s = store.CreateVerificationToken({"a@x.io", "t" + js, expires}).status();
      if (s.ok()) c.token_created[j].fetch_add(1);
      return s;
    }
    case kUseVerificationToken: {
      Status s = store.UseVerificationToken("a@x.io", "t" + js).status();
      if (s.ok()) c.token_used[j].fetch_add(1);
      return s;
    }
    case kCreateAuthenticator:
      return store.CreateAuthenticator(MakeAuthenticator("c" + js, uid)).status();
    case kUpdateAuthenticatorCounter: return store.UpdateAuthenticatorCounter("c" + js, k).status();
    case kListAuthenticatorsByUserId: return store.ListAuthenticatorsByUserId(uid).status();
    case kGetUserByEmail: return store.GetUserByEmail("e" + js + "@x.io").status();
    case kPurgeExpired: {
      auto r = store.PurgeExpired(clock.NowMillis());
      if (r.ok()) {
        c.purged_sessions.fetch_add(r->sessions);
        c.purged_tokens.fetch_add(r->verification_tokens);
      }
      return r.status();
    }
    case kAdvanceClock: clock.Advance(kClockStepMs); return Status::OK();
    case kOpCount: break;
  }
  return Status::Internal("no such operation");
}

void Worker(Store& store, FakeClock& clock, Counters& c, int seed,
            std::chrono::steady_clock::time_point deadline) {
  std::mt19937 rng(seed);
  auto pick = [&] { return std::uniform_int_distribution<int>(0, kKeys - 1)(rng); };
  std::uniform_int_distribution<int> pick_op(0, kOpCount - 1);
  std::uniform_int_distribution<int64_t> pick_life(1, 2 * kHourMs);
  while (std::chrono::steady_clock::now() < deadline) {
    const Op op = static_cast<Op>(pick_op(rng));
    const int k = pick(), j = pick();
    const Status s = Run(store, clock, c, op, k, j, pick_life(rng));
    c.calls[op].fetch_add(1);
    if (s.ok()) c.ok[op].fetch_add(1);
    if (!Allowed(op, s)) c.failures.Add(std::string(kAllowed[op].name) + ": " + s.ToString());
  }
}

}  // namespace

TEST_CASE("threads mixing every operation keep every invariant", "[stress][race]") {
  StoreFixture f;
  Counters c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(DurationMs());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(Worker, std::ref(*f.store), std::ref(f.clock), std::ref(c), 1000 + t,
                         deadline);
  }
  for (auto& t : threads) t.join();
  uint64_t calls = 0;
  for (int op = 0; op < kOpCount; ++op) {
    calls += c.calls[op];
    UNSCOPED_INFO(kAllowed[op].name << ": " << c.calls[op] << " calls, " << c.ok[op] << " OK");
  }
  INFO("purged " << c.purged_sessions << " sessions, " << c.purged_tokens << " tokens");
  c.failures.Require();
  REQUIRE(calls > 1000);
  // The clock moved far enough for purges to find expired records.
  REQUIRE(c.purged_sessions > 0);
  REQUIRE(c.purged_tokens > 0);

  // Single use: every token created was used once, purged once it expired,
  // or is still stored; none was used twice.
  int64_t gone_by_purge = 0;
  for (int j = 0; j < kKeys; ++j) {
    const int64_t created = c.token_created[j], used = c.token_used[j];
    const bool stored = f.store->UseVerificationToken("a@x.io", "t" + std::to_string(j)).ok();
    INFO("token t" << j << ": created " << created << ", used " << used << ", stored " << stored);
    REQUIRE(used + stored <= created);
    gone_by_purge += created - used - stored;
  }
  REQUIRE(gone_by_purge == static_cast<int64_t>(c.purged_tokens.load()));
  f.Close();
  RequireVerified(f.path());
}

}  // namespace authkv::test
