// authkv fuzz targets. Licensed under the ISC license.
//
// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/):
// for the C ABI targets, inputs in each target's framing (see the target's
// file comment) built from core's codec and seed_records.h, so each entry
// point starts with accepted inputs, each kind of refusal, and plain
// garbage; for the NDJSON import, real exports of small databases (written
// by Inspector::Export, one with OAuth tokens sealed at rest) and
// malformed variants of them. Run once after changing a target's framing or
// the records:
//
//   build/tests/fuzz/authkv_fuzz_make_corpus tests/fuzz/corpus
//
// It replaces the three target directories it owns. The sealed export
// differs from run to run (AES-GCM nonces are random); everything else is
// the same bytes every time.
//
// Thread safety: a single-threaded program.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/inspect.h"
#include "authkv/store.h"
#include "codec.h"
#include "input_format.h"
#include "record_fields.h"
#include "seed_records.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace in = authkv::internal;
namespace fz = authkv::fuzz;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "make_corpus: %s\n", what.c_str());
  std::exit(1);
}

void Check(const authkv::Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

// One corpus directory, emptied when opened.
class CorpusDir {
 public:
  CorpusDir(const fs::path& root, const std::string& target) : dir_(root / target) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~CorpusDir() { std::printf("%s: %d inputs\n", dir_.c_str(), count_); }

  void Write(const std::string& name, std::string_view bytes) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) Die("cannot write " + (dir_ / name).string());
    ++count_;
  }

 private:
  fs::path dir_;
  int count_ = 0;
};

// ---- fuzz_c_abi_records: [op + 7 * variant][FlatBuffer] -------------------

using RecordOp = authkv::fuzz::records::Op;
using namespace authkv::fuzz::records;  // Ops and variant bits (input_format.h).
constexpr uint8_t kRecordOps = authkv::fuzz::records::kOpCount;

std::string RecordInput(RecordOp op, const std::string& buffer, uint8_t variant = 0) {
  return std::string(1, static_cast<char>(op + kRecordOps * variant)) + buffer;
}

// The same record as fields (record_fields.h) instead of a FlatBuffer.
template <typename T, typename Writer>
std::string FieldsInput(RecordOp op, const T& record, Writer write, uint8_t variant = 0) {
  fz::InputWriter w;
  write(w, record);
  return RecordInput(op, w.bytes(), variant | kFields);
}

