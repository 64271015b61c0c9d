// Races on one key: of N threads exactly one wins, every round, and every
// loser gets the documented code (store.h), never a second success or some
// other error. After the races VerifyDatabase finds nothing wrong.

#include <catch2/catch.hpp>

#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "verified.h"

namespace authkv::test {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 50;

// Runs `attempt(thread_index)` on kThreads threads released together and
// returns each thread's outcome, by thread index.
template <typename Attempt>
std::vector<Status> Race(Attempt attempt) {
  std::barrier start(kThreads);
  std::vector<Status> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      outcomes[t] = attempt(t);  // Each thread writes only its own slot.
    });
  }
  for (auto& th : threads) th.join();
  return outcomes;
}

// REQUIREs exactly one OK among `outcomes` and `loser_code` for the rest.
void RequireOneWinner(const std::vector<Status>& outcomes, Code loser_code) {
  int wins = 0;
  for (const Status& s : outcomes) {
    INFO(s.ToString());
    if (s.ok()) {
      ++wins;
    } else {
      REQUIRE(s.code() == loser_code);
    }
  }
  REQUIRE(wins == 1);
}

}  // namespace

TEST_CASE("racing CreateUser on one email: exactly one winner", "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string email = "race" + std::to_string(round) + "@x.io";
    RequireOneWinner(Race([&](int t) {
                       return f.store
                           ->CreateUser(MakeUser(
                               "r" + std::to_string(round) + "-" + std::to_string(t),
                               t % 2 ? email : "RACE" + std::to_string(round) + "@x.io"))
                           .status();
                     }),
                     Code::kAlreadyExists);
  }
  f.Close();
  RequireVerified(f.path());
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
    RequireOneWinner(Race([&](int t) {
                       return f.store
                           ->LinkAccount(MakeAccount("u" + std::to_string(t), "github", pid))
                           .status();
                     }),
                     Code::kAlreadyExists);
  }
  f.Close();
  RequireVerified(f.path());
}

TEST_CASE("racing CreateSession on one token: exactly one winner", "[store][race]") {
  StoreFixture f;
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE_OK(f.store->CreateUser(MakeUser("u" + std::to_string(t),
                                            std::to_string(t) + "@x.io")));
  }
  for (int round = 0; round < kRounds; ++round) {
    const std::string token = "tok-" + std::to_string(round);
    // Different users race for one token: the token's stripe, not the
    // owner's, must decide.
    RequireOneWinner(Race([&](int t) {
                       return f.store
                           ->CreateSession(
                               MakeSession(token, "u" + std::to_string(t), f.now() + kHourMs))
                           .status();
                     }),
                     Code::kAlreadyExists);
  }
  f.Close();
  RequireVerified(f.path());
}

TEST_CASE("racing UseVerificationToken: exactly one caller gets the token",
          "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string token = "vt-" + std::to_string(round);
    REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", token, f.now() + kHourMs}));
    RequireOneWinner(
        Race([&](int) { return f.store->UseVerificationToken("a@x.io", token).status(); }),
        Code::kNotFound);
  }
  f.Close();
  RequireVerified(f.path());
}

TEST_CASE("children created while their user is deleted never outlive it",
          "[store][race]") {
  StoreFixture f;
  for (int round = 0; round < kRounds; ++round) {
    const std::string uid = "victim-" + std::to_string(round);
    REQUIRE_OK(f.store->CreateUser(MakeUser(uid, uid + "@x.io")));
    const auto outcomes = Race([&](int t) {
      const std::string n = std::to_string(round) + "-" + std::to_string(t);
      switch (t % 4) {
        case 0: return f.store->DeleteUser(uid).status();
        case 1:
          return f.store->CreateSession(MakeSession("s" + n, uid, f.now() + kHourMs)).status();
        case 2: return f.store->LinkAccount(MakeAccount(uid, "github", n)).status();
        default: return f.store->CreateAuthenticator(MakeAuthenticator("c" + n, uid)).status();
      }
    });
    // One deleter wins, the other finds no user; a child is either created
    // before the delete (and goes with it) or refused for want of a user.
    int deleted = 0;
    for (int t = 0; t < kThreads; ++t) {
      const Status& s = outcomes[t];
      INFO("thread " << t << ": " << s.ToString());
      if (t % 4 == 0) {
        deleted += s.ok();
        REQUIRE((s.ok() || s.IsNotFound()));
      } else {
        REQUIRE((s.ok() || s.IsFailedPrecondition()));
      }
    }
    REQUIRE(deleted == 1);
    // Whatever interleaving happened, nothing may point at the deleted user.
    // Each child is looked up by its own key: GetSessionAndUser would hide an
    // orphan session behind its missing user, DeleteSession does not.
    REQUIRE_CODE(f.store->GetUser(uid), Code::kNotFound);
    for (int t = 0; t < kThreads; ++t) {
      const std::string n = std::to_string(round) + "-" + std::to_string(t);
      REQUIRE_CODE(f.store->DeleteSession("s" + n), Code::kNotFound);
      REQUIRE_CODE(f.store->GetAccount("github", n), Code::kNotFound);
      REQUIRE_CODE(f.store->GetAuthenticator("c" + n), Code::kNotFound);
    }
    REQUIRE(f.store->ListAuthenticatorsByUserId(uid)->empty());
  }
  f.Close();
  RequireVerified(f.path());
}

}  // namespace authkv::test
