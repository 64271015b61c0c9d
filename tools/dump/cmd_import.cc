// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump import: an NDJSON export, or an Auth.js SQLite database in the
// MikroORM adapter's schema, into an empty authkv database, all or nothing.

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "dump/commands.h"
#include "dump/sqlite_source.h"

namespace authkv::dump {
namespace {

void PrintCounts(const ImportCounts& counts, std::ostream& out) {
  constexpr std::string_view kNames[] = {"users", "accounts", "sessions", "verification tokens",
                                         "authenticators"};
  out << "imported";
  for (size_t i = 0; i < counts.records.size(); ++i) {
    out << (i ? ", " : " ") << counts.records[i] << " " << kNames[i];
  }
  out << "\n";
}

}  // namespace

int RunImport(std::span<const std::string> argv, Io& io) {
  auto app =
      NewCommand("import",
                 "Reads FILE (an NDJSON export; - for stdin) or, with --from-sqlite, an Auth.js\n"
                 "SQLite database in the MikroORM adapter's default schema (tables user,\n"
                 "account, session, verification_token) into DB, which must be new or empty.\n"
                 "Every record is checked first, and bad input is listed (with line numbers\n"
                 "for NDJSON); nothing is written unless all of it is good, and then all of it\n"
                 "is written in one atomic batch. Session and verification tokens from SQLite\n"
                 "are hashed as authkv stores them, so signed-in users stay signed in. Needs the\n"
                 "database to itself.");
  std::string db, file, sqlite_file, mode = "case-insensitive";
  app->add_option("DB", db, "the authkv database directory (created if missing)")->required();
  auto* export_file = app->add_option("FILE", file, "the NDJSON export to read");
  auto* from_sqlite =
      app->add_option("--from-sqlite", sqlite_file, "read this MikroORM SQLite database instead")
          ->option_text("FILE")
          ->excludes(export_file);
  app->add_option("--email-match", mode,
                  "case-insensitive (default) or exact, for a database created from SQLite")
      ->option_text("MODE")
      ->needs(from_sqlite)
      ->check(CLI::IsMember({"case-insensitive", "exact"}));
  if (auto exit = ParseOrExit(*app, argv, io)) return *exit;
  if (from_sqlite->count() == 0 && file.empty()) {
    return UsageError(io, app->get_name(), "give either FILE or --from-sqlite FILE");
  }
  ImportOptions options;
  if (mode == "exact") options.email_match = EmailMatch::kExact;
  ProblemPrinter problems(io);
  ProgressMeter meter(io);
  options.progress = meter.fn();

  Result<ImportSet> set = Status::Internal("no input read");
  if (from_sqlite->count() > 0) {
    set = ReadMikroOrmSqlite(sqlite_file, problems.sink());
  } else if (file == "-") {
    set = ReadExport(std::cin, problems.sink());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(io, Status::NotFound("cannot read " + file));
    set = ReadExport(in, problems.sink());
  }
  if (!set.ok()) return Fail(io, set.status());
  auto counts = ImportRecords(db, *set, options, problems.sink());
  if (!counts.ok()) return Fail(io, counts.status());
  PrintCounts(*counts, io.out);
  return kExitOk;
}

}  // namespace authkv::dump