void WriteRecordsCorpus(const fs::path& root) {
  CorpusDir c(root, "fuzz_c_abi_records");

  authkv::User full;
  full.id = "u-full";
  full.name = "Zoë Ünïcode";
  full.email = "Zoe@Example.org";
  full.email_verified_ms = int64_t{1700000000123};
  full.image = "https://example.org/z.png";
  full.extra_json = R"({"role":"user","phone":"+1 555","prefs":{"a":[1,2.5e3,true,null]}})";
  c.Write("user_create-full", RecordInput(kUserCreate, in::EncodeUser(full)));

  authkv::User nulls;
  nulls.id = "u-nulls";
  nulls.name = authkv::Nullable<std::string>::Null();
  nulls.email = authkv::Nullable<std::string>::Null();
  nulls.email_verified_ms = authkv::Nullable<int64_t>::Null();
  nulls.image = authkv::Nullable<std::string>::Null();
  c.Write("user_create-null-fields", RecordInput(kUserCreate, in::EncodeUser(nulls)));

  authkv::User generated;  // Empty id: the store makes a UUIDv7.
  generated.email = "new@example.com";
  c.Write("user_create-generated-id", RecordInput(kUserCreate, in::EncodeUser(generated)));
  c.Write("user_create-generated-id-no-out",
          RecordInput(kUserCreate, in::EncodeUser(generated), kNoOut | kNoErrmsg));

  authkv::User taken;
  taken.id = "u-taken";
  taken.email = "ANN@example.com";  // u1's, in another case.
  c.Write("user_create-email-taken", RecordInput(kUserCreate, in::EncodeUser(taken)));

  authkv::User bad_extra;
  bad_extra.id = "u-bad-extra";
  bad_extra.extra_json = R"(["not","an","object"])";
  c.Write("user_create-extra-not-object", RecordInput(kUserCreate, in::EncodeUser(bad_extra)));

  authkv::User nul_id;
  nul_id.id = std::string("u\0x", 3);
  c.Write("user_create-nul-in-id", RecordInput(kUserCreate, in::EncodeUser(nul_id), kAligned));

  authkv::User patch;
  patch.id = fz::kSeedUserId;
  patch.name = authkv::Nullable<std::string>::Null();
  patch.email = "ann.new@example.com";
  patch.extra_json = R"({"phone":"+44 20"})";
  c.Write("user_update-merge", RecordInput(kUserUpdate, in::EncodeUser(patch)));
  authkv::User missing = patch;
  missing.id = "nobody";
  c.Write("user_update-missing", RecordInput(kUserUpdate, in::EncodeUser(missing)));
  authkv::User steal;
  steal.id = fz::kSeedUser2Id;
  steal.email = fz::kSeedUserEmail;
  c.Write("user_update-email-taken", RecordInput(kUserUpdate, in::EncodeUser(steal)));

  authkv::Account google = fz::SeedAccount();
  google.provider = "google";
  google.provider_account_id = "g-42";
  google.refresh_token = "1//refresh";
  google.id_token = "eyJhbGciOi.id.token";
  google.session_state = "state";
  c.Write("account_link-full", RecordInput(kAccountLink, in::EncodeAccount(google)));
  authkv::Account orphan = google;
  orphan.user_id = "nobody";
  c.Write("account_link-no-user", RecordInput(kAccountLink, in::EncodeAccount(orphan)));
  c.Write("account_link-taken", RecordInput(kAccountLink, in::EncodeAccount(fz::SeedAccount())));
  authkv::Account sealed = google;
  sealed.access_token = {};
  c.Write("account_link-sealed-tokens",
          RecordInput(kAccountLink,
                      in::EncodeAccount(sealed, std::string("\x07\0\0\0nonce+ct+tag", 16))));

  authkv::Account token_patch;
  token_patch.provider = fz::kSeedProvider;
  token_patch.provider_account_id = fz::kSeedProviderAccountId;
  token_patch.access_token = "gho_refreshed";
  token_patch.expires_at = authkv::Nullable<int64_t>::Null();
  c.Write("account_update-tokens", RecordInput(kAccountUpdate, in::EncodeAccount(token_patch)));
  authkv::Account other_user = token_patch;
  other_user.user_id = fz::kSeedUser2Id;
  c.Write("account_update-other-user", RecordInput(kAccountUpdate, in::EncodeAccount(other_user)));

  const authkv::Session session{"sess-new", fz::kSeedUserId, fz::kFarFutureMs};
  c.Write("session_create", RecordInput(kSessionCreate, in::EncodeSession(session, true)));
  c.Write("session_create-aligned",
          RecordInput(kSessionCreate, in::EncodeSession(session, true), kAligned | kNoOut));
  const authkv::Session no_user{"sess-x", "nobody", fz::kFarFutureMs};
  c.Write("session_create-no-user", RecordInput(kSessionCreate, in::EncodeSession(no_user, true)));
  c.Write("session_create-without-token",
          RecordInput(kSessionCreate, in::EncodeSession(session, false)));

  const authkv::VerificationToken vt{"bob@example.com", "9f86d081884c7d65", fz::kFarFutureMs};
  c.Write("verification_token_create",
          RecordInput(kVerificationTokenCreate, in::EncodeVerificationToken(vt, true)));
  c.Write("verification_token_create-taken",
          RecordInput(kVerificationTokenCreate,
                      in::EncodeVerificationToken(fz::SeedVerificationToken(), true)));

  authkv::Authenticator auth = fz::SeedAuthenticator();
  auth.credential_id = "bmV3LWNyZWQ=";
  auth.provider_account_id = auth.credential_id;
  auth.transports = authkv::Nullable<std::string>::Null();
  c.Write("authenticator_create", RecordInput(kAuthenticatorCreate, in::EncodeAuthenticator(auth)));
  c.Write("authenticator_create-taken",
          RecordInput(kAuthenticatorCreate, in::EncodeAuthenticator(fz::SeedAuthenticator())));

  // The same kinds of record as fields, for the structure-aware half.
  c.Write("fields-user_create", FieldsInput(kUserCreate, full, fz::WriteUserFields));
  c.Write("fields-user_create-nulls",
          FieldsInput(kUserCreate, nulls, fz::WriteUserFields, kAligned));
  c.Write("fields-user_update", FieldsInput(kUserUpdate, patch, fz::WriteUserFields));
  authkv::User bad_name = full;
  bad_name.id = "u-bad-name";
  bad_name.name = "\xc0\xaf overlong";
  c.Write("fields-user_create-bad-utf8", FieldsInput(kUserCreate, bad_name, fz::WriteUserFields));
  c.Write("fields-account_link", FieldsInput(kAccountLink, google, fz::WriteAccountFields));
  c.Write("fields-account_update",
          FieldsInput(kAccountUpdate, token_patch, fz::WriteAccountFields));
  c.Write("fields-session_create", FieldsInput(kSessionCreate, session, fz::WriteSessionFields));
  c.Write("fields-verification_token_create",
          FieldsInput(kVerificationTokenCreate, vt, fz::WriteVerificationTokenFields));
  c.Write("fields-authenticator_create",
          FieldsInput(kAuthenticatorCreate, auth, fz::WriteAuthenticatorFields, kNoOut));

  // Refusals before the store: truncated, another record's identifier,
  // an empty buffer, garbage.
  const std::string user_bytes = in::EncodeUser(full);
  c.Write("garbage-truncated-user",
          RecordInput(kUserCreate, user_bytes.substr(0, user_bytes.size() / 2)));
  c.Write("garbage-session-as-user", RecordInput(kUserCreate, in::EncodeSession(session, true)));
  c.Write("garbage-empty", RecordInput(kAuthenticatorCreate, ""));
  c.Write("garbage-identifier-only", RecordInput(kAccountLink, std::string("\x08\0\0\0AKAC", 8)));
  std::string flipped = in::EncodeAuthenticator(auth);
  flipped[0] = static_cast<char>(0xff);  // Root offset past the end.
  c.Write("garbage-bad-root-offset", RecordInput(kAuthenticatorCreate, flipped));
}

