// Fault injection: the store on a file system that fails chosen calls
// (tests/support/fault_fs.h). What it proves is listed in README.md's
// reliability section.

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fault_fs.h"
#include "fixtures.h"
#include "info_logger.h"
#include "thread_failures.h"
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

namespace authkv::test {

// Debian's RocksDB is built with assertions on: its own info LOG writer
// aborts the process on the line after a failed write. The store's logger
// (core/src/info_logger.h) takes the LOG out of that path.
TEST_CASE("a full disk under the info LOG never aborts the process", "[faults]") {
  ScopedFaultEnv faults(/*write_buffer_bytes=*/64 << 10);
  faults.fs().Inject(Fault{kWriteOp | kSyncOp, kInfoLogFile, FaultError::kENOSPC});
  TempDir dir;
  {
    auto store = Store::Open(dir.Sub("db"), Options{});
    REQUIRE_OK(store);
    for (int i = 0; i < 3000; ++i) REQUIRE_OK(CreateNumbered(**store, i));
  }
  REQUIRE(std::filesystem::file_size(dir.Sub("db/LOG")) > 0);  // Still logged, by authkv.
  // A warning is logged when a write fails; that line must not abort either.
  faults.fs().Inject(Fault{kWriteOp | kSyncOp, kAnyFile, FaultError::kENOSPC});
  {
    auto store = Store::Open(dir.Sub("db"), Options{});
    if (store.ok()) {
      for (int i = 3000; i < 3100; ++i) CreateNumbered(**store, i).status().IgnoreError();
    }
  }
  faults.fs().Clear();
  RequireVerified(dir.Sub("db"));
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("the info logger drops lines the disk refuses", "[faults]") {
  TempDir dir;
  // LOG.old as a directory stops the rotation, so LOG stays a link to a
  // device on which every write fails with ENOSPC.
  std::filesystem::create_directories(dir.Sub("LOG.old/x"));
  std::filesystem::create_symlink("/dev/full", dir.Sub("LOG"));
  auto logger = internal::NewInfoLogger(dir.path(), rocksdb::InfoLogLevel::WARN_LEVEL);
  for (int i = 0; i < 100; ++i) {
    rocksdb::Warn(logger.get(), "line %d", i);
    rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, logger.get(), "line %d", i);
  }
  REQUIRE(logger->Close().ok());
}

}  // namespace authkv::test

namespace authkv::test {

namespace {

// Opens `path` again (without faults) and says whether user `i` is there.
bool PresentAfterReopen(const std::string& path, int i) {
  auto store = Store::Open(path, Options{});
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return (*store)->GetUser(Uid(i)).ok();
}

// One generated case of the fault tests: a fault, and whether writes sync.
struct FaultCase {
  const char* what;
  Fault fault;
  bool sync;
};

}  // namespace

TEST_CASE("a write that failed on its way to the disk is reported as an unknown outcome",
          "[faults]") {
  const FaultCase c = GENERATE(
      FaultCase{"fdatasync EIO", Fault{kSyncOp, kAnyFile, FaultError::kEIO}, true},
      FaultCase{"fdatasync EMFILE", Fault{kSyncOp, kAnyFile, FaultError::kEMFILE}, true},
      FaultCase{"write EIO, sync on", Fault{kWriteOp, kAnyFile, FaultError::kEIO}, true},
      FaultCase{"write ENOSPC, sync off", Fault{kWriteOp, kAnyFile, FaultError::kENOSPC}, false});
  INFO(c.what);
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    ScopedFaultEnv faults;
    Options options;
    options.sync = c.sync;
    auto store = Store::Open(path, options);
    REQUIRE_OK(store);
    REQUIRE_OK(CreateNumbered(**store, 0));
    faults.fs().Inject(c.fault);
    REQUIRE_CODE(CreateNumbered(**store, 1), Code::kUnknownOutcome);
    // RocksDB has stopped taking writes and the disk still fails, so the
    // store cannot replace it: this one never reaches the log.
    REQUIRE_CODE(CreateNumbered(**store, 2), Code::kIOError);
    REQUIRE(faults.fs().failures() >= 1);
  }
  // The unknown one may be there or not (a failed fdatasync leaves it in the
  // page cache, so here it is); the refused one must not be; the first must.
  REQUIRE(PresentAfterReopen(path, 0));
  const bool unknown_applied = PresentAfterReopen(path, 1);
  INFO("the unknown-outcome write " << (unknown_applied ? "was" : "was not") << " applied");
  REQUIRE_FALSE(PresentAfterReopen(path, 2));
  RequireVerified(path);
}

TEST_CASE("after a failed flush writes are refused with IOError and none of them is applied",
          "[faults]") {
  const Fault fault = GENERATE(Fault{kWriteOp, kSstFile, FaultError::kENOSPC},
                               Fault{kSyncOp, kSstFile, FaultError::kEIO},
                               Fault{kOpenOp, kSstFile, FaultError::kEMFILE},
                               Fault{kWriteOp, kManifestFile, FaultError::kEIO});
  TempDir dir;
  const std::string path = dir.Sub("db");
  int first_failed = -1;
  int refused_from = -1;
  {
    ScopedFaultEnv faults(/*write_buffer_bytes=*/64 << 10);
    auto store = Store::Open(path, Options{});
    REQUIRE_OK(store);
    faults.fs().Inject(fault);
    for (int i = 0; i < 5000 && refused_from < 0; ++i) {
      auto created = CreateNumbered(**store, i);
      if (created.ok()) continue;
      INFO("user " << i << ": " << created.status().ToString());
      if (first_failed < 0) {
        first_failed = i;
        // The flush fails in the background; a write racing RocksDB's
        // notice of it may still have tried the log.
        REQUIRE((created.status().IsIOError() || created.status().IsUnknownOutcome()));
      } else {
        REQUIRE(created.status().IsIOError());
        refused_from = i;
      }
    }
    REQUIRE(refused_from > 0);
    for (int i = refused_from + 1; i < refused_from + 20; ++i) {
      REQUIRE_CODE(CreateNumbered(**store, i), Code::kIOError);
    }
    faults.fs().Clear();
  }
  for (int i = 0; i < first_failed; i += 97) REQUIRE(PresentAfterReopen(path, i));
  REQUIRE(PresentAfterReopen(path, first_failed - 1));
  for (int i = refused_from; i < refused_from + 20; ++i) REQUIRE_FALSE(PresentAfterReopen(path, i));
  RequireVerified(path);
}

}  // namespace authkv::test

