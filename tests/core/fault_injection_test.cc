// Fault injection: the store on a file system that fails chosen calls
// (tests/support/fault_fs.h). What it proves is listed in README.md's
// reliability section.

#include <catch2/catch.hpp>

#include <string>

#include "fault_fs.h"
#include "fixtures.h"
#include "verified.h"

namespace authkv::test {
namespace {

std::string Uid(int i) { return "user-" + std::to_string(i); }

Result<User> CreateNumbered(Store& store, int i) {
  return store.CreateUser(MakeUser(Uid(i), Uid(i) + "@x.io"));
}

}  // namespace

TEST_CASE("the fault file system fails the chosen call, after its countdown", "[faults]") {
  ScopedFaultEnv faults;
  StoreFixture f;
  REQUIRE_OK(CreateNumbered(*f.store, 0));
  faults.fs().Inject(Fault{kWriteOp, kWalFile, FaultError::kEIO, /*after=*/1, /*times=*/1});
  REQUIRE_OK(CreateNumbered(*f.store, 1));
  REQUIRE_FALSE(CreateNumbered(*f.store, 2).ok());
  REQUIRE(faults.fs().failures() == 1);
}

TEST_CASE("a power cut keeps synced writes and drops the rest", "[faults]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string cut = dir.Sub("cut");
  {  // Created without the fault file system, so all of it counts as on disk.
    auto created = Store::Open(path, Options{});
    REQUIRE_OK(created);
  }
  const bool sync = GENERATE(true, false);
  {
    ScopedFaultEnv faults;
    Options options;
    options.sync = sync;
    auto store = Store::Open(path, options);
    REQUIRE_OK(store);
    for (int i = 0; i < 20; ++i) REQUIRE_OK(CreateNumbered(**store, i));
    faults.fs().CrashNow(path, cut);
  }
  auto reopened = Store::Open(cut, Options{});
  REQUIRE_OK(reopened);
  int present = 0;
  for (int i = 0; i < 20; ++i) present += (*reopened)->GetUser(Uid(i)).ok();
  // With sync on every write was acknowledged after its fdatasync; with it
  // off nothing reached the disk since the database was created.
  INFO(present << " of 20 users after the cut, sync " << sync);
  REQUIRE(present == (sync ? 20 : 0));
  RequireVerified(cut);
}

}  // namespace authkv::test
