// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Inspection of an authkv database from outside the app that owns it: read
// every stored record (decoded and verified), check that the indexes agree
// with the records, rebuild them, export and import, back up. authkv-dump is
// a thin shell over this header, and the crash tests call VerifyDatabase.
//
// Two ways to open a directory (InspectOptions::mode):
//   - kSecondary (for reading): a RocksDB secondary instance with its own
//     private directory, caught up with the primary before reading. It works
//     while an app holds the database open for writing; read-only mode is
//     racy against a live writer and is never used. The view is fixed
//     between Refresh() calls, which is what a snapshot gives: RocksDB
//     secondaries do not support explicit snapshots, and the view only moves
//     when this process asks it to.
//   - kPrimary (for writing: import, repair, backup by checkpoint): an
//     ordinary open that takes the database's lock. Busy, saying "database
//     is open in another process", if an app has it open. Reads come from
//     one RocksDB snapshot taken at open (or at Refresh()).
//
// Every stored value is checked: its envelope checksum, then the
// FlatBuffers verifier, then that its key matches its fields. A record that
// fails is reported to a ProblemSink and skipped; the operation goes on.
//
// Thread safety: an Inspector is used from one thread at a time. The free
// functions are safe to call concurrently on different directories.

#ifndef AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_INSPECT_H_
#define AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_INSPECT_H_

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "authkv/options.h"
#include "authkv/records.h"
#include "authkv/result.h"
#include "authkv/status.h"

namespace authkv {

// --- Records as stored ------------------------------------------------------

enum class RecordKind : uint8_t {
  kUser,
  kAccount,
  kSession,
  kVerificationToken,
  kAuthenticator,
};
inline constexpr std::array<RecordKind, 5> kAllRecordKinds = {
    RecordKind::kUser, RecordKind::kAccount, RecordKind::kSession, RecordKind::kVerificationToken,
    RecordKind::kAuthenticator};

// "user", "account", "session", "verification_token", "authenticator".
std::string_view RecordKindName(RecordKind kind);
// The column family the kind is stored in: "users", "accounts", ...
std::string_view RecordFamilyName(RecordKind kind);

// An account as it is on disk. With Options::token_keys the store encrypts
// its OAuth tokens at rest: they are absent from `account` and
// `sealed_tokens` holds them. Without the keys this layer cannot open them,
// so it carries the sealed bytes as they are.
struct StoredAccount {
  Account account;
  std::string sealed_tokens;  // Empty unless the tokens are encrypted.

  friend bool operator==(const StoredAccount&, const StoredAccount&) = default;
};

// A session as it is on disk: the store keeps only the SHA-256 digest of the
// token, so this is all that can be shown, exported or moved.
struct StoredSession {
  std::string token_sha256;  // 32 raw bytes; the session's key.
  std::string user_id;
  int64_t expires_ms = 0;

  friend bool operator==(const StoredSession&, const StoredSession&) = default;
};

// A verification token as it is on disk (digest only, like a session).
struct StoredVerificationToken {
  std::string identifier;
  std::string token_sha256;  // 32 raw bytes.
  int64_t expires_ms = 0;