// ---- fuzz_c_abi_strings: [op][flags][number?][len][first][rest] -------------

using StringOp = authkv::fuzz::strings::Op;
namespace sops = authkv::fuzz::strings;  // Ops and flag bits (input_format.h).

std::string OneString(StringOp op, std::string_view s, uint8_t flags = 0) {
  return fz::InputWriter().Byte(op).Byte(flags).Rest(s).bytes();
}

std::string TwoStrings(StringOp op, std::string_view a, std::string_view b, uint8_t flags = 0) {
  return fz::InputWriter().Byte(op).Byte(flags).ShortString(a).Rest(b).bytes();
}

std::string WithNumber(StringOp op, uint64_t number, std::string_view s) {
  return fz::InputWriter().Byte(op).Byte(0).U64(number).Rest(s).bytes();
}

void WriteStringsCorpus(const fs::path& root) {
  CorpusDir c(root, "fuzz_c_abi_strings");
  c.Write("user_get", OneString(sops::kUserGet, fz::kSeedUserId));
  c.Write("user_get-missing", OneString(sops::kUserGet, "u9"));
  c.Write("user_get-nul", OneString(sops::kUserGet, std::string_view("u1\0", 3)));
  c.Write("user_get-bad-utf8", OneString(sops::kUserGet, "\xc3\x28\xff"));
  c.Write("user_get-empty", OneString(sops::kUserGet, ""));
  c.Write("user_get-null-pointer", OneString(sops::kUserGet, fz::kSeedUserId, sops::kNullFirst));
  c.Write("user_get-long", OneString(sops::kUserGet, std::string(1100, 'k')));
  c.Write("user_get_by_email-case", OneString(sops::kUserGetByEmail, "ANN@Example.COM"));
  c.Write("user_get_by_account",
          TwoStrings(sops::kUserGetByAccount, fz::kSeedProvider, fz::kSeedProviderAccountId));
  c.Write("user_get_by_account-null-second",
          TwoStrings(sops::kUserGetByAccount, fz::kSeedProvider, "x", sops::kNullSecond));
  c.Write("user_delete", OneString(sops::kUserDelete, fz::kSeedUser2Id, sops::kNoOut));
  c.Write("account_get", TwoStrings(sops::kAccountGet, fz::kSeedProvider, fz::kSeedProviderAccountId));
  c.Write("account_unlink",
          TwoStrings(sops::kAccountUnlink, fz::kSeedProvider, fz::kSeedProviderAccountId));
  c.Write("session_and_user_get", OneString(sops::kSessionAndUserGet, fz::kSeedSessionToken));
  c.Write("session_and_user_get-expired",
          OneString(sops::kSessionAndUserGet, fz::kSeedExpiredSessionToken, sops::kNoErrmsg));
  c.Write("session_and_user_get_into",
          WithNumber(sops::kSessionAndUserGetInto, 1023, fz::kSeedSessionToken));
  c.Write("session_and_user_get_into-small",
          WithNumber(sops::kSessionAndUserGetInto, 16, fz::kSeedSessionToken));
  c.Write("session_update", WithNumber(sops::kSessionUpdate, 4102444900000, fz::kSeedSessionToken));
  c.Write("session_update-negative",
          WithNumber(sops::kSessionUpdate, static_cast<uint64_t>(INT64_MIN), fz::kSeedSessionToken));
  c.Write("session_delete", OneString(sops::kSessionDelete, fz::kSeedSessionToken));
  c.Write("verification_token_use",
          TwoStrings(sops::kVerificationTokenUse, fz::kSeedTokenIdentifier, fz::kSeedToken));
  c.Write("verification_token_use-other-identifier",
          TwoStrings(sops::kVerificationTokenUse, "eve@example.com", fz::kSeedToken));
  c.Write("authenticator_get", OneString(sops::kAuthenticatorGet, fz::kSeedCredentialId));
  c.Write("authenticator_list_by_user", OneString(sops::kAuthenticatorListByUser, fz::kSeedUserId));
  c.Write("authenticator_list_by_user-unknown", OneString(sops::kAuthenticatorListByUser, "nobody"));
  c.Write("authenticator_update_counter",
          WithNumber(sops::kAuthenticatorUpdateCounter, 5, fz::kSeedCredentialId));
}

