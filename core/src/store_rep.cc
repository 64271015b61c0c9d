// authkv: embedded auth-data store. Licensed under the ISC license.

#include "store_rep.h"

#include <rocksdb/slice.h>

#include "codec.h"
#include "layout.h"
#include "status_macros.h"

namespace authkv {

using internal::Family;
using internal::LinkKind;

namespace {

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

// Reads an envelope and decodes it; a FlatBuffer that fails verification on
// disk is corruption, not bad input.
template <typename T, typename Decode>
Result<T> ReadRecord(Store::Rep& rep, Family f, std::string_view key, Decode decode,
                     const rocksdb::Snapshot* snapshot = nullptr) {
  std::string value;
  AUTHKV_RETURN_IF_ERROR(rep.GetRaw(f, key, &value, snapshot));
  std::string what = std::string(internal::FamilyName(f));
  auto body = internal::Unseal(key, value, what);
  if (!body.ok()) return body.status();
  auto record = decode(*body);
  if (!record.ok()) {
    return Status::Corruption(what + ": " + std::string(record.status().message()));
  }
  return record;
}

// The earliest time among the expiry entries a batch puts. Found in the
// batch itself rather than told by the edits that put them, so no write
// path can forget to tell the purge floor.
class ExpiryPutScanner final : public rocksdb::WriteBatch::Handler {
 public:
  explicit ExpiryPutScanner(uint32_t expiry_cf) : expiry_cf_(expiry_cf) {}
  std::optional<int64_t> earliest;

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& /*value*/) override {
    if (cf != expiry_cf_) return rocksdb::Status::OK();
    auto entry = internal::ParseExpiryKey(std::string_view(key.data(), key.size()));
    if (entry && (!earliest || entry->expires_ms < *earliest)) earliest = entry->expires_ms;
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }

 private:
  uint32_t expiry_cf_;
};

std::optional<int64_t> EarliestExpiryPut(rocksdb::WriteBatch& batch, uint32_t expiry_cf) {
  if (!batch.HasPut()) return std::nullopt;
  ExpiryPutScanner scanner(expiry_cf);
  batch.Iterate(&scanner).PermitUncheckedError();  // Only our own batches: Put/Delete.
  return scanner.earliest;
}

internal::Placement PlaceOf(const Account& a) {
  return internal::PlaceAccount(a.provider, a.provider_account_id, a.user_id);
}

}  // namespace

Store::Rep::~Rep() {
  StopPurger(*this);
  CloseDb();
}

Status Store::Rep::CheckWritable() const {
  if (read_only) return Status::InvalidArgument("store is open read-only");
  return Status::OK();
}

Status Store::Rep::Commit(rocksdb::WriteBatch* batch) {
  if (health->stopped()) {
    return Status::IOError("write refused, nothing written: the database stopped taking writes "
                           "after a disk error (" + health->why() + ")");
  }
  rocksdb::Status s = db->Write(write_options, batch);
  // After the write, and whatever its outcome (a failed write may still
  // reach the log): see purge_floor.h for why not before.
  if (auto earliest = EarliestExpiryPut(*batch, cf(Family::kExpiry)->GetID())) {
    purge_floor.NoteWritten(*earliest);
  }
  if (s.ok()) return Status::OK();
  if (!s.IsIOError()) return internal::FromRocks(s, "write");
  // RocksDB refuses writes from now on whatever the listener says, so the
  // next write knows without trying.
  health->NoteStopped(s.ToString());
  // A cached pair this write would have changed may be changed after all.
  if (session_cache) session_cache->Clear();
  return internal::UnknownOutcomeOfWrite(s);
}

Status Store::Rep::GetRaw(Family f, std::string_view key, std::string* value,
                          const rocksdb::Snapshot* snapshot) {
  rocksdb::PinnableSlice slice;
  rocksdb::ReadOptions ro = read_options;
  ro.snapshot = snapshot;
  rocksdb::Status s = db->Get(ro, cf(f), ToSlice(key), &slice);
  if (s.IsNotFound()) return Status::NotFound(internal::FamilyName(f));
  if (!s.ok()) return internal::FromRocks(s, internal::FamilyName(f));
  value->assign(slice.data(), slice.size());
  return Status::OK();
}

Result<bool> Store::Rep::Exists(Family f, std::string_view key) {
  rocksdb::PinnableSlice slice;
  rocksdb::Status s = db->Get(read_options, cf(f), ToSlice(key), &slice);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return internal::FromRocks(s, internal::FamilyName(f));
  return true;
}

Result<User> Store::Rep::ReadUser(std::string_view user_id, const rocksdb::Snapshot* snapshot) {
  return ReadRecord<User>(*this, Family::kUsers, user_id, internal::DecodeUser, snapshot);
}

Result<Account> Store::Rep::ReadAccount(std::string_view account_key) {
  std::string sealed;
  AUTHKV_ASSIGN_OR_RETURN(Account account, ReadAccountSealed(account_key, &sealed));
  AUTHKV_RETURN_IF_ERROR(OpenTokens(sealed, &account));
  return account;
}

Result<Account> Store::Rep::ReadAccountSealed(std::string_view account_key, std::string* sealed,
                                              const rocksdb::Snapshot* snapshot) {
  sealed->clear();
  return ReadRecord<Account>(
      *this, Family::kAccounts, account_key,
      [&](std::string_view fb) { return internal::DecodeAccount(fb, sealed); }, snapshot);
}

