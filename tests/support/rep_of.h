// authkv tests: the Store::Rep behind a fixture's open store, for tests of
// internals (hooks, the purge floor) that no public call can reach. Found
// the way a second Store::Open would find it: by joining the open store.

#ifndef AUTHKV_TESTS_SUPPORT_REP_OF_H_
#define AUTHKV_TESTS_SUPPORT_REP_OF_H_

#include <memory>
#include <string>

#include "fixtures.h"
#include "open_stores.h"
#include "store_rep.h"

namespace authkv::test {

// The Rep of the store this process has open at `path` with `options`;
// Internal if none is open there.
inline Result<std::shared_ptr<Store::Rep>> RepOpenAt(const std::string& path,
                                                     const Options& options) {
  return internal::AcquireStore(path, options, []() -> Result<std::unique_ptr<Store::Rep>> {
    return Status::Internal("no store is open there");
  });
}

inline std::shared_ptr<Store::Rep> RepOf(StoreFixture& f, Options options = {}) {
  options.clock = &f.clock;
  auto rep = RepOpenAt(f.path(), options);
  INFO(rep.status().ToString());
  REQUIRE(rep.ok());
  return *rep;
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_REP_OF_H_
