// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump import: an NDJSON export, or an Auth.js SQLite database in the
// MikroORM adapter's schema, into an empty authkv database, all or nothing.

#include <fstream>
#include <iostream>

#include "dump/commands.h"
#include "dump/sqlite_source.h"

namespace authkv::dump {
namespace {

void PrintCounts(const ImportCounts& counts, std::ostream& out) {
  constexpr std::string_view kNames[] = {"users", "accounts", "sessions", "verification tokens",
                                         "authenticators"};
  out << (counts.already_imported ? "already imported" : "imported");
  for (size_t i = 0; i < counts.records.size(); ++i) {
    out << (i ? ", " : " ") << counts.records[i] << " " << kNames[i];
  }
  if (counts.already_imported) out << " (an earlier run wrote them; nothing written now)";
  out << "\n";
}

}  // namespace

int RunImport(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "import",
      "Reads FILE (an NDJSON export; - for stdin) or, with --from-sqlite, an Auth.js\n"
      "SQLite database in the MikroORM adapter's default schema (tables user,\n"
      "account, session, verification_token) into DB, which must be new or empty.\n"
      "Every record is checked first, and bad input is listed (with line numbers\n"
      "for NDJSON); nothing is written unless all of it is good, and then all of it\n"
      "is written in one atomic batch. A run that was killed is finished by running\n"
      "the same import again. Session and verification tokens from SQLite\n"
      "are hashed as authkv stores them, so signed-in users stay signed in. Needs the\n"
      "database to itself.",
      {{"DB", "the authkv database directory (created if missing)"},
       {"FILE", "the NDJSON export to read", true}},
      {{"from-sqlite", "FILE", "read this MikroORM SQLite database instead"},
       {"email-match", "MODE",
        "case-insensitive (default) or exact, for a database created from SQLite"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  const bool from_sqlite = args.Has("from-sqlite");
  if (from_sqlite == !args.Positional(1).empty()) {
    return UsageError(io, kSpec.name, "give either FILE or --from-sqlite FILE");
  }
  ImportOptions options;
  if (args.Has("email-match")) {
    const std::string mode = args.Value("email-match");
    if (!from_sqlite) {
      return UsageError(io, kSpec.name, "--email-match applies to --from-sqlite (an export says)");
    }
    if (mode == "exact") {
      options.email_match = EmailMatch::kExact;
    } else if (mode != "case-insensitive") {
      return UsageError(io, kSpec.name, "--email-match is case-insensitive or exact");
    }
  }
  ProblemPrinter problems(io);
  ProgressMeter meter(io);
  options.progress = meter.fn();

  Result<ImportSet> set = Status::Internal("no input read");
  if (from_sqlite) {
    set = ReadMikroOrmSqlite(args.Value("from-sqlite"), problems.sink());
  } else if (args.Positional(1) == "-") {
    set = ReadExport(std::cin, problems.sink());
  } else {
    std::ifstream file(args.Positional(1), std::ios::binary);
    if (!file) return Fail(io, Status::NotFound("cannot read " + args.Positional(1)));
    set = ReadExport(file, problems.sink());
  }
  if (!set.ok()) return Fail(io, set.status());
  auto counts = ImportRecords(args.Positional(0), *set, options, problems.sink());
  if (!counts.ok()) return Fail(io, counts.status());
  PrintCounts(*counts, io.out);
  return kExitOk;
}

}  // namespace authkv::dump
