// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Atomic creation: a database directory is either absent or complete. A
// process killed at any moment of creating one leaves something the next
// open finishes, and never a directory that is refused forever.
//
// RocksDB creates a database in steps: the directory, its LOCK and info
// LOG, a MANIFEST and then CURRENT naming it, one column family at a time
// (a MANIFEST record each), an OPTIONS file once every family of the open
// exists; authkv then writes meta. Each step can be the last before a kill.
// What is found is told apart by what those steps leave:
//
//   nothing      no directory, or an empty one: create.
//   unfinished   only files RocksDB writes before CURRENT (LOCK, LOG*,
//                MANIFEST-*, *.dbtmp, IDENTITY), so no record can be in it;
//                or a RocksDB database with a family missing that holds no
//                entry in any family. A database without the meta family
//                counts only if every family is one of authkv's and there is
//                no OPTIONS file: a creation cut before RocksDB made meta
//                has none, a finished plain RocksDB database has one.
//   database     CURRENT and every family present (or records in it).
//
// A database whose meta has no schema_version is one more unfinished
// creation when no family holds an entry (the kill came after the families,
// before meta); that is found once it is open (HoldsNoEntry), under
// RocksDB's LOCK. If any family holds an entry it is damage, refused with
// Corruption: a directory that holds records is never created over.
//
// An open that may create (writable, create_if_missing) finishes an
// unfinished creation; every other open sees nothing there (NotFound), the
// same as for a missing directory.
//
// Why in place, and not built in a temporary sibling and renamed into
// place: the directory is often a mount point or one made beforehand with
// its own owner and mode (a container volume), which cannot be renamed
// onto; the parent may not be writable; and the temporaries of killed
// creations would pile up beside the database with nothing to tell whether
// another process is still building one. In place, RocksDB's LOCK makes two
// processes creating one directory take turns, and the registry of open
// stores (open_stores.h) serialises the opens of one process, whatever the
// path's spelling, so a creation is never finished by two writers at once.
//
// Meta is written with sync on whatever Options::sync says: with sync off a
// power cut before the first flush would otherwise lose it. (Were it lost,
// the directory would still be an unfinished creation, finished by the next
// open; syncing means a database that opened once stays complete.)
//
// Thread safety: pure functions of the directory; callers serialise opens.

#ifndef AUTHKV_CORE_SRC_CREATION_H_
#define AUTHKV_CORE_SRC_CREATION_H_

#include <rocksdb/db.h>

#include <span>
#include <string>

#include "authkv/options.h"
#include "authkv/result.h"
#include "authkv/status.h"

namespace authkv::internal {

enum class Found {
  kNothing,     // No directory, or an empty one.
  kUnfinished,  // A creation cut short before its families were all made.
  kDatabase,    // A RocksDB database; its meta decides the rest.
};

// What is at `path`. InvalidArgument for something that is neither (not a
// directory, files that are not RocksDB's, a RocksDB database that is not
// authkv's); VersionMismatch for a family this version does not know; the
// RocksDB error when CURRENT is there but cannot be read.
Result<Found> Examine(const std::string& path);

// The NotFound an open that does not create returns for what Examine found
// not to be a database (or for an unfinished one found after opening).
Status NoDatabase(const std::string& path, bool unfinished);

// Creates `path` owner-only (0700), its missing parents as mkdir -p would,
// and syncs the parent so that the directory survives a power cut.
Status CreateDirectory(const std::string& path);

// Whether no family holds any entry: nothing but a creation wrote here.
Result<bool> HoldsNoEntry(rocksdb::DB* db,
                          std::span<rocksdb::ColumnFamilyHandle* const> families);

// Writes a new database's meta (schema version, email matching) with sync
// on, which finishes its creation.
Status WriteNewMeta(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta_family, EmailMatch match);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_CREATION_H_
