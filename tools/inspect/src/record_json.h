// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Reading the JSON lines of an export: typed access to an object's fields
// on top of the store's strict JSON object parser (json_object.h), and the
// export's header line.
//
// Thread safety: pure functions; a JsonFields is used by one thread.

#ifndef AUTHKV_TOOLS_INSPECT_SRC_RECORD_JSON_H_
#define AUTHKV_TOOLS_INSPECT_SRC_RECORD_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/inspect.h"
#include "json_object.h"

namespace authkv::internal {

// The fields of one JSON object. Every accessor names the field in its
// InvalidArgument, so a bad line says what is wrong with it.
class JsonFields {
 public:
  // InvalidArgument unless `text` is exactly one JSON object.
  static Result<JsonFields> Parse(std::string_view text);

  bool Has(std::string_view name) const;
  // A required string.
  Result<std::string> Text(std::string_view name) const;
  // Absent, null, or a string.
  Result<Nullable<std::string>> NullableText(std::string_view name) const;
  Result<int64_t> Int(std::string_view name) const;
  Result<Nullable<int64_t>> NullableInt(std::string_view name) const;
  Result<uint64_t> Uint(std::string_view name) const;
  Result<bool> Bool(std::string_view name) const;
  // A required string of hex, decoded; `bytes` long unless 0.
  Result<std::string> Hex(std::string_view name, size_t bytes) const;
  // A required nested object.
  Result<JsonFields> Object(std::string_view name) const;
  // InvalidArgument naming the first field not in `known`.
  Status OnlyKnown(std::initializer_list<std::string_view> known) const;

 private:
  explicit JsonFields(std::vector<JsonMember> members) : members_(std::move(members)) {}
  // The raw value of `name`, or an empty view when absent.
  std::string_view Raw(std::string_view name) const;

  std::vector<JsonMember> members_;
};

// The first line of an NDJSON export.
struct ExportHeader {
  uint32_t schema_version = 0;
  EmailMatch email_match = EmailMatch::kCaseInsensitive;
};
inline constexpr std::string_view kExportFormatName = "authkv-export";
inline constexpr int64_t kExportFormatVersion = 1;

std::string ExportHeaderJson(const ExportHeader& header);
// InvalidArgument unless `fields` is a header line of a format version this
// code reads.
Result<ExportHeader> ParseExportHeader(const JsonFields& fields);

}  // namespace authkv::internal

#endif  // AUTHKV_TOOLS_INSPECT_SRC_RECORD_JSON_H_
