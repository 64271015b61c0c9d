#include "session_cache.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "digest.h"
#include "fixtures.h"

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

TEST_CASE("readers racing a writer never keep a stale user in the cache",
          "[store][session_cache][race]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  constexpr int kUpdates = 300;
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if (!f.store->GetSessionAndUser("tok").ok()) errors.fetch_add(1);
      }
    });
  }
  for (int i = 1; i <= kUpdates; ++i) {
    User patch;
    patch.id = "u1";
    patch.name = "v" + std::to_string(i);
    REQUIRE_OK(f.store->UpdateUser(patch));
    // Once UpdateUser returned, no read may show an older version.
    REQUIRE(*f.store->GetSessionAndUser("tok")->user.name == "v" + std::to_string(i));
  }
  done = true;
  for (auto& t : readers) t.join();
  REQUIRE(errors == 0);
}

}  // namespace authkv::test
