// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Account operations. An account is keyed by provider \0 providerAccountId,
// which makes the pair unique by construction; a user_links entry lets the
// owner's cascade find it.

#include <rocksdb/iterator.h>

#include "codec.h"
#include "json_object.h"
#include "status_macros.h"
#include "store_rep.h"
#include "validate.h"

namespace authkv {

using internal::Family;
using internal::LockKey;
using internal::StripeGuard;

namespace {

// Applies the token fields `patch` sets to `account`.
Status MergeAccount(const Account& patch, Account* a) {
  auto merge = [](const auto& from, auto& to) {
    if (!from.is_absent()) to = from;
  };
  merge(patch.access_token, a->access_token);
  merge(patch.refresh_token, a->refresh_token);
  merge(patch.id_token, a->id_token);
  merge(patch.scope, a->scope);
  merge(patch.token_type, a->token_type);
  merge(patch.session_state, a->session_state);
  merge(patch.expires_at, a->expires_at);
  if (!patch.extra_json.empty()) {
    AUTHKV_ASSIGN_OR_RETURN(a->extra_json,
                            internal::MergeJsonObjects(a->extra_json, patch.extra_json));
    AUTHKV_RETURN_IF_ERROR(internal::CheckExtraJson(a->extra_json));
  }
  return Status::OK();
}

Status CheckAccountKey(std::string_view provider, std::string_view provider_account_id) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("provider", provider));
  return internal::CheckKey("provider_account_id", provider_account_id);
}

// Whether the stored account under `key` is sealed with `key_id`.
Result<bool> SealedWith(Store::Rep& rep, const std::string& key, uint32_t key_id) {
  std::string value;
  AUTHKV_RETURN_IF_ERROR(rep.GetRaw(Family::kAccounts, key, &value));
  auto body = internal::Unseal(key, value, "accounts");
  if (!body.ok()) return body.status();
  std::string sealed;
  auto decoded = internal::DecodeAccount(*body, &sealed);
  if (!decoded.ok()) return decoded.status();
  if (sealed.empty()) return false;
  AUTHKV_ASSIGN_OR_RETURN(uint32_t id, internal::TokenCipher::KeyIdOf(sealed));
  return id == key_id;
}

// Writes `account` (new, patched or re-sealed) in a batch of its own.
Status CommitAccount(Store::Rep& rep, const Account& account) {
  rocksdb::WriteBatch batch;
  AUTHKV_RETURN_IF_ERROR(rep.PutAccount(&batch, account));
  return rep.Commit(&batch);
}

}  // namespace

Result<uint64_t> Store::ReencryptAccounts() {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  if (!rep_->cipher) return Status::InvalidArgument("no token key is configured");
  const uint32_t current = rep_->cipher->current_key_id();
  std::unique_ptr<rocksdb::Iterator> it(
      rep_->db->NewIterator(rep_->read_options, rep_->cf(Family::kAccounts)));
  uint64_t rewritten = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    auto done = WithOwnerLocked(
        *rep_, Family::kAccounts, key, [&] { return rep_->ReadAccount(key); },
        [&](const Account& account) -> Result<bool> {
          AUTHKV_ASSIGN_OR_RETURN(bool up_to_date, SealedWith(*rep_, key, current));
          if (up_to_date) return false;
          AUTHKV_RETURN_IF_ERROR(CommitAccount(*rep_, account));
          return true;
        });
    if (done.status().IsNotFound()) continue;  // Unlinked meanwhile.
    if (!done.ok()) return done.status();
    if (*done) ++rewritten;
  }
  AUTHKV_RETURN_IF_ERROR(internal::FromRocks(it->status(), "accounts scan"));
  return rewritten;
}

Result<Account> Store::LinkAccount(const Account& account) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateAccount(account));
  const std::string key = internal::AccountKey(account.provider, account.provider_account_id);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, account.user_id},
                                    LockKey{Family::kAccounts, key}});
  AUTHKV_ASSIGN_OR_RETURN(bool user_exists, rep_->Exists(Family::kUsers, account.user_id));
  if (!user_exists) {
    return Status::FailedPrecondition("user " + account.user_id + " does not exist");
  }
  AUTHKV_ASSIGN_OR_RETURN(bool linked, rep_->Exists(Family::kAccounts, key));
  if (linked) {
    return Status::AlreadyExists("account " + account.provider + "/" +
                                 account.provider_account_id + " is linked already");
  }
  AUTHKV_RETURN_IF_ERROR(CommitAccount(*rep_, account));
  return account;
}

Result<Account> Store::GetAccount(std::string_view provider,
                                  std::string_view provider_account_id) {
  AUTHKV_RETURN_IF_ERROR(CheckAccountKey(provider, provider_account_id));
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());  // Held to the end.
  return rep_->ReadAccount(internal::AccountKey(provider, provider_account_id));
}

Result<Account> Store::UpdateAccount(const Account& patch) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(CheckAccountKey(patch.provider, patch.provider_account_id));
  const std::string key = internal::AccountKey(patch.provider, patch.provider_account_id);
  return WithOwnerLocked(
      *rep_, Family::kAccounts, key, [&] { return rep_->ReadAccount(key); },
      [&](Account account) -> Result<Account> {
        if (!patch.user_id.empty() && patch.user_id != account.user_id) {
          return Status::InvalidArgument("an account cannot move to another user");
        }
        AUTHKV_RETURN_IF_ERROR(MergeAccount(patch, &account));
        AUTHKV_RETURN_IF_ERROR(internal::ValidateAccount(account));
        AUTHKV_RETURN_IF_ERROR(CommitAccount(*rep_, account));
        return account;
      });
}

Result<Account> Store::UnlinkAccount(std::string_view provider,
                                     std::string_view provider_account_id) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(CheckAccountKey(provider, provider_account_id));
  const std::string key = internal::AccountKey(provider, provider_account_id);
  // Read with the tokens sealed, so a missing or retired token key cannot
  // stop the unlink; the returned account carries them only if they open.
  std::string sealed;
  return WithOwnerLocked(
      *rep_, Family::kAccounts, key, [&] { return rep_->ReadAccountSealed(key, &sealed); },
      [&](Account account) -> Result<Account> {
        rocksdb::WriteBatch batch;
        rep_->DeleteAccount(&batch, account);
        AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
        rep_->OpenTokens(sealed, &account).IgnoreError();
        return account;
      });
}

}  // namespace authkv
