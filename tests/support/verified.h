// authkv tests: the end of every reliability test, that VerifyDatabase
// (tools/inspect) finds nothing wrong with a database: no orphan, no
// dangling or missing index entry, no duplicate email, no bad value.

#ifndef AUTHKV_TESTS_SUPPORT_VERIFIED_H_
#define AUTHKV_TESTS_SUPPORT_VERIFIED_H_

#include <catch2/catch.hpp>

#include <string>

#include "authkv/inspect.h"

namespace authkv::test {

// REQUIREs a clean VerifyDatabase report for the database at `path` (open
// or closed: the inspector reads through a secondary instance).
inline void RequireVerified(const std::string& path) {
  auto report = VerifyDatabase(path, VerifyOptions{});
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  for (const auto& p : report->problems) UNSCOPED_INFO(p.ToString());
  REQUIRE(report->ok());
}

}  // namespace authkv::test

#endif  // AUTHKV_TESTS_SUPPORT_VERIFIED_H_
