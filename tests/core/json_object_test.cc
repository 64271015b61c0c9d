#include "json_object.h"

#include <catch2/catch.hpp>

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
  for (const char* bad : {"", "[]", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
                          "{\"a\":01}", "{\"a\":1} x", "{'a':1}", "{\"a\":tru}",
                          "{\"a\":\"\x01\"}", "{\"a\":1.}", "{\"a\":-}"}) {
    INFO(bad);
    REQUIRE(ParseJsonObject(bad).status().IsInvalidArgument());
  }
}

TEST_CASE("nesting deeper than 64 levels is refused, not a stack overflow", "[json]") {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  REQUIRE(ParseJsonObject(deep).status().IsInvalidArgument());
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

TEST_CASE("a refusal says where the text went wrong", "[json]") {
  auto bad = ParseJsonObject(R"({"a":tru})");
  REQUIRE(bad.status().IsInvalidArgument());
  REQUIRE(std::string(bad.status().message()).find("at byte") != std::string::npos);
  REQUIRE(DecodeJsonString(R"("a\nb")").value() == "a\nb");
  REQUIRE(DecodeJsonString("1").status().IsInvalidArgument());
}

}  // namespace authkv::internal
