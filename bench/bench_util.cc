// authkv: embedded auth-data store. Licensed under the ISC license.

#include "bench_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <thread>

#include "authkv/store.h"
#include "rocksdb_floor.h"
#include "sqlite_baseline.h"

namespace authkv::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCompleteMarker = "COMPLETE";

// Cache of each engine while a template is loaded (see BuildTemplate).
constexpr size_t kLoadCacheBytes = size_t{1} << 30;

struct Root {
  std::string path;
  bool private_to_process = false;
  std::mutex mu;
  std::vector<std::string> work_dirs;  // Guarded by mu.
};

Root& GetRoot() {
  static Root* root = [] {
    auto* r = new Root;
    const char* tmp = std::getenv("TEST_TMPDIR");
    if (tmp != nullptr && *tmp != '\0') {
      r->path = std::string(tmp) + "/authkv-bench";
    } else {
      r->path = "/tmp/authkv-bench-" + std::to_string(::getpid());
      r->private_to_process = true;
    }
    std::error_code ec;
    fs::create_directories(r->path, ec);
    return r;
  }();
  return *root;
}

Status FsError(const std::string& what, const std::error_code& ec) {
  return Status::IOError(what + ": " + ec.message());
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Loads `dataset` into both engines under `dir` and settles the authkv copy.
// Both loads get caches big enough for the whole data set (the uniqueness
// checks of every create are reads, and at 1M users the default 32 MiB block
// cache makes each one cost milliseconds); cache sizes change nothing on
// disk. The SQLite load runs on its own thread meanwhile and leaves the file
// checkpointed, with no WAL.
Status BuildTemplate(const Dataset& dataset, const std::string& dir, const DatasetFiles& files) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!fs::create_directories(dir, ec)) return FsError("create " + dir, ec);

  const auto start = std::chrono::steady_clock::now();
  Status sqlite_status;
  double sqlite_seconds = 0;
  std::thread sqlite_loader([&] {
    auto sqlite =
        SqliteBaseline::Open(files.sqlite_path, SqliteOptions{.cache_bytes = size_t{1} << 30});
    sqlite_status = sqlite.ok() ? LoadIntoSqlite(dataset, **sqlite) : sqlite.status();
    if (sqlite_status.ok()) sqlite_status = (*sqlite)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite_seconds = SecondsSince(start);
  });

  const int threads = std::max(1u, std::thread::hardware_concurrency());
  Status s;
  {
    Options options;
    options.block_cache_bytes = kLoadCacheBytes;
    auto store = Store::Open(files.authkv_dir, options);
    s = store.ok() ? LoadIntoStore(dataset, **store, threads) : store.status();
  }
  const double loaded = SecondsSince(start);
  if (s.ok()) s = CompactFully(files.authkv_dir);
  const double settled = SecondsSince(start);
  sqlite_loader.join();
  if (!s.ok()) return s;
  if (!sqlite_status.ok()) return sqlite_status;
  std::fprintf(stderr,
               "authkv-bench: %llu users loaded in %.1f s: authkv %.1f s (%d threads) + "
               "compaction %.1f s; SQLite %.1f s alongside\n",
               static_cast<unsigned long long>(dataset.users()), SecondsSince(start), loaded,
               threads, settled - loaded, sqlite_seconds);
  std::ofstream(dir + "/" + kCompleteMarker) << dataset.users() << "\n";
  return Status::OK();
}

}  // namespace

const std::string& BenchRoot() { return GetRoot().path; }

void CleanUpBenchRoot() {
  Root& root = GetRoot();
  std::lock_guard<std::mutex> lock(root.mu);
  std::error_code ec;
  for (const auto& dir : root.work_dirs) fs::remove_all(dir, ec);
  root.work_dirs.clear();
  if (root.private_to_process) fs::remove_all(root.path, ec);
}

