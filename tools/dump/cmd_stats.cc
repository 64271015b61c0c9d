// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump stats: records per kind, expired sessions and tokens still
// stored, keys and bytes per column family, schema version.

#include <ostream>

#include "dump/commands.h"
#include "dump/dump.h"

namespace authkv::dump {

int RunStats(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "stats",
      "Counts the records of each kind (and the expired sessions and verification\n"
      "tokens still stored), keys and bytes per column family, and shows the schema\n"
      "version. Reads a secondary view, so it works while the app runs.",
      {{"DB", "the authkv database directory"}},
      {{"json", "", "print one JSON object instead of tables"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  auto inspector = OpenForReading(args.Positional(0));
  if (!inspector.ok()) return Fail(io, inspector.status());
  ProblemPrinter problems(io);
  auto stats = (*inspector)->GetStats(NowMillis(), problems.sink());
  if (!stats.ok()) return Fail(io, stats.status());
  PrintStats(*stats, args.Positional(0), args.Has("json"), io.out);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
