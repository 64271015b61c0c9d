// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The one description of which entries a record owns. For each record kind,
// one function gives the record's key in its own family and every index
// entry that belongs to it; the store's writes and deletes, the inspection
// library's verify, repair and import all place records through these, so
// no two of them can disagree on the layout (keys.h builds the keys; the
// table of families is in README.md, "Key layout").
//
// A Placement says where, not what: the record's FlatBuffer is the
// caller's, because only the store can encrypt tokens. PutPlaced seals it in
// its envelope (codec.h) with the key it is put under, so no caller can seal
// a value for one key and store it under another.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_LAYOUT_H_
#define AUTHKV_CORE_SRC_LAYOUT_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/options.h"
#include "authkv/records.h"
#include "keys.h"

namespace authkv::internal {

using FamilyHandles = std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount>;

// One entry a record has outside its own family.
struct IndexEntry {
  Family family;
  std::string key;
  std::string value;

  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

// Everything one record owns.
struct Placement {
  Family family = Family::kDefault;  // The record's own family...
  std::string key;                   // ...and its key there.
  std::vector<IndexEntry> index;
};

// The families that hold only index entries, in layout order.
inline constexpr std::array<Family, 3> kIndexFamilies = {Family::kUsersByEmail,
                                                         Family::kUserLinks, Family::kExpiry};

// The email index key of `user`, or "" when the user has no email.
std::string EmailIndexKey(const User& user, EmailMatch match);

Placement PlaceUser(const User& user, EmailMatch match);
Placement PlaceAccount(std::string_view provider, std::string_view provider_account_id,
                       std::string_view user_id);
// `session_key` is SessionKey(token): the token itself is never stored.
Placement PlaceSession(std::string_view session_key, std::string_view user_id,
                       int64_t expires_ms);
// `token_key` is VerificationTokenKey(identifier, token).
Placement PlaceVerificationToken(std::string_view token_key, int64_t expires_ms);
Placement PlaceAuthenticator(std::string_view credential_id, std::string_view user_id);
// What a user_links entry alone says its child owns: the child's key and
// the link. Enough to remove a child whose value cannot be read, except a
// session's expiry entry, which needs the expiry inside the value.
Placement PlaceLinkedChild(std::string_view user_id, LinkKind kind, std::string_view child_key);

// Adds the record (`flatbuffer`, sealed for placed.key) and every index
// entry to `batch`.
void PutPlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles, const Placement& placed,
               std::string_view flatbuffer);
// Adds deletes of the record and every index entry to `batch`.
void DeletePlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles,
                  const Placement& placed);
// Rewrites a record whose placement goes from `before` to `after` (a new
// email, a new expiry): deletes what only `before` owns, then puts `after`.
void ReplacePlaced(rocksdb::WriteBatch* batch, const FamilyHandles& handles,
                   const Placement& before, const Placement& after,
                   std::string_view flatbuffer);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_LAYOUT_H_
