// authkv tests: looking at a database directory's files from outside.

#ifndef AUTHKV_TESTS_SUPPORT_FILES_H_
#define AUTHKV_TESTS_SUPPORT_FILES_H_

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_FILES_H_
