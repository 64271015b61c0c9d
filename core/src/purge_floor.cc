// authkv: embedded auth-data store. Licensed under the ISC license.

#include "purge_floor.h"

#include <algorithm>

namespace authkv::internal {

int64_t PurgeFloor::BeginPurge() {
  std::lock_guard<std::mutex> lock(mu_);
  written_in_window_ms_ = kNone;
  return floor_ms_;
}

void PurgeFloor::NoteWritten(int64_t expires_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  floor_ms_ = std::min(floor_ms_, expires_ms);
  written_in_window_ms_ = std::min(written_in_window_ms_, expires_ms);
}

void PurgeFloor::FinishPurge(int64_t scanned_to_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  // Never lowers it: a purge at an earlier time than the last one proves
  // nothing new, and the floor already covers every write noted since.
  floor_ms_ = std::max(floor_ms_, std::min(scanned_to_ms, written_in_window_ms_));
}

}  // namespace authkv::internal
