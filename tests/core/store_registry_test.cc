// One store per directory per process: every spelling of one directory
// reaches the same open store, and only the last handle closes it.

#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "open_stores.h"
#include "raw_db.h"

namespace authkv::test {

namespace {

// The spellings of one directory a user may write: relative, absolute, with
// a trailing slash, with a doubled slash, and through a symlink.
std::vector<std::string> Spellings(const TempDir& dir) {
  const std::string abs = dir.Sub("data/auth");
  std::filesystem::create_directories(dir.Sub("data"));
  std::filesystem::create_directory_symlink(dir.Sub("data"), dir.Sub("link"));
  const std::string relative =
      std::filesystem::relative(abs, std::filesystem::current_path()).string();
  return {abs, relative, abs + "/", dir.path() + "//data/auth", dir.Sub("link/auth")};
}

}  // namespace

TEST_CASE("every spelling of one directory opens the same store", "[store][registry]") {
  TempDir dir;
  const auto spellings = Spellings(dir);
  std::vector<std::unique_ptr<Store>> stores;
  for (const auto& path : spellings) {
    INFO(path);
    auto opened = Store::Open(path, Options{});
    REQUIRE_OK(opened);
    stores.push_back(std::move(opened).value());
  }
  REQUIRE(internal::OpenStoreCount() == 1);

  // One store, so the unique-email rule holds across handles, and what one
  // writes the others read at once.
  REQUIRE_OK(stores[0]->CreateUser(MakeUser("u1", "a@x.io")));
  for (size_t i = 1; i < stores.size(); ++i) {
    INFO(spellings[i]);
    REQUIRE_CODE(stores[i]->CreateUser(MakeUser("u" + std::to_string(i + 1), "A@x.io")),
                 Code::kAlreadyExists);
    REQUIRE(stores[i]->GetUserByEmail("a@x.io")->id == "u1");
  }

  // Handles close on their own; the store stays open until the last.
  for (size_t i = 0; i + 1 < stores.size(); ++i) stores[i].reset();
  REQUIRE(internal::OpenStoreCount() == 1);
  REQUIRE_OK(stores.back()->CreateUser(MakeUser("u9", "b@x.io")));
  stores.back().reset();
  REQUIRE(internal::OpenStoreCount() == 0);

  // Closed for real: RocksDB itself can open the directory, and the data
  // is whole (one user per email, every index entry in place).
  RawDb raw(spellings[0]);
  REQUIRE(raw.Count("users") == 2);
  REQUIRE(raw.Count("users_by_email") == 2);
}

TEST_CASE("a second open that disagrees on a shared option is refused, naming it",
          "[store][registry]") {
  StoreFixture f;
  auto expect_conflict = [&](Options o, const std::string& words) {
    o.clock = &f.clock;
    auto opened = Store::Open(f.path(), o);
    REQUIRE_CODE(opened, Code::kInvalidArgument);
    INFO(opened.status().message());
    REQUIRE(std::string(opened.status().message()).find(words) != std::string::npos);
  };
  Options sync;
  sync.sync = true;
  expect_conflict(sync, "sync");
  Options exact;
  exact.email_match = EmailMatch::kExact;
  expect_conflict(exact, "email_match");
  Options keyed;
  keyed.token_keys = {TokenKey{1, std::string(32, 'k')}};
  expect_conflict(keyed, "token_keys");
  Options read_only;
  read_only.read_only = true;
  expect_conflict(read_only, "read-only");
  REQUIRE_CODE(Store::Open(f.path(), Options{}), Code::kInvalidArgument);  // Other clock.

  // Tuning options are the first open's: such an open joins.
  Options tuned;
  tuned.clock = &f.clock;
  tuned.block_cache_bytes = 1 << 20;
  tuned.session_cache_bytes = 0;
  REQUIRE_OK(Store::Open(f.path(), tuned));
  // A refused open left the store as it was.
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
}

TEST_CASE("threads opening and closing one directory never meet a stale LOCK",
          "[store][registry]") {
  TempDir dir;
  const auto spellings = Spellings(dir);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto opened = Store::Open(spellings[(t + i) % spellings.size()], Options{});
        if (!opened.ok()) {
          ++failures;
          continue;
        }
        auto user = (*opened)->CreateUser(MakeUser("", ""));
        if (!user.ok()) ++failures;
      }  // Each handle closes here, often the last one.
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  REQUIRE(internal::OpenStoreCount() == 0);
  RawDb raw(spellings[0]);
  REQUIRE(raw.Count("users") == 100);
}

}  // namespace authkv::test