  friend bool operator==(const StoredVerificationToken&, const StoredVerificationToken&) = default;
};

using Record =
    std::variant<User, StoredAccount, StoredSession, StoredVerificationToken, Authenticator>;

RecordKind KindOf(const Record& record);
// The key the record is stored under in its family.
std::string RecordKey(const Record& record);
// The id of the user the record belongs to; "" for users and tokens.
std::string_view RecordOwner(const Record& record);
// Whether the record is a session or verification token past its expiry
// (records.h's IsExpired); users, accounts and authenticators never are.
bool IsExpired(const Record& record, int64_t now_ms);

// Decodes the value stored under `key` in `kind`'s family: checks the
// envelope checksum, runs the FlatBuffers verifier and checks the key
// matches the fields. Corruption with the reason otherwise.
Result<Record> DecodeRecord(RecordKind kind, std::string_view key, std::string_view value);

// The digest a session or verification token is stored under: 32 raw bytes
// of SHA-256(token).
std::string TokenDigest(std::string_view token);

// --- Formatting helpers shared by the tool and the exports -------------------

// Lowercase hex of `bytes`.
std::string HexString(std::string_view bytes);
// "2023-11-14T22:13:20.123Z" (UTC, always with milliseconds).
std::string FormatIsoMillis(int64_t ms);
// FormatIsoMillis of epoch seconds (Account::expires_at); nullopt when the
// seconds do not fit in milliseconds (nothing bounds what a provider sends).
std::optional<std::string> FormatIsoSeconds(int64_t seconds);
// `s` as a JSON string literal, quotes included. Control characters (C0,
// DEL, C1) are escaped, so the output is safe on a terminal; bytes that are
// not UTF-8 are written as \u00XX escapes of each byte so the output stays
// valid JSON.
std::string JsonQuote(std::string_view s);
// `s` made safe to print on a terminal: C0 controls (tab and newline
// included), DEL, C1 controls and bytes that are not UTF-8 become \xNN, so
// a stored value cannot move the cursor or rewrite the screen. Everything
// else, backslashes included, is left as it is.
std::string TerminalSafe(std::string_view s);
// "<redacted:N bytes>": how secrets are shown unless asked for.
std::string RedactedText(size_t bytes);

struct JsonOptions {
  // Print OAuth access, refresh and id tokens as they are; otherwise each is
  // RedactedText(size). Default: false.
  bool show_secrets = false;
};

// One record as a single-line JSON object, no newline:
//   {"kind":"session","key":"<hex of the stored key>","value":{...}}
// Absent fields are left out, null ones are null; *_ms dates come with an
// ISO-8601 copy beside them (which RecordFromJson ignores).
std::string RecordToJson(const Record& record, const JsonOptions& options);
// Parses a line RecordToJson wrote (with secrets shown). InvalidArgument,
// naming the field, on anything else; a "key", when present, must match the
// record. Redacted secrets are refused, so a redacted listing cannot be
// imported as if it were an export by mistake.
Result<Record> RecordFromJson(std::string_view line);

// --- Problems and progress --------------------------------------------------

// Something wrong with one record, index entry or input line.
struct Problem {
  // "<family>/<key-hex>", "line 12", "sqlite user row 3", ...
  std::string where;
  std::string reason;

  // A problem with the entry under `key` in column family `family`.
  static Problem AtKey(std::string_view family, std::string_view key, std::string reason);
  // "<where>: <reason>".
  std::string ToString() const;
};
// Receives each problem as it is found; may be empty (problems are dropped).
using ProblemSink = std::function<void(const Problem&)>;
// Called now and then during long operations with what is being done and
// how many items are done; may be empty.
using ProgressFn = std::function<void(std::string_view what, uint64_t done)>;

// --- Opening ------------------------------------------------------------------

enum class OpenMode {
  kSecondary,  // Read while another process writes (see the file comment).
  kPrimary,    // Exclusive, for writing.
};

struct InspectOptions {
  // Default: kSecondary.
  OpenMode mode = OpenMode::kSecondary;
  // Directory for the secondary instance's own files (kSecondary only).
  // Default: "", meaning a private directory under $TMPDIR (or /tmp) that is
  // removed when the Inspector closes.
  std::string secondary_dir;
  // For Salvage, which opens a copy of a damaged database (kPrimary only):
  // replay the write-ahead log past its damaged records, skipping each, and
  // describe each one to this function ("write-ahead log .../000012.log:
  // checksum mismatch, 3072 bytes unreadable"). Empty (the default): refuse
  // to open past anything but a torn tail, as the store does.
  std::function<void(const std::string& damage)> skip_damaged_log_records;
};

// What a user has: the answer of Inspector::GetUserTree.
struct UserTree {
  User user;
  std::vector<StoredAccount> accounts;
  std::vector<StoredSession> sessions;
  std::vector<Authenticator> authenticators;
};

struct FamilyStats {
  std::string name;
  uint64_t keys = 0;
  uint64_t bytes = 0;      // Keys plus values as stored, uncompressed.
  uint64_t sst_bytes = 0;  // Table files on disk (compressed).
};

struct Stats {
  uint32_t schema_version = 0;
  EmailMatch email_match = EmailMatch::kCaseInsensitive;
  // Records that decode, per kind (indexed by RecordKind).
  std::array<uint64_t, 5> records{};
  // Sessions and verification tokens past their expiry, still stored.
  uint64_t expired_sessions = 0;
  uint64_t expired_verification_tokens = 0;
  std::vector<FamilyStats> families;  // Every column family, in layout order.
};

struct VerifyOptions {
  // Rewrite the index families (users_by_email, user_links, expiry) so they
  // match the records: add what is missing, drop what points nowhere.
  // REQUIRES: a kPrimary Inspector. Default: false.
  bool repair = false;
  ProgressFn progress;
};

struct VerifyReport {
  // What is wrong; after a repair, what is still wrong (corrupt values,
  // orphans, duplicate emails: things an index rebuild cannot fix).
  std::vector<Problem> problems;
  uint64_t files = 0;          // Table files whose block checksums were checked.
  uint64_t records = 0;        // Record values checked.
  uint64_t index_entries = 0;  // Index entries checked.
  uint64_t repaired = 0;       // Index entries written or deleted by repair.

