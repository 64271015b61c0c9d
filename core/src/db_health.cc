// authkv: embedded auth-data store. Licensed under the ISC license.

#include "db_health.h"

namespace authkv::internal {

void DbHealth::OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) {
  if (!error || error->ok()) return;
  if (reason == rocksdb::BackgroundErrorReason::kMemTable) {
    close_unsafe_.store(true, std::memory_order_release);
  }
  NoteStopped(error->ToString());
}

void DbHealth::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                                    bool* auto_recovery) {
  if (auto_recovery) *auto_recovery = false;
}

std::string DbHealth::why() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return why_;
}

void DbHealth::NoteStopped(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!stopped_.load()) why_ = why;
  stopped_.store(true, std::memory_order_release);
}

void DbHealth::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  why_.clear();
  stopped_.store(false, std::memory_order_release);
}

}  // namespace authkv::internal
