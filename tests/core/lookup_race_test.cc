// authkv tests: GetUserByEmail and GetUserByAccount racing DeleteUser. The
// index entry (or account) and the user go in one batch, which may land
// between a lookup's two reads: the lookup must then miss (NotFound) or
// find the user, never report corruption. AUTHKV_LONG_RACES=1 runs longer.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "fixtures.h"

namespace authkv::test {

TEST_CASE("lookups racing a user's deletion miss or hit, never report corruption",
          "[store][race]") {
  Options o;
  o.session_cache_bytes = 0;
  StoreFixture f(o);
  const int rounds = std::getenv("AUTHKV_LONG_RACES") ? 200'000 : 4'000;
  std::atomic<bool> done{false};
  std::atomic<int> hits{0};
  std::vector<std::string> unexpected;  // Guarded by the join below.
  std::mutex unexpected_mutex;
  auto reader = [&](bool by_email) {
    while (!done.load()) {
      auto user = by_email ? f.store->GetUserByEmail("racer@x.io")
                           : f.store->GetUserByAccount("github", "racer");
      if (user.ok()) {
        ++hits;
      } else if (!user.status().IsNotFound()) {
        std::lock_guard<std::mutex> lock(unexpected_mutex);
        unexpected.push_back(user.status().ToString());
      }
    }
  };
  std::thread by_email(reader, true), by_account(reader, false);
  for (int i = 0; i < rounds; ++i) {
    const std::string id = "u" + std::to_string(i);
    REQUIRE_OK(f.store->CreateUser(MakeUser(id, "racer@x.io")));
    REQUIRE_OK(f.store->LinkAccount(MakeAccount(id, "github", "racer")));
    REQUIRE_OK(f.store->DeleteUser(id));
  }
  done = true;
  by_email.join();
  by_account.join();
  INFO((unexpected.empty() ? std::string() : unexpected.front()));
  CHECK(unexpected.empty());
  CHECK(hits.load() > 0);  // The readers did overlap the writes.
}

}  // namespace authkv::test