  bool ok() const { return problems.empty(); }
};

enum class ExportFormat {
  // Lossless: a header line, then one RecordToJson line per record (with
  // secrets), users, accounts, sessions, verification tokens,
  // authenticators, each in key order. ReadExport reads it back.
  kNdjson,
  // PostgreSQL DDL and INSERTs in the table layout of the official Auth.js
  // PostgreSQL adapter (users, accounts, sessions, verification_token).
  // Users and accounts only: sessions and verification tokens exist only as
  // digests, which that adapter cannot use, so users sign in again.
  kPostgresSql,
};

class Inspector {
 public:
  // Opens the authkv database in `path`. Errors: NotFound if there is no
  // such directory; InvalidArgument if it is not an authkv database;
  // VersionMismatch if a newer authkv wrote it; Busy (kPrimary) if another
  // process has it open; IOError.
  static Result<std::unique_ptr<Inspector>> Open(const std::string& path,
                                                 const InspectOptions& options);

  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;
  ~Inspector();

  const std::string& path() const;
  OpenMode mode() const;
  uint32_t schema_version() const;
  EmailMatch email_match() const;

  // Moves the view to the database's current state: catches the secondary
  // up with the primary (retrying transient IOErrors), or takes a new
  // snapshot (kPrimary).
  Status Refresh();

  // Calls `fn` for each record of `kind` in key order until it returns
  // false. Values that fail to decode go to `problems` and are skipped.
  Status Scan(RecordKind kind, const std::function<bool(const Record&)>& fn,
              const ProblemSink& problems);
  // Every raw key and value of `kind`'s family, undecoded, in key order.
  Status ScanRaw(RecordKind kind,
                 const std::function<bool(std::string_view key, std::string_view value)>& fn);

  // Point reads from the view. NotFound if missing; Corruption if the value
  // is bad. GetUserByEmail goes through the email index like the store.
  Result<User> GetUser(std::string_view id);
  Result<User> GetUserByEmail(std::string_view email);
  Result<StoredAccount> GetAccount(std::string_view provider, std::string_view provider_account_id);
  // The session whose raw token is `token` (looked up by its digest).
  Result<StoredSession> GetSession(std::string_view token);
  // A user with its accounts, sessions and authenticators, found through
  // the user_links index. Children that fail to read go to `problems`.
  Result<UserTree> GetUserTree(std::string_view user_id, const ProblemSink& problems);

  // Counts, sizes and expired records; reads every record.
  Result<Stats> GetStats(int64_t now_ms, const ProblemSink& problems);

  // Checks the block checksums of every table file (a damaged one is a
  // problem at "table file <path>"), then every record and every index
  // entry. A kSecondary Inspector that
  // finds problems catches up and checks again (twice at most) before it
  // reports them, so a view caught mid-flush is not taken for damage.
  Result<VerifyReport> Verify(const VerifyOptions& options);

  // Writes every record to `out`. Records that fail to decode, or that the
  // format cannot hold, go to `problems`; the rest is written.
  Status Export(std::ostream& out, ExportFormat format, const ProblemSink& problems,
                const ProgressFn& progress);

  struct Rep;  // Implementation detail, defined in tools/inspect/src.
  Rep& rep() { return *rep_; }

