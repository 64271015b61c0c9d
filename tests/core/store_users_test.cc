#include <catch2/catch.hpp>

#include "fixtures.h"
#include "raw_db.h"

namespace authkv::test {

TEST_CASE("CreateUser stores every field and GetUser returns it", "[store][users]") {
  StoreFixture f;
  User u = MakeUser("u1", "fill@murray.com");
  u.extra_json = R"({"role":"admin","phone":"00000000000"})";
  auto created = f.store->CreateUser(u);
  REQUIRE_OK(created);
  REQUIRE(*created == u);
  REQUIRE(*f.store->GetUser("u1") == u);
  REQUIRE_CODE(f.store->GetUser("nope"), Code::kNotFound);
}

TEST_CASE("CreateUser generates a UUIDv7 id when none is given", "[store][users]") {
  StoreFixture f;
  User u;
  u.email = "new@x.io";
  auto created = f.store->CreateUser(u);
  REQUIRE_OK(created);
  REQUIRE(created->id.size() == 36);
  REQUIRE(created->id[14] == '7');
  REQUIRE(f.store->GetUser(created->id).ok());
  auto second = f.store->CreateUser(User{});
  REQUIRE_OK(second);
  REQUIRE(second->id != created->id);
}

TEST_CASE("GetUserByEmail ignores ASCII case by default", "[store][users]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "Ann@Example.COM")));
  auto found = f.store->GetUserByEmail("ann@example.com");
  REQUIRE_OK(found);
  REQUIRE(found->id == "u1");
  REQUIRE(*found->email == "Ann@Example.COM");  // Kept as given.
  REQUIRE_CODE(f.store->GetUserByEmail("non-existent-email"), Code::kNotFound);
  SECTION("two users whose emails differ only in case are refused") {
    REQUIRE_CODE(f.store->CreateUser(MakeUser("u2", "ANN@example.com")), Code::kAlreadyExists);
  }
}

TEST_CASE("exact email matching compares bytes", "[store][users]") {
  Options o;
  o.email_match = EmailMatch::kExact;
  StoreFixture f(o);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "Ann@x.io")));
  REQUIRE_CODE(f.store->GetUserByEmail("ann@x.io"), Code::kNotFound);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "ann@x.io")));
  SECTION("the mode is fixed at creation and adopted on reopen") {
    f.Close();
    f.Open(Options{});  // Asks for the default, case-insensitive.
    REQUIRE_CODE(f.store->GetUserByEmail("ANN@x.io"), Code::kNotFound);
  }
}

TEST_CASE("uniqueness: duplicate id or email is AlreadyExists and writes nothing",
          "[store][users]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_CODE(f.store->CreateUser(MakeUser("u1", "b@x.io")), Code::kAlreadyExists);
  REQUIRE_CODE(f.store->GetUserByEmail("b@x.io"), Code::kNotFound);
  REQUIRE_CODE(f.store->CreateUser(MakeUser("u2", "a@x.io")), Code::kAlreadyExists);
  REQUIRE_CODE(f.store->GetUser("u2"), Code::kNotFound);
}

TEST_CASE("users without an email do not collide", "[store][users]") {
  StoreFixture f;
  User a;
  a.id = "a";
  User b;
  b.id = "b";
  b.email = Nullable<std::string>::Null();
  User c;
  c.id = "c";
  c.email = "";
  REQUIRE_OK(f.store->CreateUser(a));
  REQUIRE_OK(f.store->CreateUser(b));
  REQUIRE_OK(f.store->CreateUser(c));
  f.Close();
  RawDb raw(f.path());
  REQUIRE(raw.Count("users_by_email") == 0);
}