Status Store::Rep::OpenTokens(std::string_view sealed, Account* account) const {
  if (sealed.empty()) return Status::OK();
  if (!cipher) {
    AUTHKV_ASSIGN_OR_RETURN(uint32_t key_id, internal::TokenCipher::KeyIdOf(sealed));
    return internal::TokenCipher::KeyMissing(*account, key_id, /*any_configured=*/false);
  }
  return cipher->Open(sealed, account);
}

Result<Session> Store::Rep::ReadSession(std::string_view session_key) {
  return ReadRecord<Session>(*this, Family::kSessions, session_key,
                             internal::DecodeSession);
}

Result<VerificationToken> Store::Rep::ReadVerificationToken(std::string_view key) {
  return ReadRecord<VerificationToken>(*this, Family::kVerificationTokens, key,
                                       internal::DecodeVerificationToken);
}

Result<Authenticator> Store::Rep::ReadAuthenticator(std::string_view credential_id) {
  return ReadRecord<Authenticator>(*this, Family::kAuthenticators, credential_id,
                                   internal::DecodeAuthenticator);
}

Result<std::vector<std::string>> Store::Rep::ListLinks(std::string_view user_id,
                                                       LinkKind kind) {
  const std::string prefix = internal::UserLinkPrefix(user_id, kind);
  std::string upper = prefix;
  upper.back() = '\x01';  // The prefix ends in NUL; bump it for the bound.
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = read_options;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf(Family::kUserLinks)));
  std::vector<std::string> children;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    children.emplace_back(k.data() + prefix.size(), k.size() - prefix.size());
  }
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "user_links scan"));
  return children;
}

void Store::Rep::ForgetSessions(const std::vector<std::string>& session_keys) {
  for (const auto& key : session_keys) ForgetSession(key);
}

void Store::Rep::ForgetSession(std::string_view session_key) {
  if (session_cache) session_cache->Erase(session_key);
}

std::string Store::Rep::EmailKey(const User& user) const {
  return internal::EmailIndexKey(user, email_match);
}

void Store::Rep::PutUser(rocksdb::WriteBatch* b, const User& user) {
  internal::PutPlaced(b, handles, internal::PlaceUser(user, email_match),
                      internal::EncodeUser(user));
}

void Store::Rep::DeleteUser(rocksdb::WriteBatch* b, const User& user) {
  internal::DeletePlaced(b, handles, internal::PlaceUser(user, email_match));
}

void Store::Rep::ReplaceUser(rocksdb::WriteBatch* b, const User& before, const User& after) {
  internal::ReplacePlaced(b, handles, internal::PlaceUser(before, email_match),
                          internal::PlaceUser(after, email_match),
                          internal::EncodeUser(after));
}

Status Store::Rep::PutAccount(rocksdb::WriteBatch* b, const Account& a) {
  std::string encoded;
  if (cipher) {
    Account stripped = a;
    AUTHKV_ASSIGN_OR_RETURN(std::string sealed, cipher->Seal(&stripped));
    encoded = internal::EncodeAccount(stripped, sealed);
  } else {
    encoded = internal::EncodeAccount(a);
  }
  internal::PutPlaced(b, handles, PlaceOf(a), encoded);
  return Status::OK();
}

void Store::Rep::DeleteAccount(rocksdb::WriteBatch* b, const Account& a) {
  internal::DeletePlaced(b, handles, PlaceOf(a));
}

void Store::Rep::PutSession(rocksdb::WriteBatch* b, std::string_view key, const Session& s) {
  internal::PutPlaced(b, handles, internal::PlaceSession(key, s.user_id, s.expires_ms),
                      internal::EncodeSession(s, /*with_token=*/false));
}

void Store::Rep::DeleteSession(rocksdb::WriteBatch* b, std::string_view key, const Session& s) {
  internal::DeletePlaced(b, handles, internal::PlaceSession(key, s.user_id, s.expires_ms));
}

void Store::Rep::ReplaceSession(rocksdb::WriteBatch* b, std::string_view key,
                                const Session& before, const Session& after) {
  internal::ReplacePlaced(b, handles, internal::PlaceSession(key, before.user_id, before.expires_ms),
                          internal::PlaceSession(key, after.user_id, after.expires_ms),
                          internal::EncodeSession(after, /*with_token=*/false));
}

void Store::Rep::PutVerificationToken(rocksdb::WriteBatch* b, std::string_view key,
                                      const VerificationToken& t) {
  internal::PutPlaced(
      b, handles, internal::PlaceVerificationToken(key, t.expires_ms),
      internal::EncodeVerificationToken(t, /*with_token=*/false));
}

void Store::Rep::DeleteVerificationToken(rocksdb::WriteBatch* b, std::string_view key,
                                         int64_t expires_ms) {
  internal::DeletePlaced(b, handles, internal::PlaceVerificationToken(key, expires_ms));
}

void Store::Rep::PutAuthenticator(rocksdb::WriteBatch* b, const Authenticator& a) {
  internal::PutPlaced(b, handles, internal::PlaceAuthenticator(a.credential_id, a.user_id),
                      internal::EncodeAuthenticator(a));
}

void Store::Rep::DeleteAuthenticator(rocksdb::WriteBatch* b, const Authenticator& a) {
  internal::DeletePlaced(b, handles, internal::PlaceAuthenticator(a.credential_id, a.user_id));
}

}  // namespace authkv
