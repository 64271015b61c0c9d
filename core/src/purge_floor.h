// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The purge floor: a time below which the expiry family holds nothing but
// the tombstones of earlier purges, so a purge starts its scan there
// instead of wading through them.
//
// The floor may only rise to what a purge actually saw. A purge scans one
// RocksDB snapshot, so an expiry entry committed after the snapshot was
// taken is not in it, whatever its time. Each purge therefore opens a
// window (BeginPurge, before its snapshot) in which every expiry write is
// noted (NoteWritten, after the write's commit), and it raises the floor no
// higher than the earliest of them (FinishPurge). A write noted before the
// window opened committed before the snapshot, and lowered the floor the
// purge started from, so the purge saw it. Purges must not overlap (the
// caller serialises them): one purge's window would swallow another's.
//
// Thread safety: all members may be called from any thread.

#ifndef AUTHKV_CORE_SRC_PURGE_FLOOR_H_
#define AUTHKV_CORE_SRC_PURGE_FLOOR_H_

#include <cstdint>
#include <limits>
#include <mutex>

namespace authkv::internal {

class PurgeFloor {
 public:
  // Opens the window of a purge about to take its snapshot, and returns
  // where its scan may start.
  int64_t BeginPurge();
  // After an expiry entry at `expires_ms` was committed, or a commit of one
  // failed with an unknown outcome: no later purge starts above it, and
  // the purge under way raises the floor no higher.
  void NoteWritten(int64_t expires_ms);
  // The purge that called BeginPurge scanned and deleted everything its
  // snapshot held below `scanned_to_ms`.
  void FinishPurge(int64_t scanned_to_ms);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

  std::mutex mu_;
  int64_t floor_ms_ = std::numeric_limits<int64_t>::min();  // Guarded by mu_.
  int64_t written_in_window_ms_ = kNone;                     // Guarded by mu_.
};

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_PURGE_FLOOR_H_
