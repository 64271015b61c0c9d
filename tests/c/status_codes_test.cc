// authkv tests. Licensed under the ISC license.
//
// The shim's Status -> authkv_code table, checked without exposing it: each
// case makes one real failure happen twice on identically prepared
// databases, once through authkv::Store and once through the C ABI, and
// checks the pair (core code, ABI code) and that the ABI's message is core's.
// kInternal, kNoMemory (and, until a fault-injecting file system exists in the
// tests, kUnknownOutcome and kKeyUnavailable) cannot be provoked from outside; the shim's switch
// has no default, so -Wswitch (an error here) keeps those rows from being
// forgotten when a code is added.
//
// Thread safety: single-threaded.

#include <authkv/authkv.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "authkv/store.h"
#include "codec.h"
#include "fixtures.h"
#include "raw_db.h"
#include "temp_dir.h"

namespace authkv::test {
namespace {

// What each side returns: the core Status, or the ABI code and message.
struct AbiOutcome {
  int code = AUTHKV_OK;
  std::string message;
};

// A database in `path` holding user u1; then `damage` runs on its closed
// directory.
void PrepareWithUser(const std::string& path, const std::function<void(RawDb&)>& damage = {}) {
  {
    auto store = Store::Open(path, Options{});
    REQUIRE_OK(store);
    REQUIRE_OK((*store)->CreateUser(MakeUser("u1", "ann@example.com")));
  }
  if (damage) {
    RawDb raw(path);
    damage(raw);
  }
}

// Opens the store at `path` with core and runs `op` on it.
Status ViaCore(const std::string& path, const std::function<Status(Store&)>& op) {
  auto store = Store::Open(path, Options{});
  if (!store.ok()) return store.status();
  return op(**store);
}

// Opens `path` through the ABI and runs `op` on the handle.
AbiOutcome ViaAbi(const std::string& path, const std::function<int(authkv_db*, char**)>& op) {
  AbiOutcome outcome;
  char* err = nullptr;
  authkv_db* db = nullptr;
  outcome.code = authkv_open(&db, path.c_str(), nullptr, &err);
  if (outcome.code == AUTHKV_OK) outcome.code = op(db, &err);
  if (err != nullptr) outcome.message = err;
  authkv_free(err);
  authkv_close(db);
  return outcome;
}

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

struct Case {
  const char* what;
  Code core_code;
  int abi_code;
  // Sets up the database directory (both sides get their own copy).
  std::function<void(const std::string& path)> prepare;
  std::function<Status(const std::string& path)> via_core;
  std::function<AbiOutcome(const std::string& path)> via_abi;
};

std::vector<Case> Cases() {
  const std::string user = internal::EncodeUser(MakeUser("u1", "ann@example.com"));
  const std::string orphan = internal::EncodeSession(MakeSession("t", "nobody", 1), true);
  auto bytes = [](const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); };
  return {
      {"a missing record", Code::kNotFound, AUTHKV_ENOTFOUND,
       [](const std::string& p) { PrepareWithUser(p); },
       [](const std::string& p) {
         return ViaCore(p, [](Store& s) { return StatusOf(s.GetUser("u2")); });
       },
       [](const std::string& p) {
         return ViaAbi(
             p, [](authkv_db* db, char** e) { return authkv_user_get(nullptr, db, "u2", 2, e); });
       }},
      {"a taken id", Code::kAlreadyExists, AUTHKV_EEXISTS,
       [](const std::string& p) { PrepareWithUser(p); },
       [](const std::string& p) {
         return ViaCore(
             p, [](Store& s) { return StatusOf(s.CreateUser(MakeUser("u1", "ann@example.com"))); });
       },
       [=](const std::string& p) {
         return ViaAbi(p, [&](authkv_db* db, char** e) {
           return authkv_user_create(nullptr, db, bytes(user), user.size(), e);
         });
       }},
      {"an empty key", Code::kInvalidArgument, AUTHKV_EINVALID,
       [](const std::string& p) { PrepareWithUser(p); },
       [](const std::string& p) {
         return ViaCore(p, [](Store& s) { return StatusOf(s.GetUser("")); });
       },
       [](const std::string& p) {
         return ViaAbi(
             p, [](authkv_db* db, char** e) { return authkv_user_get(nullptr, db, "", 0, e); });
       }},
      {"a session of a missing user", Code::kFailedPrecondition, AUTHKV_ECONSTRAINT,
       [](const std::string& p) { PrepareWithUser(p); },
       [](const std::string& p) {
         return ViaCore(
             p, [](Store& s) { return StatusOf(s.CreateSession(MakeSession("t", "nobody", 1))); });
       },
       [=](const std::string& p) {
         return ViaAbi(p, [&](authkv_db* db, char** e) {
           return authkv_session_create(nullptr, db, bytes(orphan), orphan.size(), e);
         });
       }},
      {"a stored user that fails its checksum", Code::kCorruption, AUTHKV_ECORRUPT,
       [](const std::string& p) {
         PrepareWithUser(p, [](RawDb& raw) { raw.Put("users", "u1", "not an envelope"); });
       },
       [](const std::string& p) {
         return ViaCore(p, [](Store& s) { return StatusOf(s.GetUser("u1")); });
       },
       [](const std::string& p) {
         return ViaAbi(
             p, [](authkv_db* db, char** e) { return authkv_user_get(nullptr, db, "u1", 2, e); });
       }},
      {"a database from a newer authkv", Code::kVersionMismatch, AUTHKV_EVERSION,
       [](const std::string& p) {
         PrepareWithUser(p, [](RawDb& raw) { raw.Put("meta", "schema_version", "999"); });
       },
       [](const std::string& p) { return ViaCore(p, [](Store&) { return Status::OK(); }); },
       [](const std::string& p) {
         return ViaAbi(p, [](authkv_db*, char**) { return AUTHKV_OK; });
       }},
      {"a second open in the process that disagrees on sync", Code::kInvalidArgument,
       AUTHKV_EINVALID, [](const std::string& p) { PrepareWithUser(p); },
       [](const std::string& p) {
         return ViaCore(p, [&](Store&) {
           Options o;
           o.sync = true;
           return Store::Open(p, o).status();
         });
       },
       [](const std::string& p) {
         return ViaAbi(p, [&](authkv_db*, char** e) {
           authkv_open_options o = AUTHKV_OPEN_OPTIONS_INIT;
           o.flags |= AUTHKV_OPEN_SYNC;
           authkv_db* second = nullptr;
           return authkv_open(&second, p.c_str(), &o, e);
         });
       }},
      {"a path under a regular file", Code::kIOError, AUTHKV_EIO,
       [](const std::string& p) { std::ofstream(p) << "a file, not a directory"; },
       [](const std::string& p) { return Store::Open(p + "/db", Options{}).status(); },
       [](const std::string& p) {
         AbiOutcome outcome;
         char* err = nullptr;
         authkv_db* db = nullptr;
         outcome.code = authkv_open(&db, (p + "/db").c_str(), nullptr, &err);
         if (err != nullptr) outcome.message = err;
         authkv_free(err);
         authkv_close(db);
         return outcome;
       }},
  };
}

TEST_CASE("each core error reaches C as its code, with core's message", "[c][codes]") {
  for (const Case& c : Cases()) {
    DYNAMIC_SECTION(c.what) {
      TempDir core_dir, abi_dir;
      const std::string core_path = core_dir.Sub("db");
      const std::string abi_path = abi_dir.Sub("db");
      c.prepare(core_path);
      c.prepare(abi_path);

      const Status core = c.via_core(core_path);
      INFO(core.ToString());
      REQUIRE(core.code() == c.core_code);

      const AbiOutcome abi = c.via_abi(abi_path);
      INFO(abi.message);
      REQUIRE(abi.code == c.abi_code);
      if (c.abi_code == AUTHKV_ENOTFOUND) {
        REQUIRE(abi.message.empty());
      } else {
        // Paths differ between the two directories; the code name and the
        // start of the message do not.
        REQUIRE(abi.message.rfind(std::string(CodeName(c.core_code)) + ": ", 0) == 0);
      }
    }
  }
}

TEST_CASE("closing the last handle releases the directory", "[c][handle]") {
  TempDir dir;
  authkv_db* db = nullptr;
  REQUIRE(authkv_open(&db, dir.Sub("db").c_str(), nullptr, nullptr) == AUTHKV_OK);
  authkv_close(db);  // Frees db: it is not used again.
  // The directory's lock is released at close, not when the process ends.
  authkv_db* again = nullptr;
  REQUIRE(authkv_open(&again, dir.Sub("db").c_str(), nullptr, nullptr) == AUTHKV_OK);
  char* err = nullptr;
  REQUIRE(authkv_user_get(nullptr, again, "u1", 2, &err) == AUTHKV_ENOTFOUND);
  REQUIRE(err == nullptr);
  authkv_close(again);
}

}  // namespace
}  // namespace authkv::test
