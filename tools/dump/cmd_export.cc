// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump export: every record as lossless NDJSON (for import), or as
// PostgreSQL for the official Auth.js PostgreSQL adapter's tables.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {
namespace {

// The export holds OAuth tokens: the file is created readable by its owner
// only, whatever the umask.
Status CreatePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  ::close(fd);
  return Status::OK();
}

}  // namespace

int RunExport(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "export",
      "Writes every record, read from one view, to stdout or --output.\n"
      "\n"
      "ndjson (default): lossless, one JSON object per line after a header line;\n"
      "`import` reads it back byte for byte. It includes OAuth tokens in full, so\n"
      "keep it private (--output creates the file mode 0600).\n"
      "\n"
      "sql: PostgreSQL DDL and INSERTs in the table layout of the official Auth.js\n"
      "PostgreSQL adapter (users, accounts, sessions, verification_token). Sessions\n"
      "and verification tokens are left out, and the file says why: authkv keeps\n"
      "only their SHA-256 digests, which the adapter cannot use, so users sign in\n"
      "again after the move. Load with psql -v ON_ERROR_STOP=1 -f FILE.",
      {{"DB", "the authkv database directory"}},
      {{"format", "FORMAT", "ndjson (default) or sql"},
       {"output", "FILE", "write here instead of stdout"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  const std::string format_name = args.Value("format", "ndjson");
  ExportFormat format;
  if (format_name == "ndjson") {
    format = ExportFormat::kNdjson;
  } else if (format_name == "sql") {
    format = ExportFormat::kPostgresSql;
  } else {
    return UsageError(io, kSpec.name, "unknown format '" + format_name + "' (ndjson or sql)");
  }
  auto inspector = OpenForReading(args.Positional(0));
  if (!inspector.ok()) return Fail(io, inspector.status());

  std::ofstream file;
  std::ostream* out = &io.out;
  if (args.Has("output")) {
    const std::string path = args.Value("output");
    Status created = CreatePrivateFile(path);
    if (!created.ok()) return Fail(io, created);
    file.open(path, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(io, Status::IOError("cannot write " + path));
    out = &file;
  }
  ProblemPrinter problems(io);
  ProgressMeter meter(io);
  Status s = (*inspector)->Export(*out, format, problems.sink(), meter.fn());
  if (!s.ok()) return Fail(io, s);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