 private:
  explicit Inspector(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// Opens `path` (kSecondary, or kPrimary with options.repair) and verifies it.
// The report lists the problems; the Status is for failures to run at all.
Result<VerifyReport> VerifyDatabase(const std::string& path, const VerifyOptions& options);

// --- Import -----------------------------------------------------------------

// Records to bring into a database, with where each came from (for
// messages): "line 12", "sqlite session row 3", ...
struct ImportItem {
  Record record;
  std::string origin;
};

struct ImportSet {
  // The schema version the records were written by.
  uint32_t schema_version = 0;
  // How the source compared emails, when it says; otherwise
  // ImportOptions::email_match applies.
  std::optional<EmailMatch> email_match;
  std::vector<ImportItem> items;
};

// Reads an NDJSON export. Each bad line goes to `problems` with its line
// number and reading goes on, so one run lists them all; the result is then
// InvalidArgument. VersionMismatch if the export is from a newer schema.
Result<ImportSet> ReadExport(std::istream& in, const ProblemSink& problems);

struct ImportOptions {
  // Email matching for a database the import creates, when the set does
  // not say. Default: kCaseInsensitive.
  EmailMatch email_match = EmailMatch::kCaseInsensitive;
  ProgressFn progress;
};

struct ImportCounts {
  std::array<uint64_t, 5> records{};  // Indexed by RecordKind.
  // The target already held exactly these records (an earlier run of this
  // import wrote them and was killed before it said so): nothing written.
  bool already_imported = false;
};

// Writes `set` into the database at `path`, which must be missing, an empty
// directory, a creation cut short, or an authkv database with no records
// (created or finished otherwise). All records are checked first: field
// limits, duplicate keys and emails, every account, session and
// authenticator's user present in the set. Any problem goes to `problems`
// and nothing is written (InvalidArgument); otherwise everything is written
// in one atomic, synced batch with its index entries. A target that holds
// exactly this set already (a run killed after its write) is left as it is,
// with `already_imported` set; one that holds anything else is refused.
Result<ImportCounts> ImportRecords(const std::string& path, const ImportSet& set,
                                   const ImportOptions& options, const ProblemSink& problems);

// --- Maintenance ------------------------------------------------------------

enum class BackupMethod {
  kCheckpoint,   // RocksDB checkpoint, its hard links replaced by copies.
  kLogicalCopy,  // Every key copied from a secondary view into a new store.
};

// Copies the database at `path` into the new directory `dir` (which must
// not exist) so that the copy is consistent. If no other process has the
// database open, a RocksDB checkpoint; if an app has it open, a logical copy
// from one secondary view. Either way the backup is built inside a private
// directory beside `dir`, then made private (directory 0700, files 0600,
// whatever the umask) and independent (every file its own copy: no hard
// link to a live table file, so damage to the live files cannot reach it),
// fsynced, verified (VerifyDatabase: block checksums and every record) and
// only then renamed into place. Corruption, and nothing at `dir`, if the
// verification finds a problem. Returns which method it used.
Result<BackupMethod> Backup(const std::string& path, const std::string& dir,
                            const ProgressFn& progress);

// What Salvage brought into the new database, and what it could not.
struct SalvageReport {
  // Records written into the new database, indexed by RecordKind.
  std::array<uint64_t, 5> recovered{};
  // What is lost, each with why: a damaged write-ahead log record (named
  // by file, "write-ahead log DB/000012.log"), a table file RocksDB's
  // repair had to set aside ("table file 000015.sst"), a value that fails
  // its checksum or does not decode ("<family>/<key-hex>"), a record the
  // new database cannot hold (a child whose user is lost, a second user
  // with one email).
  std::vector<Problem> lost;
  // Whether the copy could only be read after RocksDB's repair (RepairDB),
  // which rebuilds the file list from the table files it can read. A table
  // file it sets aside loses every entry in it, deletions included, so a
  // record deleted there can be back.
  bool repaired = false;
  // VerifyDatabase of the new database.
  VerifyReport verified;
};

// Brings every intact record of the damaged database at `damaged` into a
// new database at `dir` (which must not exist), and leaves `damaged` as it
// is: RocksDB only ever opens a private copy of its files, made beside
// `dir` and removed at the end. The copy is opened replaying its
// write-ahead log past damaged records, skipping each (a skipped record is
// one lost write; stopping at it instead would lose every write after it);
// if it cannot be opened or read through, RocksDB's repair rebuilds it
// first. Each record is decoded and checked as `verify` checks it, then
// all go through ImportRecords (the checks of `import`; a record it would
// refuse is left out and reported, and the rest imported), and the result
// is verified. Errors: InvalidArgument if `dir` exists; NotFound if
// `damaged` is not a directory; whatever stops the copy, the repair or the
// import.
Result<SalvageReport> Salvage(const std::string& damaged, const std::string& dir,
                              const ProgressFn& progress);

// Store::PurgeExpired(now_ms) on the database at `path`, opened for
// writing: Busy if another process has it open (that process can purge
// itself, see Options::purge_interval_ms).
Result<PurgeResult> PurgeExpiredAt(const std::string& path, int64_t now_ms);

// Opens the database at `path` for writing, which upgrades an older schema
// version (or finishes an interrupted upgrade) in place, and closes it;
// returns the schema version it is at. Busy if another process has it open
// (opening it in the app upgrades it too); FailedPrecondition, changing
// nothing, if two users' emails would become one address.
Result<uint32_t> UpgradeAt(const std::string& path);

}  // namespace authkv

#endif  // AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_INSPECT_H_
