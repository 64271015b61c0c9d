// Power cuts through the fault file system (tests/support/fault_fs.h): a
// writer signs users in (user, session, magic link, sign-out, link use)
// through flushes and compactions (a small memtable), and the power is cut
// at a random file operation, in the foreground or in a background flush or
// compaction. The database as the cut left it is opened and checked.
//
// Rounds: 12 by default (sync on; 4 with sync off); AUTHKV_LONG=1 runs 1000,
// AUTHKV_POWER_ROUNDS=<n> runs n.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "fault_fs.h"
#include "fixtures.h"
#include "verified.h"

namespace authkv::test {
namespace {

constexpr int64_t kFar = 4'000'000'000'000;  // Never expires here.

int Rounds(int normal) {
  if (const char* n = std::getenv("AUTHKV_POWER_ROUNDS"); n && *n) return std::atoi(n);
  const char* env = std::getenv("AUTHKV_LONG");
  return env && std::string(env) == "1" ? 1000 : normal;
}

size_t SstFiles(const std::string& path) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(path)) n += e.path().extension() == ".sst";
  return n;
}

// What an acknowledged write promises after the cut.
struct Fact {
  enum Kind { kUser, kSession, kSignedOut, kLink, kUsedLink } kind;
  std::string key;
};

VerificationToken Link(const std::string& key) { return VerificationToken{key + "@x.io", key, kFar}; }

// Whether the database keeps `fact`. A link is checked by using it, so a
// live one is spent afterwards (the caller forgets it).
bool Holds(Store& store, const Fact& fact) {
  switch (fact.kind) {
    case Fact::kUser: return store.GetUser(fact.key).ok();
    case Fact::kSession: return store.GetSessionAndUser(fact.key).ok();
    case Fact::kSignedOut: return store.GetSessionAndUser(fact.key).status().IsNotFound();
    case Fact::kLink: return store.UseVerificationToken(fact.key + "@x.io", fact.key).ok();
    case Fact::kUsedLink:
      return store.UseVerificationToken(fact.key + "@x.io", fact.key).status().IsNotFound();
  }
  return false;
}

struct Writer {
  Store& store;
  FaultFs& fs;
  std::vector<Fact> facts;       // Acknowledged before the cut.
  std::vector<std::string> users;  // Acknowledged, in order.

  // Runs one sign-in flow; stops at the cut. The write in flight when the
  // power went may or may not be there, so it promises nothing.
  void Flow(const std::string& id) {
    auto acked = [&](const Status& s) { return s.ok() && !fs.crashed(); };
    if (!acked(store.CreateUser(MakeUser(id, id + "@x.io")).status())) return;
    facts.push_back({Fact::kUser, id});
    users.push_back(id);
    const std::string session = "s-" + id, link = "l-" + id;
    if (!acked(store.CreateSession(MakeSession(session, id, kFar)).status())) return;
    facts.push_back({Fact::kSession, session});
    if (!acked(store.CreateVerificationToken(Link(link)).status())) return;
    facts.push_back({Fact::kLink, link});
    if (id.back() % 2 == 0) {
      if (!acked(store.UseVerificationToken(link + "@x.io", link).status())) return;
      facts.back().kind = Fact::kUsedLink;
      if (!acked(store.DeleteSession(session).status())) return;
      // Both a fact "session" and "signed out" would contradict: keep the later.
      for (auto& f : facts) {
        if (f.key == session) f.kind = Fact::kSignedOut;
      }
    }
  }
};

// Replaces `path` by the directory the cut left.
void Adopt(const std::string& cut, const std::string& path) {
  std::filesystem::remove_all(path);
  std::filesystem::rename(cut, path);
}

}  // namespace

TEST_CASE("with sync on, power cuts at random moments lose no acknowledged write",
          "[faults][power]") {
  const int rounds = Rounds(12);
  std::mt19937 rng(20261202);
  TempDir dir;
  const std::string path = dir.Sub("db"), cut = dir.Sub("cut");
  { REQUIRE_OK(Store::Open(path, Options{})); }  // Created whole: creation is not under test.
  std::vector<Fact> earlier;
  int flows = 0;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    std::vector<Fact> facts;
    {
      ScopedFaultEnv faults(/*write_buffer_bytes=*/32 << 10);
      Options options;
      options.sync = true;
      auto store = Store::Open(path, options);
      REQUIRE_OK(store);
      faults.fs().CrashAfter(std::uniform_int_distribution<uint64_t>(1, 1500)(rng), path, cut);
      Writer writer{**store, faults.fs(), {}, {}};
      for (int f = 0; f < 400 && !faults.fs().crashed(); ++f) {
        writer.Flow("u" + std::to_string(round) + "-" + std::to_string(flows++));
      }
      if (!faults.fs().crashed()) faults.fs().CrashNow(path, cut);
      facts = std::move(writer.facts);
    }
    {
      auto reopened = Store::Open(cut, Options{});
      REQUIRE_OK(reopened);
      for (const auto& fact : facts) {
        INFO("fact " << fact.kind << " " << fact.key);
        REQUIRE(Holds(**reopened, fact));
      }
      // Every tenth round, the users of all earlier rounds too.
      if (round % 10 == 9) {
        for (const auto& fact : earlier) REQUIRE(Holds(**reopened, fact));
      }
    }
    RequireVerified(cut);
    for (const auto& f : facts) {
      if (f.kind == Fact::kUser) earlier.push_back(f);
    }
    Adopt(cut, path);
  }
  // The memtable filled and flushed, more than once, under the cuts.
  const size_t ssts = SstFiles(path);
  INFO(flows << " flows in " << rounds << " rounds, " << ssts << " table files");
  WARN(flows << " flows in " << rounds << " rounds, " << ssts << " table files");
  REQUIRE(ssts >= 2);
}

TEST_CASE("with sync off, a power cut leaves a database that opens, losing only the latest writes",
          "[faults][power]") {
  const int rounds = std::max(1, Rounds(12) / 3);
  std::mt19937 rng(20261203);
  TempDir dir;
  const std::string path = dir.Sub("db"), cut = dir.Sub("cut");
  { REQUIRE_OK(Store::Open(path, Options{})); }
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    std::vector<std::string> users;
    {
      ScopedFaultEnv faults(/*write_buffer_bytes=*/32 << 10);
      auto store = Store::Open(path, Options{});
      REQUIRE_OK(store);
      faults.fs().CrashAfter(std::uniform_int_distribution<uint64_t>(1, 600)(rng), path, cut);
      Writer writer{**store, faults.fs(), {}, {}};
      for (int f = 0; f < 400 && !faults.fs().crashed(); ++f) {
        writer.Flow("u" + std::to_string(round) + "-" + std::to_string(f));
      }
      if (!faults.fs().crashed()) faults.fs().CrashNow(path, cut);
      users = std::move(writer.users);
    }
    {
      auto reopened = Store::Open(cut, Options{});
      REQUIRE_OK(reopened);
      // What is lost is a tail of the writes: the users left are the first
      // ones created, with no gap.
      size_t kept = 0;
      while (kept < users.size() && (*reopened)->GetUser(users[kept]).ok()) ++kept;
      for (size_t i = kept; i < users.size(); ++i) {
        INFO("user " << users[i] << " after the first lost one, " << users[kept]);
        REQUIRE_FALSE((*reopened)->GetUser(users[i]).ok());
      }
    }
    RequireVerified(cut);
    Adopt(cut, path);
  }
}

}  // namespace authkv::test
