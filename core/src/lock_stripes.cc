// authkv: embedded auth-data store. Licensed under the ISC license.

#include "lock_stripes.h"

#include <algorithm>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace authkv::internal {

size_t LockStripes::StripeOf(const LockKey& k) const {
  const uint64_t seed = static_cast<uint64_t>(k.family);
  return XXH3_64bits_withSeed(k.key.data(), k.key.size(), seed) % kStripes;
}

StripeGuard::StripeGuard(LockStripes& stripes, std::initializer_list<LockKey> keys)
    : stripes_(&stripes) {
  held_.reserve(keys.size());
  for (const auto& k : keys) {
    if (!k.key.empty()) held_.push_back(stripes.StripeOf(k));
  }
  Lock(stripes);
}

StripeGuard::StripeGuard(LockStripes& stripes, const std::vector<LockKey>& keys)
    : stripes_(&stripes) {
  held_.reserve(keys.size());
  for (const auto& k : keys) {
    if (!k.key.empty()) held_.push_back(stripes.StripeOf(k));
  }
  Lock(stripes);
}

void StripeGuard::Lock(LockStripes& stripes) {
  std::sort(held_.begin(), held_.end());
  held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
  for (size_t s : held_) stripes.at(s).lock();
}

StripeGuard::~StripeGuard() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) stripes_->at(*it).unlock();
}

}  // namespace authkv::internal
