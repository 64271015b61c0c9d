// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump export: every record as lossless NDJSON (for import), or as
// PostgreSQL for the official Auth.js PostgreSQL adapter's tables.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {
namespace {

// The export holds OAuth tokens, so --output is written to a new file made
// mode 0600 (mkstemp) in the target's directory and renamed over the
// target once complete: an existing file keeps neither its wider mode nor,
// if the export fails, half of a new export. The destructor removes the
// temporary file unless Commit renamed it.
class PrivateOutput {
 public:
  explicit PrivateOutput(std::string path) : path_(std::move(path)) {}
  ~PrivateOutput() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

  Status Open(std::ofstream* file) {
    const auto slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "./" : path_.substr(0, slash + 1);
    std::string name = dir + ".authkv-export-XXXXXX";
    int fd = ::mkstemp(name.data());
    if (fd < 0) return Status::IOError("cannot create a file in " + dir + ": " + std::strerror(errno));
    ::close(fd);
    temp_ = name;
    file->open(temp_, std::ios::binary | std::ios::trunc);
    if (!*file) return Status::IOError("cannot write " + temp_);
    return Status::OK();
  }

  // Flushes and syncs the file, then renames it over the target.
  Status Commit(std::ofstream* file) {
    file->close();
    if (!*file) return Status::IOError("cannot write " + temp_);
    int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced) return Status::IOError("cannot sync " + temp_ + ": " + std::strerror(errno));
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      return Status::IOError("cannot rename " + temp_ + " to " + path_ + ": " +
                             std::strerror(errno));
    }
    temp_.clear();
    return Status::OK();
  }

 private:
  std::string path_;
  std::string temp_;  // Empty once renamed (or before Open).
};

}  // namespace

int RunExport(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "export",
      "Writes every record, read from one view, to stdout or --output.\n"
      "\n"
      "ndjson (default): lossless, one JSON object per line after a header line;\n"
      "`import` reads it back byte for byte. It includes OAuth tokens in full, so\n"
      "keep it private (--output writes a new file of mode 0600 and renames it\n"
      "over FILE, so an existing FILE ends up 0600 too).\n"
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
  std::optional<PrivateOutput> output;
  if (args.Has("output")) {
    output.emplace(args.Value("output"));
    Status opened = output->Open(&file);
    if (!opened.ok()) return Fail(io, opened);
    out = &file;
  }
  ProblemPrinter problems(io);
  ProgressMeter meter(io);
  Status s = (*inspector)->Export(*out, format, problems.sink(), meter.fn());
  if (s.ok() && output) s = output->Commit(&file);
  if (!s.ok()) return Fail(io, s);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
