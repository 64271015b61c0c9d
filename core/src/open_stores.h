// authkv: embedded auth-data store. Licensed under the ISC license.
//
// One store per directory per process. RocksDB's own "already open" check
// compares path strings, and POSIX fcntl locks never conflict inside one
// process, so "./data/auth", its absolute path, a trailing slash or a
// symlink would each get a RocksDB writer on the same files: the second one
// silently breaks uniqueness and soon the MANIFEST. This registry names an
// open directory by what it is, (st_dev, st_ino), and hands every later open
// of it the store that is already open, reference-counted: the last Store
// handle to go closes RocksDB.
//
// Thread safety: all functions may be called from any thread. Opens and the
// final close of a store are serialised by one process-wide mutex, so a
// close and a reopen of one directory never overlap (RocksDB would refuse
// the reopen while the old instance still holds its LOCK).

#ifndef AUTHKV_CORE_SRC_OPEN_STORES_H_
#define AUTHKV_CORE_SRC_OPEN_STORES_H_

#include <functional>
#include <memory>
#include <string>

#include "authkv/options.h"
#include "authkv/result.h"
#include "authkv/store.h"

namespace authkv::internal {

// The store open on `path`'s directory, joined if this process has it open
// already (under any spelling), else made by `open_new`. A join is refused
// with InvalidArgument, naming the option, when `options` disagree with the
// first open's on something one store cannot serve two ways (read_only,
// sync, email_match, token_keys, clock). Tuning options (cache sizes, purge
// interval) are the first open's.
Result<std::shared_ptr<Store::Rep>> AcquireStore(
    const std::string& path, const Options& options,
    const std::function<Result<std::unique_ptr<Store::Rep>>()>& open_new);

// How many distinct directories this process has open (for tests).
size_t OpenStoreCount();

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_OPEN_STORES_H_
