// authkv tests: looking at a database directory's files from outside.

#ifndef AUTHKV_TESTS_SUPPORT_FILES_H_
#define AUTHKV_TESTS_SUPPORT_FILES_H_

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace authkv::test {

// Whether any regular file under `dir` (SSTs, WAL, MANIFEST, ...) contains
// the bytes `needle`.
inline bool AnyFileContains(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Whether any file under `dir` has a name ending in `suffix`.
inline bool AnyFileEndsWith(const std::string& dir, const std::string& suffix) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

// The regular files directly in `dir` whose names end in `suffix`
// ("000012.log", ".sst"), as full paths in name order.
inline std::vector<std::string> FilesEndingWith(const std::string& dir,
                                                const std::string& suffix) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found.push_back(entry.path().string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The largest of FilesEndingWith(dir, suffix): the one holding the data.
inline std::string LargestFileEndingWith(const std::string& dir, const std::string& suffix) {
  auto files = FilesEndingWith(dir, suffix);
  REQUIRE(!files.empty());
  return *std::max_element(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::filesystem::file_size(a) < std::filesystem::file_size(b);
  });
}

// Damages `path` in place: inverts every bit of the byte at `offset`.
inline void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  unsigned char byte = 0;
  REQUIRE(::pread(fd, &byte, 1, static_cast<off_t>(offset)) == 1);
  byte = static_cast<unsigned char>(~byte);
  REQUIRE(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)) == 1);
  ::close(fd);
}

// Cuts `path` back to `size` bytes, as a crash mid-append leaves a log.
inline void TruncateFile(const std::string& path, uint64_t size) {
  std::filesystem::resize_file(path, size);
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FILES_H_