namespace authkv::test {

TEST_CASE("once a fault clears, writes resume without the app reopening the store",
          "[faults]") {
  const FaultCase c = GENERATE(
      FaultCase{"WAL write EIO", Fault{kWriteOp, kWalFile, FaultError::kEIO}, false},
      FaultCase{"WAL write ENOSPC", Fault{kWriteOp, kWalFile, FaultError::kENOSPC}, true},
      FaultCase{"WAL fdatasync EIO", Fault{kSyncOp, kWalFile, FaultError::kEIO}, true},
      FaultCase{"WAL fdatasync EMFILE", Fault{kSyncOp, kWalFile, FaultError::kEMFILE}, true},
      FaultCase{"every write ENOSPC", Fault{kWriteOp, kAnyFile, FaultError::kENOSPC}, true},
      FaultCase{"SST write ENOSPC", Fault{kWriteOp, kSstFile, FaultError::kENOSPC}, false},
      FaultCase{"SST fsync EIO", Fault{kSyncOp, kSstFile, FaultError::kEIO}, true},
      FaultCase{"SST open EMFILE", Fault{kOpenOp, kSstFile, FaultError::kEMFILE}, false},
      FaultCase{"MANIFEST write EIO", Fault{kWriteOp, kManifestFile, FaultError::kEIO}, false},
      FaultCase{"directory fsync EIO", Fault{kSyncOp, kDirectory, FaultError::kEIO}, true});
  INFO(c.what);
  TempDir dir;
  const std::string path = dir.Sub("db");
  std::vector<int> acknowledged;
  ThreadFailures failures;
  {
    ScopedFaultEnv faults(/*write_buffer_bytes=*/64 << 10);
    Options options;
    options.sync = c.sync;
    auto store = Store::Open(path, options);
    REQUIRE_OK(store);
    int next = 0;
    for (; next < 50; ++next) {
      REQUIRE_OK(CreateNumbered(**store, next));
      acknowledged.push_back(next);
    }
    // A reader throughout: while the store replaces its RocksDB instance it
    // may see IOError (when the replacement cannot open yet), never a crash,
    // never another code, and never a missing acknowledged user.
    std::atomic<bool> stop{false};
    std::thread reader([&] {
      while (!stop.load()) {
        auto got = (*store)->GetUser(Uid(7));
        if (!got.ok() && !got.status().IsIOError()) failures.Add(got.status().ToString());
      }
    });
    faults.fs().Inject(c.fault);
    int failed = 0;
    for (int tries = 0; tries < 5000 && failed < 5; ++tries, ++next) {
      auto created = CreateNumbered(**store, next);
      if (created.ok()) {
        acknowledged.push_back(next);
      } else {
        INFO(created.status().ToString());
        REQUIRE((created.status().IsIOError() || created.status().IsUnknownOutcome()));
        ++failed;
      }
    }
    REQUIRE(failed == 5);
    faults.fs().Clear();
    // The first write after the fault clears succeeds, and so do the rest,
    // through more flushes.
    for (int i = 0; i < 1500; ++i, ++next) {
      REQUIRE_OK(CreateNumbered(**store, next));
      acknowledged.push_back(next);
    }
    stop = true;
    reader.join();
    REQUIRE_OK((*store)->GetUser(Uid(7)));
  }
  failures.Require();
  auto reopened = Store::Open(path, Options{});
  REQUIRE_OK(reopened);
  for (int i : acknowledged) {
    INFO("user " << i);
    REQUIRE_OK((*reopened)->GetUser(Uid(i)));
  }
  reopened->reset();
  RequireVerified(path);
}

// The one stop that cannot be undone in the process (core/src/db_health.h):
// RocksDB 7.8.3 leaks column family references when an automatic memtable
// switch cannot create its new WAL, and closing it then aborts.
TEST_CASE("a failed switch to a new WAL refuses writes until restart, and closing never aborts",
          "[faults]") {
  TempDir dir;
  const std::string path = dir.Sub("db");
  ScopedFaultEnv faults(/*write_buffer_bytes=*/64 << 10);
  auto store = Store::Open(path, Options{});
  REQUIRE_OK(store);
  faults.fs().Inject(Fault{kOpenOp, kWalFile, FaultError::kEMFILE});
  int failed_at = -1;
  for (int i = 0; i < 5000 && failed_at < 0; ++i) {
    auto created = CreateNumbered(**store, i);
    if (!created.ok()) {
      INFO(created.status().ToString());
      REQUIRE((created.status().IsIOError() || created.status().IsUnknownOutcome()));
      failed_at = i;
    }
  }
  REQUIRE(failed_at > 0);
  faults.fs().Clear();
  auto refused = CreateNumbered(**store, failed_at + 1);
  INFO(refused.status().ToString());
  REQUIRE(refused.status().IsIOError());
  REQUIRE(refused.status().message().find("restart the process") != std::string::npos);
  REQUIRE_OK((*store)->GetUser(Uid(0)));  // Reads still work.
  store->reset();  // Must not abort.
}

}  // namespace authkv::test
