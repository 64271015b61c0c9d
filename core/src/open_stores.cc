// authkv: embedded auth-data store. Licensed under the ISC license.

#include "open_stores.h"

#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "store_rep.h"

namespace authkv::internal {

namespace {

using DirectoryId = std::pair<dev_t, ino_t>;

// What a joining open must agree on, as the first open asked for it.
struct SharedSettings {
  bool read_only;
  bool sync;
  EmailMatch email_match;
  std::vector<std::pair<uint32_t, std::string>> token_keys;
  const Clock* clock;

  static SharedSettings Of(const Options& o) {
    SharedSettings s{o.read_only, o.sync, o.email_match, {}, o.clock};
    for (const auto& k : o.token_keys) s.token_keys.emplace_back(k.id, k.key);
    return s;
  }
};

// The first setting on which `joining` differs from `open`, or "".
std::string Conflict(const SharedSettings& open, const SharedSettings& joining) {
  if (open.read_only != joining.read_only) {
    return open.read_only ? "it is open read-only here and this open asks to write"
                          : "it is open for writing here and this open asks for read-only";
  }
  if (open.sync != joining.sync) {
    return open.sync ? "it is open with sync on and this open has sync off"
                     : "it is open with sync off and this open has sync on";
  }
  if (open.email_match != joining.email_match) {
    return "it is open with another email_match";
  }
  if (open.token_keys != joining.token_keys) {
    return "it is open with other token_keys";
  }
  if (open.clock != joining.clock) return "it is open with another clock";
  return "";
}

struct Entry {
  Store::Rep* rep;  // Alive while `shared` can be locked.
  std::weak_ptr<Store::Rep> shared;
  SharedSettings settings;
};

std::mutex& RegistryMutex() {
  static std::mutex* mutex = new std::mutex;  // Never destroyed: closes may run at exit.
  return *mutex;
}

// Signalled when a store has closed, for an open that found it closing.
std::condition_variable& StoreClosed() {
  static auto* closed = new std::condition_variable;
  return *closed;
}

std::map<DirectoryId, Entry>& Registry() {
  static auto* registry = new std::map<DirectoryId, Entry>;
  return *registry;
}

// NotFound when the path does not exist yet; stat follows symlinks, which is
// the point: a symlink and its target are one directory.
Result<DirectoryId> IdentifyDirectory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError("cannot stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + " is not a directory");
  return DirectoryId{st.st_dev, st.st_ino};
}

}  // namespace

Result<std::shared_ptr<Store::Rep>> AcquireStore(
    const std::string& path, const Options& options,
    const std::function<Result<std::unique_ptr<Store::Rep>>()>& open_new) {
  // Declared before the lock so that, if it turns out to be the last
  // reference, the store closes after the lock is released (its deleter
  // takes the same mutex).
  std::shared_ptr<Store::Rep> joined;
  std::unique_lock<std::mutex> lock(RegistryMutex());
  auto& registry = Registry();
  const SharedSettings settings = SharedSettings::Of(options);

  auto before = IdentifyDirectory(path);
  if (before.ok()) {
    auto it = registry.find(*before);
    // The last handle has gone but its deleter has not closed RocksDB yet:
    // wait for it, or the new open would trip over the old LOCK.
    while (it != registry.end() && it->second.shared.expired()) {
      StoreClosed().wait(lock);
      it = registry.find(*before);
    }
    if (it != registry.end() && (joined = it->second.shared.lock())) {
      const std::string conflict = Conflict(it->second.settings, settings);
      if (!conflict.empty()) {
        return Status::InvalidArgument("cannot open " + path + " again in this process: " +
                                       conflict + "; open it with the same options");
      }
      return joined;
    }
  } else if (!before.status().IsNotFound()) {
    return before.status();
  }

  auto opened = open_new();
  if (!opened.ok()) return opened.status();
  auto id = IdentifyDirectory(path);
  if (!id.ok()) return id.status();  // `opened` closes: nobody shares it yet.

  Store::Rep* rep = opened.value().release();
  const DirectoryId key = *id;
  std::shared_ptr<Store::Rep> shared(rep, [key](Store::Rep* r) {
    std::lock_guard<std::mutex> guard(RegistryMutex());
    auto found = Registry().find(key);
    if (found != Registry().end() && found->second.rep == r) Registry().erase(found);
    delete r;
    StoreClosed().notify_all();
  });
  registry[key] = Entry{rep, shared, settings};
  return shared;
}

size_t OpenStoreCount() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  return Registry().size();
}

}  // namespace authkv::internal
