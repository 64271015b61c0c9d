// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Test-only changes to how Store::Open sets RocksDB up: the file system it
// goes through (a fault-injecting one, tests/support/fault_fs.h) and a small
// memtable so a test reaches flushes and compactions in a few hundred
// writes. Nothing in the library sets them; they are per thread, so a test
// changes only the opens it makes itself. A store keeps what it was opened
// with for as long as it is open (its recovery reopens with the same).

#ifndef AUTHKV_CORE_SRC_TEST_OVERRIDES_H_
#define AUTHKV_CORE_SRC_TEST_OVERRIDES_H_

#include <cstddef>

namespace rocksdb {
class Env;
}

namespace authkv::internal {

struct OpenOverrides {
  rocksdb::Env* env = nullptr;     // Not owned; must outlive the store. Null: the default.
  size_t write_buffer_bytes = 0;   // Every family's memtable size; 0: the normal sizes.
};

// The overrides for opens on the calling thread (all unset by default).
const OpenOverrides& CurrentOpenOverrides();
// Replaces them; returns the previous ones, to put back.
OpenOverrides SetOpenOverrides(const OpenOverrides& overrides);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_TEST_OVERRIDES_H_
