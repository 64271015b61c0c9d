// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump salvage: what is intact in a damaged database, brought into a
// new one; the damaged one is left as it is.

#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {
namespace {

void PrintRecovered(const SalvageReport& report, std::ostream& out) {
  constexpr std::string_view kNames[] = {"users", "accounts", "sessions", "verification tokens",
                                         "authenticators"};
  out << "recovered";
  for (size_t i = 0; i < report.recovered.size(); ++i) {
    out << (i ? ", " : " ") << report.recovered[i] << " " << kNames[i];
  }
  out << "\n";
}

}  // namespace

int RunSalvage(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "salvage",
      "Brings every intact record of DB, a damaged database that no longer opens,\n"
      "into the new database DIR, and leaves DB as it is (RocksDB only opens a\n"
      "private copy of its files, made beside DIR and removed at the end; it needs\n"
      "as much free space as DB takes).\n"
      "\n"
      "The copy's write-ahead log is replayed past damaged records, skipping each:\n"
      "a damaged record is one lost write, where stopping at it would lose every\n"
      "write after it. If the copy still cannot be opened or read through, RocksDB's\n"
      "repair rebuilds it from the table files it can read and sets the others\n"
      "aside. Every record is then checked as verify checks it and written into DIR\n"
      "with the checks of import; a record DIR cannot hold (an account, session or\n"
      "authenticator whose user is lost, a second user with one email) is left out.\n"
      "DIR is verified at the end.\n"
      "\n"
      "Prints what was recovered on stdout, and each thing lost on stderr. Exits 0\n"
      "when DIR verifies, 1 otherwise. Writes in the lost parts are gone: if one of\n"
      "them ended a session or used a sign-in link, that session or link is live\n"
      "again in DIR. Stop the app before using DIR in place of DB.",
      {{"DB", "the damaged authkv database directory (read, never written)"},
       {"DIR", "where the salvaged database goes (must not exist)"}},
      {}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  ProgressMeter meter(io);
  auto report = Salvage(args.Positional(0), args.Positional(1), meter.fn());
  if (!report.ok()) return Fail(io, report.status());
  ProblemPrinter problems(io);
  for (const auto& p : report->lost) problems.sink()(p);
  io.out << "salvaged " << args.Positional(0) << " into " << args.Positional(1) << "\n";
  PrintRecovered(*report, io.out);
  io.out << "lost " << report->lost.size()
         << (report->lost.empty() ? "" : " (listed on stderr)") << "\n";
  if (report->repaired) {
    io.out << "RocksDB's repair had to rebuild the copy: a table file it set aside lost "
              "every entry in it, deletions included, so a record deleted there may be back\n";
  }
  if (!report->lost.empty()) {
    io.out << "writes in the lost parts are gone: if one of them ended a session or used a "
              "sign-in link, that session or link is live again in "
           << args.Positional(1) << "\n";
  }
  ProblemPrinter verify_problems(io);
  for (const auto& p : report->verified.problems) verify_problems.sink()(p);
  if (!report->verified.ok()) {
    io.out << "verify found " << report->verified.problems.size() << " problem"
           << (report->verified.problems.size() == 1 ? "" : "s") << " in "
           << args.Positional(1) << "\n";
    return kExitError;
  }
  io.out << "verified " << args.Positional(1) << ": no problems\n";
  return kExitOk;
}

}  // namespace authkv::dump