// ---- fuzz_ndjson_import: export files ---------------------------------------

// Fills a store with every kind of record, null and absent fields included.
void Populate(authkv::Store& store) {
  for (const auto& user : fz::SeedUsers()) Check(store.CreateUser(user).status(), "user");
  authkv::User carol;
  carol.id = "u3";
  carol.name = "Carol \"quoted\" \\ back\tslash";
  carol.email = "carol@example.net";
  carol.image = "https://example.net/c.png";
  Check(store.CreateUser(carol).status(), "user");
  Check(store.LinkAccount(fz::SeedAccount()).status(), "account");
  authkv::Account email;
  email.user_id = "u3";
  email.type = "email";
  email.provider = "nodemailer";
  email.provider_account_id = "carol@example.net";
  Check(store.LinkAccount(email).status(), "account");
  for (const auto& session : fz::SeedSessions())
    Check(store.CreateSession(session).status(), "session");
  Check(store.CreateVerificationToken(fz::SeedVerificationToken()).status(), "token");
  Check(store.CreateAuthenticator(fz::SeedAuthenticator()).status(), "authenticator");
}

std::string ExportOf(const authkv::Options& options) {
  authkv::test::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto store = authkv::Store::Open(path, options);
    Check(store.status(), "open a store to export");
    Populate(**store);
  }
  authkv::InspectOptions inspect;
  inspect.mode = authkv::OpenMode::kPrimary;
  auto inspector = authkv::Inspector::Open(path, inspect);
  Check(inspector.status(), "open the store for export");
  std::ostringstream out;
  Check((*inspector)->Export(out, authkv::ExportFormat::kNdjson, {}, {}), "export");
  return out.str();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines, const char* eol = "\n") {
  std::string text;
  for (const auto& line : lines) text += line + eol;
  return text;
}