Result<DatasetFiles> PrepareTemplate(const Dataset& dataset, bool in_child) {
  char name[64];
  std::snprintf(name, sizeof name, "/dataset-%llu-%016llx",
                static_cast<unsigned long long>(dataset.users()),
                static_cast<unsigned long long>(dataset.seed()));
  const std::string dir = BenchRoot() + name;
  DatasetFiles files{dir + "/authkv", dir + "/sqlite.db"};
  if (fs::exists(dir + "/" + kCompleteMarker)) return files;

  if (!in_child) {
    if (Status s = BuildTemplate(dataset, dir, files); !s.ok()) return s;
    return files;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    Status s = BuildTemplate(dataset, dir, files);
    if (!s.ok()) std::fprintf(stderr, "authkv-bench: %s\n", s.ToString().c_str());
    std::fflush(nullptr);
    ::_exit(s.ok() ? 0 : 1);
  }
  int wstatus = 0;
  if (::waitpid(pid, &wstatus, 0) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Internal("building the template for " + std::to_string(dataset.users()) +
                            " users failed (see stderr)");
  }
  return files;
}

std::string NewWorkDir(const std::string& label) {
  Root& root = GetRoot();
  std::lock_guard<std::mutex> lock(root.mu);
  std::string dir = root.path + "/work-" + std::to_string(::getpid()) + "-" + label + "-" +
                    std::to_string(root.work_dirs.size());
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  root.work_dirs.push_back(dir);
  return dir;
}

Status CloneRocksDb(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return FsError("create " + to, ec);
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string target = to + "/" + name;
    if (name.rfind("LOG", 0) == 0) continue;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0) {
      fs::create_hard_link(entry.path(), target, ec);
    } else {
      fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, ec);
    }
    if (ec) return FsError("clone " + entry.path().string(), ec);
  }
  if (ec) return FsError("list " + from, ec);
  return Status::OK();
}

Status CopyFile(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return FsError("copy " + from, ec);
  return Status::OK();
}

Status Preread(const std::string& path) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path());
    }
  } else {
    files.emplace_back(path);
  }
  if (ec) return FsError("list " + path, ec);
  std::vector<char> buffer(size_t{1} << 20);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::IOError("cannot read " + file.string());
    // The last, partial read ends the loop; its bytes were read all the same.
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()))) {
    }
  }
  return Status::OK();
}

std::vector<uint64_t> TakeUserCountsFlag(int* argc, char** argv, std::vector<uint64_t> defaults) {
  static constexpr std::string_view kFlag = "--authkv_users=";
  std::vector<uint64_t> counts;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, kFlag.size()) != kFlag) {
      argv[kept++] = argv[i];
      continue;
    }
    std::string list(arg.substr(kFlag.size()));
    for (size_t pos = 0; pos <= list.size();) {
      size_t comma = std::min(list.find(',', pos), list.size());
      const std::string item = list.substr(pos, comma - pos);
      char* end = nullptr;
      const unsigned long long n = std::strtoull(item.c_str(), &end, 10);
      if (item.empty() || *end != '\0' || n == 0 || n >= 10000000) {
        std::fprintf(stderr, "%s: bad --authkv_users entry '%s' (1 .. 9999999)\n", argv[0],
                     item.c_str());
        std::exit(2);
      }
      counts.push_back(n);
      pos = comma + 1;
    }
  }
  *argc = kept;
  argv[kept] = nullptr;
  if (counts.empty()) counts = std::move(defaults);
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

RandomRows::RandomRows(uint64_t n, uint64_t seed) : n_(n), state_(seed) { next_ = Draw(); }

uint64_t WarmupReads(uint64_t users) { return std::min<uint64_t>(3 * users, 300000); }

Deadline::Deadline(double seconds)
    : end_(std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(seconds))) {}

LatencySummary Summarize(std::vector<uint32_t>* latencies_ns) {
  LatencySummary out;
  auto& v = *latencies_ns;
  if (v.empty()) return out;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
    return v[i] / 1000.0;
  };
  out.p50_us = at(0.50);
  out.p99_us = at(0.99);
  out.p999_us = at(0.999);
  out.max_us = v.back() / 1000.0;
  out.mean_us = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()) / 1000.0;
  return out;
}

MemoryUsage ReadMemoryUsage() {
  MemoryUsage usage;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    double* field = line.rfind("VmRSS:", 0) == 0   ? &usage.rss_mib
                    : line.rfind("VmHWM:", 0) == 0 ? &usage.hwm_mib
                                                   : nullptr;
    if (field != nullptr) *field = std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB.
  }
  return usage;
}

}  // namespace authkv::bench
