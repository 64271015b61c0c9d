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
      "  - when no other process has DB open: a RocksDB checkpoint;\n"
      "  - when an app has DB open: a logical copy of every key from one secondary\n"
      "    view into a new authkv database. It holds everything the app had flushed\n"
      "    or logged when the copy started.\n"
      "The backup is built beside DIR and renamed into place only once it is\n"
      "private (DIR 0700, files 0600, whatever the umask), independent of DB (every\n"
      "file is its own copy, never a hard link to a live file), fsynced, and\n"
      "verified like `verify` (block checksums and every record). If verification\n"
      "finds a problem, nothing is left at DIR and the exit code is 1.\n"
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
