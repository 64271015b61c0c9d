// authkv fuzz targets. Licensed under the ISC license.
//
// libFuzzer target for the NDJSON import of `authkv-dump import` (which is
// ReadExport followed by ImportRecords, inspect.h): the input is taken as an
// export file.
//
// Every line also goes to RecordFromJson alone, and a record it accepts must
// serialise again (RecordToJson). The whole input goes to ReadExport, which
// must report a problem for every refusal that is about a line; an accepted
// set goes to ImportRecords into a scratch directory. Then:
//   - refused: for a reason it names (a problem per bad record), and the
//     scratch directory holds no record (it may be missing, empty, or an
//     empty database; "nothing is written");
//   - accepted: the counts add up to the set, the database verifies clean
//     (indexes agree with records), and exporting it again gives back
//     exactly the records that went in.
// The scratch directory is removed after each input, so every input meets
// the same empty target.
//
// Thread safety: libFuzzer runs one input at a time.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/inspect.h"
#include "fuzz_support.h"
#include "temp_dir.h"

namespace {

using authkv::ImportSet;
using authkv::Inspector;
using authkv::OpenMode;

// Holds the import target, scratch->Sub("db"), which exists only while an
// input runs.
authkv::test::TempDir* scratch = nullptr;

const authkv::JsonOptions kShowSecrets{.show_secrets = true};

authkv::InspectOptions Primary() {
  authkv::InspectOptions options;
  options.mode = OpenMode::kPrimary;
  return options;
}

// One line alone, as `authkv-dump get` output pasted into a file would be.
void CheckLine(std::string_view line) {
  auto record = authkv::RecordFromJson(line);
  if (!record.ok()) return;
  const std::string again = authkv::RecordToJson(*record, kShowSecrets);
  AUTHKV_FUZZ_CHECK(!again.empty() && again.front() == '{', "RecordToJson wrote no object");
  (void)authkv::RecordOwner(*record);
}

// Every record of a set as its export line, sorted: a set's identity, since
// an export orders by kind and key while an input may use any order.
std::vector<std::string> Lines(const ImportSet& set) {
  std::vector<std::string> lines;
  lines.reserve(set.items.size());
  for (const auto& item : set.items)
    lines.push_back(authkv::RecordToJson(item.record, kShowSecrets));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Whether the database in `path` holds any record. A missing or empty
// directory holds none; anything else must open as an authkv database.
bool HoldsRecords(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) || std::filesystem::is_empty(path, ec)) return false;
  auto inspector = Inspector::Open(path, Primary());
  AUTHKV_FUZZ_CHECK(inspector.ok(), "a refused import left a directory that is not a database: " +
                                        inspector.status().ToString());
  bool any = false;
  for (auto kind : authkv::kAllRecordKinds) {
    const auto scanned = (*inspector)->ScanRaw(kind, [&](std::string_view, std::string_view) {
      any = true;
      return false;
    });
    AUTHKV_FUZZ_CHECK(scanned.ok(), "scanning the refused import's target: " + scanned.ToString());
  }
  return any;
}

// An accepted import: the database verifies and exports back to the set.
void CheckImported(const std::string& path, const ImportSet& set,
                   const authkv::ImportCounts& counts) {
  const uint64_t total = std::accumulate(counts.records.begin(), counts.records.end(), uint64_t{0});
  AUTHKV_FUZZ_CHECK(total == set.items.size(), "import counted " + std::to_string(total) +
                                                   " records of " +
                                                   std::to_string(set.items.size()));
  auto inspector = Inspector::Open(path, Primary());
  AUTHKV_FUZZ_CHECK(inspector.ok(),
                    "the imported database does not open: " + inspector.status().ToString());
  auto report = (*inspector)->Verify(authkv::VerifyOptions{});
  AUTHKV_FUZZ_CHECK(report.ok(), "verify failed to run: " + report.status().ToString());
  AUTHKV_FUZZ_CHECK(report->ok(), "the imported database does not verify: " +
                                      report->problems.front().ToString());

  std::stringstream exported;
  size_t export_problems = 0;
  const auto exp = (*inspector)
                       ->Export(exported, authkv::ExportFormat::kNdjson,
                                [&](const authkv::Problem&) { ++export_problems; }, {});
  AUTHKV_FUZZ_CHECK(exp.ok() && export_problems == 0,
                    "exporting the imported database: " + exp.ToString());
  auto reread = authkv::ReadExport(exported, {});
  AUTHKV_FUZZ_CHECK(reread.ok(),
                    "reading back the export of an import: " + reread.status().ToString());
  AUTHKV_FUZZ_CHECK(Lines(*reread) == Lines(set),
                    "export after import does not give back the records imported");
  AUTHKV_FUZZ_CHECK(
      reread->email_match == set.email_match.value_or(authkv::ImportOptions{}.email_match),
      "export after import changed the email matching");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Removed by static destruction when libFuzzer exit()s.
  static authkv::test::TempDir dir;
  scratch = &dir;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    CheckLine(std::string_view(text).substr(start, end - start));
    start = end + 1;
  }

  std::istringstream in(text);
  size_t problems = 0;
  auto sink = [&](const authkv::Problem& p) {
    ++problems;
    AUTHKV_FUZZ_CHECK(!p.ToString().empty(), "an empty problem report");
  };
  auto set = authkv::ReadExport(in, sink);
  if (authkv::fuzz::Verbose()) {
    std::printf("ReadExport(%zu bytes) -> %s (%zu problems)\n", size,
                set.status().ToString().c_str(), problems);
  }
  if (!set.ok()) {
    // Line problems make InvalidArgument; the rest (a newer version, an
    // empty input) say so in the status alone.
    AUTHKV_FUZZ_CHECK(!set.status().IsInvalidArgument() || problems > 0 ||
                          text.find_first_not_of("\r\n") == std::string::npos,
                      "ReadExport refused without naming a line: " + set.status().ToString());
    return 0;
  }
  AUTHKV_FUZZ_CHECK(problems == 0, "ReadExport accepted an export it reported problems in");

  const std::string target = scratch->Sub("db");
  problems = 0;
  auto counts = authkv::ImportRecords(target, *set, authkv::ImportOptions{}, sink);
  if (authkv::fuzz::Verbose()) {
    std::printf("ImportRecords(%zu records) -> %s\n", set->items.size(),
                counts.status().ToString().c_str());
  }
  if (counts.ok()) {
    CheckImported(target, *set, *counts);
  } else {
    // Into an empty target, the only reason to refuse is the records, and
    // each bad one is named (as `authkv-dump import` lists them).
    AUTHKV_FUZZ_CHECK(counts.status().IsInvalidArgument() && problems > 0,
                      "import refused without naming a record: " + counts.status().ToString());
    AUTHKV_FUZZ_CHECK(!HoldsRecords(target),
                      "a refused import wrote records: " + counts.status().ToString());
  }
  std::error_code ec;
  std::filesystem::remove_all(target, ec);
  AUTHKV_FUZZ_CHECK(!ec, "cannot reset the scratch directory: " + ec.message());
  return 0;
}
