// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump verify: checks every value and every index entry, prints
// each problem, and is silent when there are none (like sst_dump's check).

#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {

int RunVerify(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "verify",
      "Checks that every value's checksum matches and it decodes; that every index\n"
      "entry (users_by_email, user_links, expiry) points at a record whose fields\n"
      "match; that every record is indexed; and that no account, session or\n"
      "authenticator is without its user. Prints each problem and exits 1 if there\n"
      "is any; prints nothing and exits 0 otherwise. Reads a secondary view, so it\n"
      "works while the app runs.\n"
      "\n"
      "--repair rebuilds the indexes from the records (writes only index entries)\n"
      "and then checks again. It needs the database to itself: stop the app first.\n"
      "When two users claim one email, --repair does not choose between them: it\n"
      "leaves that email's index entry as it is (pointing at one of them, at\n"
      "neither, or missing), prints both user ids, and exits 1. Give all but one\n"
      "of them another email, then run --repair again.",
      {{"DB", "the authkv database directory"}},
      {{"repair", "", "rebuild the indexes from the records"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  ProgressMeter meter(io);
  VerifyOptions options;
  options.repair = args.Has("repair");
  options.progress = meter.fn();
  auto report = VerifyDatabase(args.Positional(0), options);
  if (!report.ok()) return Fail(io, report.status());
  if (report->repaired > 0) {
    io.out << "repaired " << report->repaired << " index entr"
           << (report->repaired == 1 ? "y" : "ies") << "\n";
  }
  ProblemPrinter problems(io);
  for (const auto& p : report->problems) problems.sink()(p);
  return report->ok() ? kExitOk : kExitError;
}

}  // namespace authkv::dump