// The first line of `lines` that starts a record of `kind`.
size_t FindKind(const std::vector<std::string>& lines, const std::string& kind) {
  const std::string prefix = "{\"kind\":\"" + kind + "\"";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(prefix, 0) == 0) return i;
  }
  Die("the export has no " + kind);
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) Die("cannot find " + from);
  return text.replace(at, from.size(), to);
}

void WriteNdjsonCorpus(const fs::path& root) {
  CorpusDir c(root, "fuzz_ndjson_import");
  const std::string plain = ExportOf(authkv::Options{});
  authkv::Options sealed_options;
  sealed_options.token_keys.push_back(authkv::TokenKey{3, std::string(32, 'k')});
  const std::string sealed = ExportOf(sealed_options);
  authkv::Options exact_options;
  exact_options.email_match = authkv::EmailMatch::kExact;
  const std::string exact = ExportOf(exact_options);
  c.Write("export-plain.ndjson", plain);
  c.Write("export-sealed-tokens.ndjson", sealed);
  c.Write("export-email-exact.ndjson", exact);

  const auto lines = SplitLines(plain);
  const std::string& header = lines.at(0);
  const std::string& user = lines.at(FindKind(lines, "user"));
  const std::string& account = lines.at(FindKind(lines, "account"));
  c.Write("header-only.ndjson", header + "\n");
  c.Write("crlf.ndjson", JoinLines(lines, "\r\n"));
  c.Write("no-header.ndjson", JoinLines({lines.begin() + 1, lines.end()}));
  c.Write("two-headers.ndjson", JoinLines({header, header, user}));
  c.Write("newer-schema.ndjson",
          Replaced(header, "\"schema_version\":1", "\"schema_version\":99") + "\n" + user + "\n");
  c.Write("other-format.ndjson", Replaced(header, "authkv-export", "other") + "\n");
  c.Write("truncated.ndjson", plain.substr(0, plain.size() - 25));
  c.Write("duplicate-user.ndjson", JoinLines({header, user, user}));
  c.Write("orphan-account.ndjson", JoinLines({header, account}));
  c.Write(
      "redacted-secret.ndjson",
      JoinLines({header, user, Replaced(account, "gho_seedaccesstoken", "<redacted:19 bytes>")}));
  c.Write("key-mismatch.ndjson",
          JoinLines({header, Replaced(user, "\"id\":\"u1\"", "\"id\":\"u9\"")}));
  c.Write("unknown-field.ndjson", JoinLines({header, Replaced(user, "\"name\":", "\"nick\":")}));
  c.Write("bad-utf8.ndjson", JoinLines({header, Replaced(user, "Ann", "A\xff\xfe")}));
  c.Write("lone-surrogate.ndjson", JoinLines({header, Replaced(user, "Ann", "A\\ud800n")}));
  c.Write(
      "deep-extra-json.ndjson",
      JoinLines({header, Replaced(user, R"(\"role\":\"admin\")",
                                  R"(\"deep\":)" + std::string(70, '[') + std::string(70, ']'))}));
  c.Write("not-json.ndjson", header + "\n{\"kind\":\"user\",\"key\":\n\x01\x02garbage\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT   (normally tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path root(argv[1]);
  WriteRecordsCorpus(root);
  WriteStringsCorpus(root);
  WriteNdjsonCorpus(root);
  return 0;
}
