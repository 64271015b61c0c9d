// The session cache: on its own (hits, tickets, the memory bound), then
// through the store: every write that changes a cached pair is seen by the
// next read, and under races no read goes back behind an acknowledged write.

#include "session_cache.h"

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "digest.h"
#include "fixtures.h"
#include "thread_failures.h"

namespace authkv::internal {
namespace {

SessionCache::Entry MakeEntry(const std::string& user_id, int64_t expires) {
  return {Session{"", user_id, expires}, test::MakeUser(user_id, user_id + "@x.io")};
}

}  // namespace

TEST_CASE("cache hits after insert and misses after erase", "[session_cache]") {
  SessionCache cache(1 << 20);
  const std::string key = Sha256("tok");
  REQUIRE(cache.Lookup(key) == nullptr);
  cache.Insert(key, cache.Ticket(key), MakeEntry("u1", 5));
  auto hit = cache.Lookup(key);
  REQUIRE(hit);
  REQUIRE(hit->user.id == "u1");
  cache.Erase(key);
  REQUIRE(cache.Lookup(key) == nullptr);
  CacheStats s = cache.Stats();
  REQUIRE(s.hits == 1);
  REQUIRE(s.misses == 2);
  REQUIRE(s.entries == 0);
  REQUIRE(s.bytes == 0);
}

TEST_CASE("a fill whose ticket predates an erase is dropped", "[session_cache]") {
  SessionCache cache(1 << 20);
  const std::string key = Sha256("tok");
  const uint64_t stale = cache.Ticket(key);  // Reader takes a ticket, reads...
  cache.Erase(key);                          // ...a writer commits and erases...
  cache.Insert(key, stale, MakeEntry("old", 5));  // ...the stale fill loses.
  REQUIRE(cache.Lookup(key) == nullptr);
  cache.Insert(key, cache.Ticket(key), MakeEntry("new", 5));
  REQUIRE(cache.Lookup(key)->user.id == "new");
}

TEST_CASE("memory stays within capacity, evicting least recently used", "[session_cache]") {
  SessionCache cache(64 * 1024);
  for (int i = 0; i < 5000; ++i) {
    const std::string key = Sha256("tok" + std::to_string(i));
    cache.Insert(key, cache.Ticket(key), MakeEntry("u" + std::to_string(i), 5));
  }
  CacheStats s = cache.Stats();
  REQUIRE(s.bytes <= 64 * 1024);
  REQUIRE(s.entries > 10);
  REQUIRE(s.entries < 5000);
  // The newest entry survived; the oldest was evicted.
  REQUIRE(cache.Lookup(Sha256("tok4999")));
  REQUIRE(cache.Lookup(Sha256("tok0")) == nullptr);
}

}  // namespace authkv::internal

namespace authkv::test {

TEST_CASE("cached reads see every write that changes the pair", "[store][session_cache]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  REQUIRE_OK(f.store->GetSessionAndUser("tok"));  // Fills.
  REQUIRE_OK(f.store->GetSessionAndUser("tok"));  // Hits.
  REQUIRE(f.store->GetCacheStats().hits >= 1);

  User patch;
  patch.id = "u1";
  patch.name = "Renamed";
  REQUIRE_OK(f.store->UpdateUser(patch));
  REQUIRE(*f.store->GetSessionAndUser("tok")->user.name == "Renamed");

  REQUIRE_OK(f.store->UpdateSession("tok", f.now() + 2 * kHourMs));
  REQUIRE(f.store->GetSessionAndUser("tok")->session.expires_ms == f.now() + 2 * kHourMs);

  f.clock.Advance(3 * kHourMs);  // Expiry is judged on every hit too.
  REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  f.clock.Advance(-3 * kHourMs);
  REQUIRE_OK(f.store->GetSessionAndUser("tok"));

  SECTION("DeleteSession") {
    REQUIRE_OK(f.store->DeleteSession("tok"));
    REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  }
  SECTION("DeleteUser") {
    REQUIRE_OK(f.store->DeleteUser("u1"));
    REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  }
  SECTION("PurgeExpired") {
    REQUIRE(f.store->PurgeExpired(f.now() + 3 * kHourMs)->sessions == 1);
    REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kNotFound);
  }
}

TEST_CASE("with the cache off every read goes to RocksDB", "[store][session_cache]") {
  Options o;
  o.session_cache_bytes = 0;
  StoreFixture f(o);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  REQUIRE_OK(f.store->GetSessionAndUser("tok"));
  REQUIRE(f.store->GetCacheStats().capacity_bytes == 0);
  REQUIRE(f.store->GetCacheStats().hits == 0);
}

