// Races on one key: of N threads exactly one wins, every round.

#include <catch2/catch.hpp>

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "fixtures.h"

namespace authkv::test {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 50;

// Runs `attempt(thread_index)` on kThreads threads released together and
// returns how many returned true.
template <typename Attempt>
int Race(Attempt attempt) {
  std::barrier start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      if (attempt(t)) wins.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  return wins.load();
}

}  // namespace

TEST_CASE("racing CreateUser on one email: exactly one winner", "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string email = "race" + std::to_string(round) + "@x.io";
    std::atomic<int> already_exists{0};
    int wins = Race([&](int t) {
      auto r = f.store->CreateUser(
          MakeUser("r" + std::to_string(round) + "-" + std::to_string(t),
                   t % 2 ? email : "RACE" + std::to_string(round) + "@x.io"));
      if (r.status().IsAlreadyExists()) already_exists.fetch_add(1);
      return r.ok();
    });
    REQUIRE(wins == 1);
    REQUIRE(already_exists == kThreads - 1);
  }
}

TEST_CASE("racing LinkAccount on one provider account: exactly one winner",
          "[store][race]") {
  StoreFixture f;
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE_OK(f.store->CreateUser(MakeUser("u" + std::to_string(t),
                                            std::to_string(t) + "@x.io")));
  }
  for (int round = 0; round < kRounds; ++round) {
    const std::string pid = "acct-" + std::to_string(round);
    int wins = Race([&](int t) {
      return f.store->LinkAccount(MakeAccount("u" + std::to_string(t), "github", pid)).ok();
    });
    REQUIRE(wins == 1);
  }
}

TEST_CASE("racing CreateSession on one token: exactly one winner", "[store][race]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  for (int round = 0; round < kRounds; ++round) {
    const std::string token = "tok-" + std::to_string(round);
    int wins = Race([&](int) {
      return f.store->CreateSession(MakeSession(token, "u1", f.now() + kHourMs)).ok();
    });
    REQUIRE(wins == 1);
  }
}

TEST_CASE("racing UseVerificationToken: exactly one caller gets the token",
          "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string token = "vt-" + std::to_string(round);
    REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", token, f.now() + kHourMs}));
    std::atomic<int> not_found{0};
    int wins = Race([&](int) {
      auto r = f.store->UseVerificationToken("a@x.io", token);
      if (r.status().IsNotFound()) not_found.fetch_add(1);
      return r.ok();
    });
    REQUIRE(wins == 1);
    REQUIRE(not_found == kThreads - 1);
  }
}

TEST_CASE("children created while their user is deleted never outlive it",
          "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string uid = "victim-" + std::to_string(round);
    REQUIRE_OK(f.store->CreateUser(MakeUser(uid, uid + "@x.io")));
    Race([&](int t) {
      const std::string n = std::to_string(round) + "-" + std::to_string(t);
      switch (t % 4) {
        case 0: return f.store->DeleteUser(uid).ok();
        case 1: return f.store->CreateSession(MakeSession("s" + n, uid, f.now() + kHourMs)).ok();
        case 2: return f.store->LinkAccount(MakeAccount(uid, "github", n)).ok();
        default: return f.store->CreateAuthenticator(MakeAuthenticator("c" + n, uid)).ok();
      }
    });
    // Whatever interleaving happened, nothing may point at the deleted user.
    REQUIRE_CODE(f.store->GetUser(uid), Code::kNotFound);
    for (int t = 0; t < kThreads; ++t) {
      const std::string n = std::to_string(round) + "-" + std::to_string(t);
      REQUIRE_CODE(f.store->GetSessionAndUser("s" + n), Code::kNotFound);
      REQUIRE_CODE(f.store->GetAccount("github", n), Code::kNotFound);
      REQUIRE_CODE(f.store->GetAuthenticator("c" + n), Code::kNotFound);
    }
    REQUIRE(f.store->ListAuthenticatorsByUserId(uid)->empty());
  }
}

}  // namespace authkv::test
