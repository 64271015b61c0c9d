// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Records as stored: naming each kind, decoding a stored value into a
// Record (envelope, verifier, key check), and the key and index entries of
// a Record. The text helpers every output format shares are in format.cc.

#include <rocksdb/write_batch.h>

#include "authkv/overloaded.h"
#include "codec.h"
#include "digest.h"
#include "inspector_rep.h"

namespace authkv {

using internal::Family;

namespace {

constexpr std::array<std::string_view, 5> kKindNames = {"user", "account", "session",
                                                        "verification_token", "authenticator"};

// Decodes `body` with `decode`, turning a verifier failure into Corruption:
// stored bytes that fail are damage, not bad input.
template <typename T, typename Decode>
Result<T> DecodeBody(std::string_view body, Decode decode) {
  auto record = decode(body);
  if (!record.ok()) return Status::Corruption(record.status().message());
  return record;
}

Status KeyMismatch(std::string_view what) {
  return Status::Corruption("key does not match the value's " + std::string(what));
}

}  // namespace

std::string_view RecordKindName(RecordKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::string_view RecordFamilyName(RecordKind kind) {
  return internal::FamilyName(internal::FamilyOf(kind));
}

RecordKind KindOf(const Record& record) { return static_cast<RecordKind>(record.index()); }

std::string RecordKey(const Record& record) {
  // The email match only changes the index entries, not the key.
  return internal::PlaceRecord(record, EmailMatch::kExact).key;
}

bool IsExpired(const Record& record, int64_t now_ms) {
  if (const auto* s = std::get_if<StoredSession>(&record)) return IsExpired(s->expires_ms, now_ms);
  if (const auto* t = std::get_if<StoredVerificationToken>(&record)) {
    return IsExpired(t->expires_ms, now_ms);
  }
  return false;
}

std::string_view RecordOwner(const Record& record) {
  return std::visit(Overloaded{
                        [](const User&) { return std::string_view(); },
                        [](const StoredAccount& a) { return std::string_view(a.account.user_id); },
                        [](const StoredSession& s) { return std::string_view(s.user_id); },
                        [](const StoredVerificationToken&) { return std::string_view(); },
                        [](const Authenticator& a) { return std::string_view(a.user_id); },
                    },
                    record);
}

Result<Record> DecodeRecord(RecordKind kind, std::string_view key, std::string_view value) {
  return internal::DecodeStored(kind, key, value);
}

std::string TokenDigest(std::string_view token) { return internal::Sha256(token); }

Problem Problem::AtKey(std::string_view family, std::string_view key, std::string reason) {
  return Problem{std::string(family) + "/" + internal::ToHex(key), std::move(reason)};
}

std::string Problem::ToString() const { return where + ": " + reason; }

namespace internal {

Family FamilyOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kUser:
      return Family::kUsers;
    case RecordKind::kAccount:
      return Family::kAccounts;
    case RecordKind::kSession:
      return Family::kSessions;
    case RecordKind::kVerificationToken:
      return Family::kVerificationTokens;
    case RecordKind::kAuthenticator:
      return Family::kAuthenticators;
  }
  return Family::kDefault;
}

std::string Reason(const Status& s) { return std::string(s.message()); }

Result<Record> DecodeStored(RecordKind kind, std::string_view key, std::string_view value) {
  auto unsealed = Unseal(key, value, "value");
  if (!unsealed.ok()) return unsealed.status();
  const std::string_view body = *unsealed;
  switch (kind) {
    case RecordKind::kUser: {
      auto u = DecodeBody<User>(body, DecodeUser);
      if (!u.ok()) return u.status();
      if (u->id != key) return KeyMismatch("id");
      return Record(std::move(u).value());
    }
    case RecordKind::kAccount: {
      std::string sealed;
      auto a = DecodeBody<Account>(body,
                                   [&](std::string_view fb) { return DecodeAccount(fb, &sealed); });
      if (!a.ok()) return a.status();
      if (AccountKey(a->provider, a->provider_account_id) != key) {
        return KeyMismatch("provider and provider_account_id");
      }
      return Record(StoredAccount{std::move(a).value(), std::move(sealed)});
    }
    case RecordKind::kSession: {
      auto s = DecodeBody<Session>(body, DecodeSession);
      if (!s.ok()) return s.status();
      if (key.size() != kSha256Bytes) return Status::Corruption("key is not a SHA-256 digest");
      return Record(StoredSession{std::string(key), s->user_id, s->expires_ms});
    }
    case RecordKind::kVerificationToken: {
      auto t = DecodeBody<VerificationToken>(body, DecodeVerificationToken);
      if (!t.ok()) return t.status();
      auto parts = SplitPair(key);
      if (!parts || parts->second.size() != kSha256Bytes) {
        return Status::Corruption("key is not identifier \\0 SHA-256 digest");
      }
      if (parts->first != t->identifier) return KeyMismatch("identifier");
      return Record(
          StoredVerificationToken{t->identifier, std::string(parts->second), t->expires_ms});
    }
    case RecordKind::kAuthenticator: {
      auto a = DecodeBody<Authenticator>(body, DecodeAuthenticator);
      if (!a.ok()) return a.status();
      if (a->credential_id != key) return KeyMismatch("credential_id");
      return Record(std::move(a).value());
    }
  }
  return Status::Internal("unknown record kind");
}

Placement PlaceRecord(const Record& record, EmailMatch match) {
  return std::visit(
      Overloaded{
          [&](const User& u) { return PlaceUser(u, match); },
          [](const StoredAccount& a) {
            return PlaceAccount(a.account.provider, a.account.provider_account_id,
                                a.account.user_id);
          },
          [](const StoredSession& s) {
            return PlaceSession(s.token_sha256, s.user_id, s.expires_ms);
          },
          [](const StoredVerificationToken& t) {
            return PlaceVerificationToken(
                VerificationTokenKeyFromDigest(t.identifier, t.token_sha256), t.expires_ms);
          },
          [](const Authenticator& a) { return PlaceAuthenticator(a.credential_id, a.user_id); },
      },
      record);
}

std::string StoredFlatBuffer(const Record& record) {
  // A record as stored carries no raw token, and an account's tokens stay
  // as the sealed bytes they were read as.
  return std::visit(
      Overloaded{
          [](const User& u) { return EncodeUser(u); },
          [](const StoredAccount& a) { return EncodeAccount(a.account, a.sealed_tokens); },
          [](const StoredSession& s) {
            return EncodeSession(Session{std::string(), s.user_id, s.expires_ms},
                                 /*with_token=*/false);
          },
          [](const StoredVerificationToken& t) {
            return EncodeVerificationToken(
                VerificationToken{t.identifier, std::string(), t.expires_ms},
                /*with_token=*/false);
          },
          [](const Authenticator& a) { return EncodeAuthenticator(a); },
      },
      record);
}

void PutRecord(const FamilyHandles& handles, EmailMatch match, rocksdb::WriteBatch* batch,
               const Record& record) {
  PutPlaced(batch, handles, PlaceRecord(record, match), StoredFlatBuffer(record));
}

}  // namespace internal
}  // namespace authkv
