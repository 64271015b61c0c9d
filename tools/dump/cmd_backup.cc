// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump backup: a consistent copy of the database in a new directory.

#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {

int RunBackup(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "backup",
      "Copies DB into the new directory DIR, consistently, even while the app runs:\n"
      "  - when no other process has DB open: a RocksDB checkpoint (table files are\n"
      "    hard-linked when DIR is on the same file system, so it is fast and small);\n"
      "  - when an app has DB open: a logical copy of every key from one secondary\n"
      "    view into a new authkv database, built beside DIR and renamed into place\n"
      "    when complete. It holds everything the app had flushed or logged when the\n"
      "    copy started.\n"
      "DIR opens like any authkv database.",
      {{"DB", "the authkv database directory"}, {"DIR", "where the copy goes (must not exist)"}},
      {}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  ProgressMeter meter(io);
  auto method = Backup(args.Positional(0), args.Positional(1), meter.fn());
  if (!method.ok()) return Fail(io, method.status());
  io.out << "backed up " << args.Positional(0) << " to " << args.Positional(1)
         << (*method == BackupMethod::kCheckpoint
                 ? " (RocksDB checkpoint)\n"
                 : " (logical copy: the database is open in another process)\n");
  return kExitOk;
}

}  // namespace authkv::dump
