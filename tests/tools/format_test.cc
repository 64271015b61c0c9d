// authkv tests: the text helpers every output format shares
// (tools/inspect/src/format.cc).

#include <catch2/catch.hpp>
#include <limits>

#include "authkv/inspect.h"

namespace authkv::test {

TEST_CASE("FormatIsoMillis writes UTC with milliseconds for every int64", "[format]") {
  CHECK(FormatIsoMillis(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatIsoMillis(1'700'000'000'123) == "2023-11-14T22:13:20.123Z");
  CHECK(FormatIsoMillis(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatIsoMillis(951'782'400'000) == "2000-02-29T00:00:00.000Z");
  CHECK(FormatIsoMillis(253'402'300'799'999) == "9999-12-31T23:59:59.999Z");
  CHECK(FormatIsoMillis(-62'135'596'800'000) == "0001-01-01T00:00:00.000Z");
  // Beyond std::chrono::year's ±32,767, as far as int64 milliseconds go.
  CHECK(FormatIsoMillis(std::numeric_limits<int64_t>::max()) == "292278994-08-17T07:12:55.807Z");
  CHECK(FormatIsoMillis(std::numeric_limits<int64_t>::min()) == "-292275055-05-16T16:47:04.192Z");
}

TEST_CASE("FormatIsoSeconds is nullopt when the seconds overflow milliseconds", "[format]") {
  CHECK(FormatIsoSeconds(1'700'000'000) == "2023-11-14T22:13:20.000Z");
  CHECK(!FormatIsoSeconds(std::numeric_limits<int64_t>::max() / 1000 + 1));
}

}  // namespace authkv::test
