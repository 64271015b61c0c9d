// Opening a schema version 1 database upgrades it in place: values are
// re-sealed with checksums that cover their keys, emails are re-indexed with
// JavaScript's fold, a crash mid-upgrade is finished by the next open, and
// users the new fold would merge stop the upgrade before it changes
// anything.

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <string>

#include "authkv/inspect.h"
#include "fixtures.h"
#include "raw_db.h"
#include "spawn_self.h"
#include "upgrade.h"
#include "v1_db.h"
#include "verified.h"

namespace authkv::test {
namespace {

constexpr int64_t kFar = 4'000'000'000'000;  // Never expires here.
const std::string kEmile = "\xC3\x89mile@X.io";     // "Émile@X.io"
const std::string kEmileLower = "\xC3\xA9mile@x.io";  // "émile@x.io"

std::string Uid(int i) { return "user-" + std::to_string(i); }
// Every third email has a non-ASCII capital, so its index key moves.
std::string Email(int i) {
  return (i % 3 == 0 ? "\xC3\x89" : "E") + std::string("mile") + std::to_string(i) + "@X.io";
}
std::string LowerEmail(int i) {
  return (i % 3 == 0 ? "\xC3\xA9" : "e") + std::string("mile") + std::to_string(i) + "@x.io";
}

// A version 1 database with `users` users, each with an account, a session
// and an authenticator, plus one verification token.
void MakeV1(const std::string& path, int users, EmailMatch match = EmailMatch::kCaseInsensitive) {
  {
    Options options;
    options.email_match = match;
    auto store = Store::Open(path, options);
    REQUIRE_OK(store);
    for (int i = 0; i < users; ++i) {
      REQUIRE_OK((*store)->CreateUser(MakeUser(Uid(i), Email(i))));
      REQUIRE_OK((*store)->LinkAccount(MakeAccount(Uid(i), "github", "gh-" + std::to_string(i))));
      REQUIRE_OK((*store)->CreateSession(MakeSession("tok-" + std::to_string(i), Uid(i), kFar)));
      REQUIRE_OK((*store)->CreateAuthenticator(MakeAuthenticator("cred-" + std::to_string(i), Uid(i))));
    }
    REQUIRE_OK((*store)->CreateVerificationToken({"a@x.io", "vt", kFar}));
  }
  RewriteAsV1(path, match);
}

// Every record MakeV1 wrote reads back, and its email finds it.
void RequireAllReadable(Store& store, int users) {
  for (int i = 0; i < users; ++i) {
    INFO("user " << i);
    auto user = store.GetUser(Uid(i));
    REQUIRE_OK(user);
    REQUIRE(*user->email == Email(i));
    REQUIRE(store.GetUserByEmail(LowerEmail(i))->id == Uid(i));
    REQUIRE(store.GetUserByEmail(Email(i))->id == Uid(i));
    REQUIRE(store.GetUserByAccount("github", "gh-" + std::to_string(i))->id == Uid(i));
    REQUIRE(store.GetSessionAndUser("tok-" + std::to_string(i))->user.id == Uid(i));
    REQUIRE(store.GetAuthenticator("cred-" + std::to_string(i))->user_id == Uid(i));
  }
}

// Every value is in the current envelope and no upgrade is marked.
void RequireFullyUpgraded(const std::string& path) {
  RawDb raw(path);
  for (const char* family : kRecordFamilies) {
    for (const auto& key : raw.Keys(family)) {
      INFO(family);
      REQUIRE(internal::EnvelopeFormatOf(raw.Get(family, key)) == internal::kEnvelopeFormat);
    }
  }
  REQUIRE(raw.Get("meta", "schema_version") == std::to_string(kSchemaVersion));
  for (const auto& key : raw.Keys("meta")) REQUIRE(key != "upgrade_progress");
}

// Every key and value of every family, to show a refused upgrade changed nothing.
std::map<std::string, std::string> Contents(const std::string& path) {
  RawDb raw(path);
  std::map<std::string, std::string> all;
  for (const char* family : {"meta", "users", "users_by_email", "accounts", "sessions",
                             "verification_tokens", "authenticators", "user_links", "expiry"}) {
    for (const auto& key : raw.Keys(family)) {
      all[std::string(family) + "/" + key] = raw.Get(family, key);
    }
  }
  return all;
}

struct SmallBatches {
  explicit SmallBatches(size_t n) { internal::UpgradeTuningForTesting().batch_records = n; }
  ~SmallBatches() { internal::UpgradeTuningForTesting() = internal::UpgradeTuning{}; }
};

}  // namespace

TEST_CASE("a version 1 database is upgraded on open", "[upgrade]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const int users = 12;
  MakeV1(path, users);
  {
    RawDb raw(path);  // The fixture is what version 1 wrote.
    REQUIRE(raw.Get("meta", "schema_version") == "1");
    REQUIRE(internal::EnvelopeFormatOf(raw.Get("users", Uid(0))) == internal::kEnvelopeFormatV1);
    REQUIRE(raw.Get("users_by_email", "\xC3\x89mile0@x.io") == Uid(0));
  }
  // Small batches, so the upgrade runs through many of them.
  SmallBatches small(5);
  {
    auto store = Store::Open(path, Options{});
    REQUIRE_OK(store);
    REQUIRE((*store)->schema_version() == kSchemaVersion);
    RequireAllReadable(**store, users);
    REQUIRE_OK((*store)->UseVerificationToken("a@x.io", "vt"));
  }
  RequireFullyUpgraded(path);
  RequireVerified(path);
  {
    RawDb raw(path);  // The old ASCII-folded key is gone.
    for (const auto& key : raw.Keys("users_by_email")) REQUIRE(key != "\xC3\x89mile0@x.io");
  }
}

TEST_CASE("an exact-match version 1 database keeps its email keys", "[upgrade]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  MakeV1(path, 4, EmailMatch::kExact);
  {
    auto store = Store::Open(path, Options{});
    REQUIRE_OK(store);
    REQUIRE((*store)->GetUserByEmail(Email(0))->id == Uid(0));
    REQUIRE_CODE((*store)->GetUserByEmail(LowerEmail(0)), Code::kNotFound);
  }
  RequireFullyUpgraded(path);
  RequireVerified(path);
}

TEST_CASE("an upgrade that would merge two users is refused and changes nothing",
          "[upgrade]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  MakeV1(path, 3);
  {
    RawDb raw(path);
    // Two that version 1 kept apart: "Émile@X.io" (moves to "émile@x.io")
    // and "émile@x.io" (already there); and two that both move.
    PutUserV1(raw, MakeUser("u-upper", kEmile), EmailMatch::kCaseInsensitive);
    PutUserV1(raw, MakeUser("u-lower", kEmileLower), EmailMatch::kCaseInsensitive);
    PutUserV1(raw, MakeUser("u-a", "\xC3\x85SA@x.io"), EmailMatch::kCaseInsensitive);   // ÅSA
    PutUserV1(raw, MakeUser("u-b", "\xC3\x85sa@x.io"), EmailMatch::kCaseInsensitive);   // Åsa
  }
  const auto before = Contents(path);
  auto opened = Store::Open(path, Options{});
  REQUIRE_CODE(opened, Code::kFailedPrecondition);
  const std::string message(opened.status().message());
  INFO(message);
  for (const char* id : {"u-upper", "u-lower", "u-a", "u-b"}) {
    REQUIRE(message.find(id) != std::string::npos);
  }
  REQUIRE(message.find("never merges") != std::string::npos);
  REQUIRE(message.find(Uid(0)) == std::string::npos);  // Only the colliding users.
  REQUIRE(Contents(path) == before);
}

TEST_CASE("a read-only open does not upgrade and does not misread", "[upgrade]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  MakeV1(path, 2);
  const auto before = Contents(path);
  Options options;
  options.read_only = true;
  REQUIRE_CODE(Store::Open(path, options), Code::kVersionMismatch);
  REQUIRE_CODE(VerifyDatabase(path, VerifyOptions{}), Code::kVersionMismatch);
  REQUIRE(Contents(path) == before);
}

namespace {
constexpr char kUpgraderEnv[] = "AUTHKV_UPGRADE_CHILD";  // "<kill after batches>:<db path>"
}

TEST_CASE("an upgrade killed mid-way is finished by the next open", "[upgrade][crash]") {
  const int users = 20;  // 20 records a family, 5 a batch: 21 batches.
  for (int kill_after : {1, 2, 5, 11, 20}) {
    TempDir dir;
    const std::string path = dir.Sub("db");
    MakeV1(path, users);
    const pid_t pid = SpawnSelf("[.upgrade_child]", kUpgraderEnv,
                                std::to_string(kill_after) + ":" + path);
    REQUIRE(pid > 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("killed after batch " << kill_after << ", status " << status);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    {
      RawDb raw(path);  // Killed in the middle: marked, half re-sealed.
      REQUIRE(raw.Get("meta", "schema_version") == std::to_string(kSchemaVersion));
      REQUIRE(!raw.Get("meta", "upgrade_progress").empty());
    }
    // Neither the tools nor an older authkv read a half-upgraded database.
    REQUIRE_CODE(VerifyDatabase(path, VerifyOptions{}), Code::kVersionMismatch);
    {
      SmallBatches small(5);
      auto store = Store::Open(path, Options{});
      REQUIRE_OK(store);
      RequireAllReadable(**store, users);
    }
    RequireFullyUpgraded(path);
    RequireVerified(path);
  }
}

// The upgrading process of the test above; runs only when it sets
// kUpgraderEnv, and kills itself after the given number of batches.
TEST_CASE("upgrade child", "[.upgrade_child]") {
  const char* spec = std::getenv(kUpgraderEnv);
  if (!spec) return;
  const std::string s(spec);
  const auto colon = s.find(':');
  const uint64_t kill_after = std::stoull(s.substr(0, colon));
  auto& tuning = internal::UpgradeTuningForTesting();
  tuning.batch_records = 5;
  tuning.after_batch = [kill_after](uint64_t batches) {
    if (batches == kill_after) raise(SIGKILL);
  };
  auto store = Store::Open(s.substr(colon + 1), Options{});
  _exit(store.ok() ? 0 : 3);  // Reaching here means the kill never came.
}

}  // namespace authkv::test
