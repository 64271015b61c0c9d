// The layout is described once (core/src/layout.h). These tests hold the
// store to it from outside: after each write, the keys that appeared on
// disk in every family are exactly the ones layout.h places for the record;
// after the matching delete, nothing of the record is left in any family.

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "fixtures.h"
#include "keys.h"
#include "layout.h"
#include "raw_db.h"

namespace authkv {
namespace {

using internal::Placement;
using test::StoreFixture;

// Every key of every family but meta (which the store writes once, at
// creation), by family name.
using KeySets = std::map<std::string, std::set<std::string>>;

KeySets KeysOnDisk(StoreFixture& f) {
  f.Close();
  KeySets keys;
  {
    test::RawDb raw(f.path());
    for (auto name : internal::kFamilyNames) {
      if (name == "meta") continue;
      for (auto& k : raw.Keys(std::string(name))) keys[std::string(name)].insert(k);
    }
  }
  f.Open();
  return keys;
}

KeySets KeysOf(const Placement& p) {
  KeySets keys;
  keys[std::string(internal::FamilyName(p.family))].insert(p.key);
  for (const auto& e : p.index) keys[std::string(internal::FamilyName(e.family))].insert(e.key);
  return keys;
}

// What `after` holds that `before` does not; REQUIREs that nothing of
// `before` went missing.
KeySets Added(const KeySets& before, const KeySets& after) {
  KeySets added;
  for (const auto& [family, keys] : before) {
    for (const auto& k : keys) {
      INFO(family);
      REQUIRE(after.contains(family));
      REQUIRE(after.at(family).contains(k));
    }
  }
  for (const auto& [family, keys] : after) {
    for (const auto& k : keys) {
      if (!before.contains(family) || !before.at(family).contains(k)) added[family].insert(k);
    }
  }
  return added;
}

// Drops families with no keys, so {"x": {}} equals {}.
KeySets Dense(KeySets k) {
  std::erase_if(k, [](const auto& entry) { return entry.second.empty(); });
  return k;
}

}  // namespace

TEST_CASE("users: the store writes exactly the user's placement, and delete removes it") {
  StoreFixture f;
  const KeySets empty = Dense(KeysOnDisk(f));
  REQUIRE(empty.empty());
  User u = test::MakeUser("u1", "Fill@Example.com");
  REQUIRE_OK(f.store->CreateUser(u));
  KeySets after = KeysOnDisk(f);
  CHECK(Added(empty, after) == KeysOf(internal::PlaceUser(u, EmailMatch::kCaseInsensitive)));

  SECTION("a new email moves the index entry and leaves no trace of the old one") {
    User patch;
    patch.id = "u1";
    patch.email = "new@example.com";
    REQUIRE_OK(f.store->UpdateUser(patch));
    User moved = u;
    moved.email = "new@example.com";
    CHECK(Dense(KeysOnDisk(f)) ==
          KeysOf(internal::PlaceUser(moved, EmailMatch::kCaseInsensitive)));
  }
  SECTION("delete") {
    REQUIRE_OK(f.store->DeleteUser("u1"));
    CHECK(Dense(KeysOnDisk(f)).empty());
  }
}

TEST_CASE("children: each write adds its placement and its delete takes back all of it") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(test::MakeUser("u1", "a@example.com")));
  const KeySets base = KeysOnDisk(f);
  const int64_t expires = f.now() + test::kHourMs;

  SECTION("account") {
    Account a = test::MakeAccount("u1", "github", "gh-1");
    REQUIRE_OK(f.store->LinkAccount(a));
    CHECK(Added(base, KeysOnDisk(f)) == KeysOf(internal::PlaceAccount("github", "gh-1", "u1")));
    REQUIRE_OK(f.store->UnlinkAccount("github", "gh-1"));
    CHECK(KeysOnDisk(f) == base);
  }
  SECTION("session, including a new expiry") {
    REQUIRE_OK(f.store->CreateSession(test::MakeSession("tok", "u1", expires)));
    const std::string key = internal::SessionKey("tok");
    CHECK(Added(base, KeysOnDisk(f)) == KeysOf(internal::PlaceSession(key, "u1", expires)));
    REQUIRE_OK(f.store->UpdateSession("tok", expires + 1));
    CHECK(Added(base, KeysOnDisk(f)) == KeysOf(internal::PlaceSession(key, "u1", expires + 1)));
    REQUIRE_OK(f.store->DeleteSession("tok"));
    CHECK(KeysOnDisk(f) == base);
  }
  SECTION("verification token, used once") {
    REQUIRE_OK(f.store->CreateVerificationToken(VerificationToken{"a@example.com", "vt", expires}));
    const std::string key = internal::VerificationTokenKey("a@example.com", "vt");
    CHECK(Added(base, KeysOnDisk(f)) == KeysOf(internal::PlaceVerificationToken(key, expires)));
    REQUIRE_OK(f.store->UseVerificationToken("a@example.com", "vt"));
    CHECK(KeysOnDisk(f) == base);
  }
  SECTION("expired session and token, purged") {
    REQUIRE_OK(f.store->CreateSession(test::MakeSession("tok", "u1", f.now() + 1)));
    REQUIRE_OK(f.store->CreateVerificationToken(VerificationToken{"a@example.com", "vt", f.now() + 1}));
    f.clock.Advance(10);
    REQUIRE_OK(f.store->PurgeExpired(f.now()));
    CHECK(KeysOnDisk(f) == base);
  }
  SECTION("authenticator, and the cascade that deletes everything") {
    Authenticator a = test::MakeAuthenticator("cred-1", "u1");
    REQUIRE_OK(f.store->CreateAuthenticator(a));
    CHECK(Added(base, KeysOnDisk(f)) == KeysOf(internal::PlaceAuthenticator("cred-1", "u1")));
    REQUIRE_OK(f.store->LinkAccount(test::MakeAccount("u1", "github", "gh-1")));
    REQUIRE_OK(f.store->CreateSession(test::MakeSession("tok", "u1", expires)));
    REQUIRE_OK(f.store->DeleteUser("u1"));
    CHECK(Dense(KeysOnDisk(f)).empty());
  }
}

TEST_CASE("layout: a replace deletes only what the new placement does not own") {
  const Placement before = internal::PlaceSession("k", "u1", 10);
  const Placement after = internal::PlaceSession("k", "u1", 20);
  internal::FamilyHandles none{};  // The batch records family ids only.
  rocksdb::WriteBatch batch;
  internal::ReplacePlaced(&batch, none, before, after, "v");
  // One delete (the old expiry entry) and three puts (value, link, expiry).
  CHECK(batch.Count() == 4);
}

}  // namespace authkv
