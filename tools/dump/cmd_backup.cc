// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump backup: a consistent copy of the database in a new directory.

#include <CLI/CLI.hpp>
#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {

int RunBackup(std::span<const std::string> argv, Io& io) {
  auto app =
      NewCommand("backup",
                 "Copies DB into the new directory DIR, consistently, even while the app runs:\n"
                 "  - when no other process has DB open: a RocksDB checkpoint (table files are\n"
                 "    hard-linked when DIR is on the same file system, so it is fast and small);\n"
                 "  - when an app has DB open: a logical copy of every key from one secondary\n"
                 "    view into a new authkv database, built beside DIR and renamed into place\n"
                 "    when complete. It holds everything the app had flushed or logged when the\n"
                 "    copy started.\n"
                 "DIR opens like any authkv database.");
  std::string db, dir;
  app->add_option("DB", db, "the authkv database directory")->required();
  app->add_option("DIR", dir, "where the copy goes (must not exist)")->required();
  if (auto exit = ParseOrExit(*app, argv, io)) return *exit;
  ProgressMeter meter(io);
  auto method = Backup(db, dir, meter.fn());
  if (!method.ok()) return Fail(io, method.status());
  io.out << "backed up " << db << " to " << dir
         << (*method == BackupMethod::kCheckpoint
                 ? " (RocksDB checkpoint)\n"
                 : " (logical copy: the database is open in another process)\n");
  return kExitOk;
}

}  // namespace authkv::dump
