#include "json_object.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace authkv::internal {

TEST_CASE("valid JSON objects are split into members", "[json]") {
  auto m = ParseJsonObject(R"( {"role":"admin", "n": -1.5e3, "a":[1,{"b":null}], "t":true} )");
  REQUIRE(m.ok());
  REQUIRE(m->size() == 4);
  REQUIRE((*m)[0].key == "role");
  REQUIRE((*m)[0].raw_value == "\"admin\"");
  REQUIRE((*m)[1].raw_value == "-1.5e3");
  REQUIRE((*m)[2].raw_value == R"([1,{"b":null}])");
}

TEST_CASE("escaped keys are decoded", "[json]") {
  auto m = ParseJsonObject(R"({"r\u00f6le":1,"\ud83d\ude00":2})");
  REQUIRE(m.ok());
  REQUIRE((*m)[0].key == "r\xc3\xb6le");
  REQUIRE((*m)[1].key == "\xf0\x9f\x98\x80");
}

TEST_CASE("anything but one JSON object is refused", "[json]") {
  for (const char* bad :
       {"", "[]", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1} x",
        "{'a':1}", "{\"a\":tru}", "{\"a\":\"\x01\"}", "{\"a\":1.}", "{\"a\":-}"}) {
    INFO(bad);
    REQUIRE(ParseJsonObject(bad).status().IsInvalidArgument());
  }
}

TEST_CASE("nesting deeper than 64 levels is refused, not a stack overflow", "[json]") {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  REQUIRE(ParseJsonObject(deep).status().IsInvalidArgument());
}

TEST_CASE("the 64th level may be an empty container but holds no value", "[json]") {
  // The object is the first level; 63 arrays inside it make 64.
  const std::string open = "{\"a\":" + std::string(63, '[');
  const std::string close = std::string(63, ']') + "}";
  CHECK(ParseJsonObject(open + close).ok());
  CHECK(ParseJsonObject(open + "1" + close).status().IsInvalidArgument());
  CHECK(ParseJsonObject(open + "[]" + close).status().IsInvalidArgument());
  CHECK(ParseJsonObject("{\"a\":" + std::string(62, '[') + "1" + std::string(62, ']') + "}").ok());
}

TEST_CASE("an escaped lone surrogate is taken, as RFC 8259's grammar allows", "[json]") {
  // JSON.stringify writes these for a JavaScript string cut inside a pair.
  auto m = ParseJsonObject(R"({"\ud800":"\udc00x","b":"\ud83d\ude00","c":"\\ud800"})");
  REQUIRE(m.ok());
  CHECK((*m)[0].key == "\xef\xbf\xbd");
  CHECK((*m)[0].raw_key == R"("\ud800")");
  CHECK((*m)[0].raw_value == R"("\udc00x")");
  CHECK(DecodeJsonString(R"("a\udbff")").value() == "a\xef\xbf\xbd");
  // Still an escape of four hex digits.
  CHECK(ParseJsonObject(R"({"a":"\ud8zz"})").status().IsInvalidArgument());
}

TEST_CASE("a byte order mark is not whitespace", "[json]") {
  CHECK(ParseJsonObject("\xef\xbb\xbf{\"a\":1}").status().IsInvalidArgument());
}

TEST_CASE("a number too large for a double is refused", "[json]") {
  // nlohmann::json reads every number it checks; the hand-written parser it
  // replaced took 1e400 without reading it.
  CHECK(ParseJsonObject(R"({"a":1e400})").status().IsInvalidArgument());
  CHECK(ParseJsonObject(R"({"a":1e300})").ok());
}

TEST_CASE("merge replaces keys in place and appends new ones", "[json]") {
  auto merged = MergeJsonObjects(R"({"role":"user","phone":"1"})", R"({"role":"admin","x":[1]})");
  REQUIRE(merged.ok());
  REQUIRE(*merged == R"({"role":"admin","phone":"1","x":[1]})");
  REQUIRE(*MergeJsonObjects("", R"({"a":1})") == R"({"a":1})");
  REQUIRE(*MergeJsonObjects(R"({"a":1})", "") == R"({"a":1})");
  REQUIRE(MergeJsonObjects("{", "").status().IsInvalidArgument());
}

TEST_CASE("merged values keep the text they were written in", "[json]") {
  auto merged = MergeJsonObjects(R"({"big":123456789012345678901234,"f":1.0e5})",
                                 R"({"s":"caf\u00e9 \"x\"","f":-0.50})");
  REQUIRE(merged.ok());
  REQUIRE(*merged == R"({"big":123456789012345678901234,"f":-0.50,"s":"caf\u00e9 \"x\""})");
}

TEST_CASE("a 20-digit integer and 1.0e5 survive a merge byte for byte", "[json]") {
  auto merged =
      MergeJsonObjects(R"({"id":12345678901234567890,"x":0})", R"({"x":1.0e5, "y" : -0.0E-0 })");
  REQUIRE(merged.ok());
  CHECK(*merged == R"({"id":12345678901234567890,"x":1.0e5,"y":-0.0E-0})");
}

TEST_CASE("a merge takes time linear in the members", "[json]") {
  // 50,000 members a side: the scan per member this replaced took seconds.
  constexpr int kMembers = 50'000;
  std::string base = "{", patch = "{";
  for (int i = 0; i < kMembers; ++i) {
    base += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    patch += (i ? ",\"k" : "\"k") + std::to_string(2 * i) + "\":1.0e5";
  }
  base += "}";
  patch += "}";
  const auto start = std::chrono::steady_clock::now();
  auto merged = MergeJsonObjects(base, patch);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  REQUIRE(merged.ok());
  CHECK(ParseJsonObject(*merged)->size() == kMembers + kMembers / 2);
  CHECK(took.count() < 2.0);
}

TEST_CASE("a refusal says where the text went wrong", "[json]") {
  auto bad = ParseJsonObject(R"({"a":tru})");
  REQUIRE(bad.status().IsInvalidArgument());
  REQUIRE(std::string(bad.status().message()).find("at byte") != std::string::npos);
  REQUIRE(DecodeJsonString(R"("a\nb")").value() == "a\nb");
  REQUIRE(DecodeJsonString("1").status().IsInvalidArgument());
}

}  // namespace authkv::internal