// The oracle: each writer publishes, after a write returns, the version it
// wrote (a user's name "v<N>", a session's expiry base + N), and before it
// starts one, the version it is about to write. A reader notes the last
// acknowledged version before it reads; what it then sees may be newer, but
// never older, and never a version no writer has started.
TEST_CASE("a cached read never shows a version older than the last acknowledged write",
          "[store][session_cache][race]") {
  StoreFixture f;
  REQUIRE(f.store->GetCacheStats().capacity_bytes > 0);
  constexpr int kPairs = 4;  // Users, each with one session.
  constexpr int kVersions = 600;
  const int64_t base_expiry = f.now() + kHourMs;
  struct Version {
    std::atomic<int> started{0};
    std::atomic<int> acked{0};
  };
  std::array<Version, kPairs> names, expiries;
  auto uid = [](int i) { return "u" + std::to_string(i); };
  auto token = [](int i) { return "tok" + std::to_string(i); };
  for (int i = 0; i < kPairs; ++i) {
    User u = MakeUser(uid(i), uid(i) + "@x.io");
    u.name = "v0";
    REQUIRE_OK(f.store->CreateUser(u));
    REQUIRE_OK(f.store->CreateSession(MakeSession(token(i), uid(i), base_expiry)));
  }

  ThreadFailures failures;
  std::atomic<int> writers_left{2};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {  // Renames users.
    for (int n = 1; n <= kVersions; ++n) {
      for (int i = 0; i < kPairs; ++i) {
        User patch;
        patch.id = uid(i);
        patch.name = "v" + std::to_string(n);
        names[i].started.store(n);
        auto r = f.store->UpdateUser(patch);
        if (!r.ok()) failures.Add("UpdateUser: " + r.status().ToString());
        names[i].acked.store(n);
      }
    }
    writers_left.fetch_sub(1);
  });
  threads.emplace_back([&] {  // Extends sessions.
    for (int n = 1; n <= kVersions; ++n) {
      for (int i = 0; i < kPairs; ++i) {
        expiries[i].started.store(n);
        auto r = f.store->UpdateSession(token(i), base_expiry + n);
        if (!r.ok()) failures.Add("UpdateSession: " + r.status().ToString());
        expiries[i].acked.store(n);
      }
    }
    writers_left.fetch_sub(1);
  });
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      for (int i = r % kPairs; writers_left.load() > 0; i = (i + 1) % kPairs) {
        const int name_floor = names[i].acked.load();
        const int expiry_floor = expiries[i].acked.load();
        auto got = f.store->GetSessionAndUser(token(i));
        reads.fetch_add(1);
        if (!got.ok()) {
          failures.Add("GetSessionAndUser: " + got.status().ToString());
          continue;
        }
        const std::string name = got->user.name.value_or("");
        const int name_seen = name.size() > 1 ? std::atoi(name.c_str() + 1) : -1;
        const int expiry_seen = static_cast<int>(got->session.expires_ms - base_expiry);
        const int name_ceiling = names[i].started.load();
        const int expiry_ceiling = expiries[i].started.load();
        if (name_seen < name_floor || name_seen > name_ceiling) {
          failures.Add("pair " + std::to_string(i) + ": name " + name + " outside [v" +
                       std::to_string(name_floor) + ", v" + std::to_string(name_ceiling) + "]");
        }
        if (expiry_seen < expiry_floor || expiry_seen > expiry_ceiling) {
          failures.Add("pair " + std::to_string(i) + ": expiry +" +
                       std::to_string(expiry_seen) + " outside [+" +
                       std::to_string(expiry_floor) + ", +" + std::to_string(expiry_ceiling) +
                       "]");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  failures.Require();
  // The readers went through the cache, not only around it.
  const CacheStats stats = f.store->GetCacheStats();
  INFO(reads.load() << " reads, " << stats.hits << " hits, " << stats.misses << " misses");
  REQUIRE(stats.hits > 0);
  REQUIRE(stats.misses > 0);
  for (int i = 0; i < kPairs; ++i) {
    auto last = f.store->GetSessionAndUser(token(i));
    REQUIRE_OK(last);
    REQUIRE(*last->user.name == "v" + std::to_string(kVersions));
    REQUIRE(last->session.expires_ms == base_expiry + kVersions);
  }
}

}  // namespace authkv::test
