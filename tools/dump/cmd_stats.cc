// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump stats: records per kind, expired sessions and tokens still
// stored, keys and bytes per column family, schema version.

#include <CLI/CLI.hpp>
#include <ostream>

#include "dump/commands.h"
#include "dump/dump.h"

namespace authkv::dump {

int RunStats(std::span<const std::string> argv, Io& io) {
  auto app =
      NewCommand("stats",
                 "Counts the records of each kind (and the expired sessions and verification\n"
                 "tokens still stored), keys and bytes per column family, and shows the schema\n"
                 "version. Reads a secondary view, so it works while the app runs.");
  std::string db;
  bool json = false;
  app->add_option("DB", db, "the authkv database directory")->required();
  app->add_flag("--json", json, "print one JSON object instead of tables");
  if (auto exit = ParseOrExit(*app, argv, io)) return *exit;
  auto inspector = OpenForReading(db);
  if (!inspector.ok()) return Fail(io, inspector.status());
  ProblemPrinter problems(io);
  auto stats = (*inspector)->GetStats(NowMillis(), problems.sink());
  if (!stats.ok()) return Fail(io, stats.status());
  PrintStats(*stats, db, json, io.out);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