TEST_CASE("UpdateUser merges fields and extra_json, and moves the email index",
          "[store][users]") {
  StoreFixture f;
  User u = MakeUser("u1", "old@x.io");
  u.extra_json = R"({"role":"user","phone":"1"})";
  REQUIRE_OK(f.store->CreateUser(u));

  User patch;
  patch.id = "u1";
  patch.name = "Updated Name";
  patch.image = Nullable<std::string>::Null();
  patch.email = "new@x.io";
  patch.extra_json = R"({"role":"admin"})";
  auto updated = f.store->UpdateUser(patch);
  REQUIRE_OK(updated);
  REQUIRE(*updated->name == "Updated Name");
  REQUIRE(updated->image.is_null());
  REQUIRE(*updated->email_verified_ms == *u.email_verified_ms);  // Untouched.
  REQUIRE(updated->extra_json == R"({"role":"admin","phone":"1"})");
  REQUIRE(*f.store->GetUser("u1") == *updated);
  REQUIRE(f.store->GetUserByEmail("new@x.io")->id == "u1");
  REQUIRE_CODE(f.store->GetUserByEmail("old@x.io"), Code::kNotFound);

  SECTION("an email taken by someone else is refused and nothing changes") {
    REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "other@x.io")));
    User steal;
    steal.id = "u1";
    steal.name = "Thief";
    steal.email = "OTHER@x.io";
    REQUIRE_CODE(f.store->UpdateUser(steal), Code::kAlreadyExists);
    REQUIRE(*f.store->GetUser("u1")->name == "Updated Name");
  }
  SECTION("a missing user is NotFound, never a partial record") {
    User ghost;
    ghost.id = "ghost";
    ghost.name = "x";
    REQUIRE_CODE(f.store->UpdateUser(ghost), Code::kNotFound);
    REQUIRE_CODE(f.store->GetUser("ghost"), Code::kNotFound);
  }
  SECTION("removing the email removes its index entry") {
    User clear;
    clear.id = "u1";
    clear.email = Nullable<std::string>::Null();
    REQUIRE_OK(f.store->UpdateUser(clear));
    REQUIRE_CODE(f.store->GetUserByEmail("new@x.io"), Code::kNotFound);
  }
}

TEST_CASE("DeleteUser cascades and leaves no record or index entry behind",
          "[store][users]") {
  StoreFixture f;
  const int64_t later = f.now() + kHourMs;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "b@x.io")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "1")));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "google", "2")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("s1", "u1", later)));
  REQUIRE_OK(f.store->CreateSession(MakeSession("s2", "u1", later)));
  REQUIRE_OK(f.store->CreateAuthenticator(MakeAuthenticator("c1", "u1")));
  REQUIRE_OK(f.store->CreateAuthenticator(MakeAuthenticator("c2", "u1")));
  // u2 is untouched by u1's cascade.
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u2", "github", "3")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("s3", "u2", later)));

  auto deleted = f.store->DeleteUser("u1");
  REQUIRE_OK(deleted);
  REQUIRE(deleted->id == "u1");
  REQUIRE_CODE(f.store->GetUser("u1"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetUserByEmail("a@x.io"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetAccount("github", "1"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetSessionAndUser("s1"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetSessionAndUser("s2"), Code::kNotFound);
  REQUIRE_CODE(f.store->GetAuthenticator("c1"), Code::kNotFound);
  REQUIRE(f.store->ListAuthenticatorsByUserId("u1")->empty());
  REQUIRE_CODE(f.store->DeleteUser("u1"), Code::kNotFound);
  REQUIRE_OK(f.store->GetSessionAndUser("s3"));

  f.Close();
  RawDb raw(f.path());
  REQUIRE(raw.Count("users") == 1);
  REQUIRE(raw.Count("users_by_email") == 1);
  REQUIRE(raw.Count("accounts") == 1);
  REQUIRE(raw.Count("sessions") == 1);
  REQUIRE(raw.Count("authenticators") == 0);
  REQUIRE(raw.Count("user_links") == 2);  // u2's account and session.
  REQUIRE(raw.Count("expiry") == 1);
}

TEST_CASE("bad arguments are InvalidArgument and change nothing", "[store][users]") {
  StoreFixture f;
  REQUIRE_CODE(f.store->GetUser(""), Code::kInvalidArgument);
  REQUIRE_CODE(f.store->GetUserByEmail(std::string("a\0b", 3)), Code::kInvalidArgument);
  User u = MakeUser("u1", "a@x.io");
  u.extra_json = "[1,2]";
  REQUIRE_CODE(f.store->CreateUser(u), Code::kInvalidArgument);
  u.extra_json.clear();
  u.name = std::string("\xff\xfe");
  REQUIRE_CODE(f.store->CreateUser(u), Code::kInvalidArgument);
  REQUIRE_CODE(f.store->GetUser("u1"), Code::kNotFound);
}

}  // namespace authkv::test
