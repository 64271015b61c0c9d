// authkv: embedded auth-data store. Licensed under the ISC license.

#include "session_cache.h"

#include <cstring>

namespace authkv::internal {

size_t SessionCache::DigestHash::operator()(std::string_view key) const {
  size_t h = 0;
  std::memcpy(&h, key.data(), std::min(sizeof(h), key.size()));
  return h;
}

SessionCache::SessionCache(size_t capacity_bytes)
    : capacity_per_shard_(capacity_bytes / kShards) {}

SessionCache::Shard& SessionCache::ShardOf(std::string_view key) {
  // Bytes 8.. pick the shard so the map's hash (bytes 0..7) stays independent.
  const unsigned char b = key.size() > 8 ? static_cast<unsigned char>(key[8]) : 0;
  return shards_[b % kShards];
}

size_t SessionCache::ChargeOf(const std::string& key, const Entry& e) {
  // An estimate: the strings' payloads plus the fixed overhead of a node, a
  // map slot and the shared_ptr control block.
  const auto& u = e.user;
  size_t strings = key.size() + e.session.user_id.size() + u.id.size() +
                   u.name.value_or("").size() + u.email.value_or("").size() +
                   u.image.value_or("").size() + u.extra_json.size();
  return strings + sizeof(Node) + sizeof(Entry) + 96;
}

std::shared_ptr<const SessionCache::Entry> SessionCache::Lookup(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) {
    shard.misses.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  shard.hits.fetch_add(1, std::memory_order_relaxed);
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->entry;
}

uint64_t SessionCache::Ticket(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  return shard.generation;
}

void SessionCache::Insert(std::string_view key, uint64_t ticket, Entry entry) {
  Shard& shard = ShardOf(key);
  std::string owned_key(key);
  const size_t charge = ChargeOf(owned_key, entry);
  if (charge > capacity_per_shard_) return;
  auto shared = std::make_shared<const Entry>(std::move(entry));
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.generation != ticket) return;  // A writer erased since the read.
  EraseLocked(shard, key);
  shard.lru.push_front(Node{std::move(owned_key), std::move(shared), charge});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  shard.bytes += charge;
  while (shard.bytes > capacity_per_shard_ && !shard.lru.empty()) {
    EraseLocked(shard, shard.lru.back().key);
  }
}

void SessionCache::Erase(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  ++shard.generation;
  EraseLocked(shard, key);
}

void SessionCache::Clear() {
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    ++shard.generation;
    shard.index.clear();  // Before the nodes: the map's keys view into them.
    shard.lru.clear();
    shard.bytes = 0;
  }
}

void SessionCache::EraseLocked(Shard& shard, std::string_view key) {
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return;
  auto node = it->second;
  shard.bytes -= node->charge;
  shard.index.erase(it);  // Before the node: the map's key views into it.
  shard.lru.erase(node);
}

CacheStats SessionCache::Stats() const {
  CacheStats s;
  s.capacity_bytes = capacity_per_shard_ * kShards;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    s.hits += shard.hits.load(std::memory_order_relaxed);
    s.misses += shard.misses.load(std::memory_order_relaxed);
    s.entries += shard.index.size();
    s.bytes += shard.bytes;
  }
  return s;
}

}  // namespace authkv::internal
