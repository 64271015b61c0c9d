// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Reads an Auth.js SQLite database in the MikroORM adapter's default schema
// (@auth/mikro-orm-adapter's entities: tables user, account, session,
// verification_token; docs/contract.md §4.1) into records authkv can import.
//
// Thread safety: a pure function of the file it reads.

#ifndef AUTHKV_TOOLS_DUMP_SQLITE_SOURCE_H_
#define AUTHKV_TOOLS_DUMP_SQLITE_SOURCE_H_

#include <cstdint>
#include <string>

#include "authkv/inspect.h"

namespace authkv::dump {

// Every row of the four tables as records, in rowid order, each with its
// origin ("sqlite session row 3") for messages:
//   - user: id, name, email, email_verified, image. MikroORM stores '' for a
//     user without an email (its column default); that becomes null.
//   - account: its columns one to one (expires_at in epoch seconds); the
//     row's own id is not kept (authkv keys accounts by provider and
//     provider account id).
//   - session: session_token is the raw cookie value, which authkv never
//     stores: it becomes its SHA-256 digest, the key the store looks it up
//     by, so the session keeps working. The row id is not kept.
//   - verification_token: token is hashed the same way.
// Dates (MikroORM on SQLite writes epoch milliseconds; ISO-8601 text is
// read too) that do not parse, and unreadable rows, go to `problems`; the
// result is then InvalidArgument. Errors: NotFound if the file does not
// exist, InvalidArgument if it is not SQLite or lacks one of the tables.
Result<ImportSet> ReadMikroOrmSqlite(const std::string& path, const ProblemSink& problems);

// A MikroORM datetime column value: an integer of epoch milliseconds, or
// text holding one, or ISO-8601 ("2024-05-01T12:00:00.250Z", a space for the
// T, an optional +HH:MM offset). nullopt when it is neither.
std::optional<int64_t> ParseSqliteDate(std::string_view text);

}  // namespace authkv::dump

#endif  // AUTHKV_TOOLS_DUMP_SQLITE_SOURCE_H_
