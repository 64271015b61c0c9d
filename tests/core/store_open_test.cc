#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "fixtures.h"
#include "raw_db.h"

namespace authkv::test {

TEST_CASE("reopening after close keeps every record", "[store][open]") {
  StoreFixture f;
  const int64_t later = f.now() + kHourMs;
  User u = MakeUser("u1", "a@x.io");
  REQUIRE_OK(f.store->CreateUser(u));
  REQUIRE_OK(f.store->LinkAccount(MakeAccount("u1", "github", "1")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", later)));
  REQUIRE_OK(f.store->CreateVerificationToken({"a@x.io", "vt", later}));
  REQUIRE_OK(f.store->CreateAuthenticator(MakeAuthenticator("c", "u1")));
  f.Close();
  f.Open();
  REQUIRE(f.store->schema_version() == kSchemaVersion);
  REQUIRE(*f.store->GetUser("u1") == u);
  REQUIRE(f.store->GetUserByEmail("a@x.io")->id == "u1");
  REQUIRE(f.store->GetUserByAccount("github", "1")->id == "u1");
  REQUIRE(f.store->GetSessionAndUser("tok")->user == u);
  REQUIRE_OK(f.store->UseVerificationToken("a@x.io", "vt"));
  REQUIRE_OK(f.store->GetAuthenticator("c"));
}

TEST_CASE("a new database's missing parent directories are created", "[store][open]") {
  TempDir dir;
  auto opened = Store::Open(dir.Sub("data/app/auth"), Options{});
  REQUIRE_OK(opened);
  REQUIRE(std::filesystem::is_directory(dir.Sub("data/app/auth")));
}

TEST_CASE("a new database directory is readable by its owner only", "[store][open]") {
  StoreFixture f;
  struct stat st{};
  REQUIRE(::stat(f.path().c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0077) == 0);
}

TEST_CASE("a database written by a newer schema version is refused", "[store][open]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  f.Close();
  {
    RawDb raw(f.path());
    raw.Put("meta", "schema_version", std::to_string(kSchemaVersion + 1));
  }
  auto opened = Store::Open(f.path(), Options{});
  REQUIRE_CODE(opened, Code::kVersionMismatch);
  REQUIRE(std::string(opened.status().message()).find("newer") != std::string::npos);
  {
    RawDb raw(f.path());  // Nothing was lost: the user is still there.
    REQUIRE(raw.Count("users") == 1);
  }
}

TEST_CASE("a column family unknown to this version is refused", "[store][open]") {
  StoreFixture f;
  f.Close();
  {
    RawDb raw(f.path());
    raw.CreateFamily("from_the_future");
  }
  REQUIRE_CODE(Store::Open(f.path(), Options{}), Code::kVersionMismatch);
}

TEST_CASE("a corrupted value is reported as corruption, never returned",
          "[store][open]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok", "u1", f.now() + kHourMs)));
  f.Close();
  {
    RawDb raw(f.path());
    std::string value = raw.Get("users", "u1");
    value[value.size() / 2] ^= 0x01;
    raw.Put("users", "u1", value);
  }
  f.Open();
  REQUIRE_CODE(f.store->GetUser("u1"), Code::kCorruption);
  REQUIRE_CODE(f.store->GetUserByEmail("a@x.io"), Code::kCorruption);
  REQUIRE_CODE(f.store->GetSessionAndUser("tok"), Code::kCorruption);
  SECTION("a dangling index entry is corruption too") {
    f.Close();
    {
      RawDb raw(f.path());
      raw.Put("users_by_email", "ghost@x.io", "ghost");
    }
    f.Open();
    REQUIRE_CODE(f.store->GetUserByEmail("ghost@x.io"), Code::kCorruption);
  }
}

TEST_CASE("open refuses what is not an authkv database", "[store][open]") {
  TempDir dir;
  SECTION("a directory with other files") {
    std::filesystem::create_directories(dir.Sub("other"));
    std::ofstream(dir.Sub("other/notes.txt")) << "hello";
    REQUIRE_CODE(Store::Open(dir.Sub("other"), Options{}), Code::kInvalidArgument);
  }
  SECTION("a plain RocksDB database") {
    {
      rocksdb::Options o;
      o.create_if_missing = true;
      rocksdb::DB* db = nullptr;
      REQUIRE(rocksdb::DB::Open(o, dir.Sub("rocks"), &db).ok());
      delete db;
    }
    REQUIRE_CODE(Store::Open(dir.Sub("rocks"), Options{}), Code::kInvalidArgument);
  }
  SECTION("a missing directory without create_if_missing") {
    Options o;
    o.create_if_missing = false;
    REQUIRE_CODE(Store::Open(dir.Sub("missing"), o), Code::kNotFound);
    REQUIRE_FALSE(std::filesystem::exists(dir.Sub("missing")));
  }
  SECTION("an empty path") {
    REQUIRE_CODE(Store::Open("", Options{}), Code::kInvalidArgument);
  }
}

TEST_CASE("a read-only store reads and refuses writes", "[store][open]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  f.Close();
  Options o;
  o.read_only = true;
  auto ro = Store::Open(f.path(), o);
  REQUIRE_OK(ro);
  REQUIRE((*ro)->GetUser("u1").ok());
  REQUIRE_CODE((*ro)->CreateUser(MakeUser("u2", "b@x.io")), Code::kInvalidArgument);
  REQUIRE_CODE((*ro)->DeleteUser("u1"), Code::kInvalidArgument);
}

}  // namespace authkv::test
