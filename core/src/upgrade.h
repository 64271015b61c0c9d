// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Bringing a database of an older schema version up to kSchemaVersion, in
// place, when Store::Open opens it for writing.
//
// Version 1 -> 2: every stored value is re-sealed in envelope format 0x02,
// whose checksum covers its key (codec.h), and with kCaseInsensitive the
// email index is re-keyed from the ASCII-only fold to JavaScript's
// toLowerCase (email.h).
//
// Crash safety: before anything changes, the emails are checked for users
// the new fold would merge; if there are any, the open fails with
// FailedPrecondition naming them, and the database is left as it was (an
// authkv of the old version still opens it). Otherwise the first batch sets
// schema_version 2 together with meta "upgrade_progress" (so an older authkv
// refuses the half-upgraded database instead of misreading it); each batch
// then rewrites up to a bounded number of records and moves the progress
// mark in the same WriteBatch, so a crash anywhere leaves a database whose
// next open continues where the last committed batch ended. The last batch
// removes the mark.
//
// Values that fail their format 0x01 checksum are left as they are: sealing
// them anew would hide the damage. They read as Corruption afterwards.
//
// Thread safety: runs inside Store::Open, before any other access.

#ifndef AUTHKV_CORE_SRC_UPGRADE_H_
#define AUTHKV_CORE_SRC_UPGRADE_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "authkv/status.h"
#include "authkv/store.h"

namespace authkv::internal {

// Upgrades `rep`'s database, at `from_version` (< kSchemaVersion, or
// kSchemaVersion with an upgrade in progress), to kSchemaVersion.
Status UpgradeSchema(Store::Rep& rep, uint32_t from_version);

// For tests: records per batch, and a call after each committed batch (a
// crash test kills the process there).
struct UpgradeTuning {
  size_t batch_records = 1000;
  std::function<void(uint64_t batches_committed)> after_batch;
};
UpgradeTuning& UpgradeTuningForTesting();

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_UPGRADE_H_
