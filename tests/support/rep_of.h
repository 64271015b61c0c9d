// authkv tests: the Store::Rep behind a fixture's open store, for tests of
// internals (hooks, the purge floor) that no public call can reach. Found
// the way a second Store::Open would find it: by joining the open store.

#ifndef AUTHKV_TESTS_SUPPORT_REP_OF_H_
#define AUTHKV_TESTS_SUPPORT_REP_OF_H_

#include <memory>

#include "fixtures.h"
#include "open_stores.h"
#include "store_rep.h"

namespace authkv::test {

inline std::shared_ptr<Store::Rep> RepOf(StoreFixture& f, Options options = {}) {
  options.clock = &f.clock;
  auto rep = internal::AcquireStore(f.path(), options, []() -> Result<std::unique_ptr<Store::Rep>> {
    return Status::Internal("the fixture's store is not open");
  });
  INFO(rep.status().ToString());
  REQUIRE(rep.ok());
  return *rep;
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_REP_OF_H_
