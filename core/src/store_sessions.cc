// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Session operations. A session is keyed by SHA-256 of its token, so the
// token never reaches disk and the hot read is one Get for the session plus
// one for its user by primary key.

#include "codec.h"
#include "status_macros.h"
#include "store_rep.h"
#include "validate.h"

namespace authkv {

using internal::Family;
using internal::LockKey;
using internal::StripeGuard;

Result<Session> Store::CreateSession(const Session& session) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::ValidateSession(session));
  const std::string key = internal::SessionKey(session.session_token);
  StripeGuard guard(rep_->stripes, {LockKey{Family::kUsers, session.user_id},
                                    LockKey{Family::kSessions, key}});
  AUTHKV_ASSIGN_OR_RETURN(bool user_exists, rep_->Exists(Family::kUsers, session.user_id));
  if (!user_exists) {
    return Status::FailedPrecondition("user " + session.user_id + " does not exist");
  }
  AUTHKV_ASSIGN_OR_RETURN(bool taken, rep_->Exists(Family::kSessions, key));
  if (taken) return Status::AlreadyExists("session token is in use");
  rocksdb::WriteBatch batch;
  rep_->PutSession(&batch, key, session);
  AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
  return session;
}

Result<SessionAndUser> Store::GetSessionAndUser(std::string_view session_token) {
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("session token", session_token));
  const std::string key = internal::SessionKey(session_token);
  internal::SessionCache* cache = rep_->session_cache.get();
  uint64_t ticket = 0;
  if (cache) {
    if (auto hit = cache->Lookup(key)) {
      if (IsExpired(hit->session.expires_ms, rep_->NowMillis())) {
        return Status::NotFound("session expired");
      }
      return SessionAndUser{
          Session{std::string(session_token), hit->session.user_id, hit->session.expires_ms},
          hit->user};
    }
    ticket = cache->Ticket(key);  // Before the reads: see session_cache.h.
  }
  // Held to the end, the cache fill included: a fill from an instance the
  // store has since replaced could bring back what the replacement changed.
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->Use());
  AUTHKV_ASSIGN_OR_RETURN(Session session, rep_->ReadSession(key));
  if (IsExpired(session.expires_ms, rep_->NowMillis())) {
    return Status::NotFound("session expired");
  }
  // A user deleted since the session was read is a miss, not corruption:
  // DeleteUser removes both in one batch, which may land between the Gets.
  AUTHKV_ASSIGN_OR_RETURN(User user, rep_->ReadUser(session.user_id));
  if (cache) cache->Insert(key, ticket, {session, user});
  session.session_token.assign(session_token);
  return SessionAndUser{std::move(session), std::move(user)};
}

Result<Session> Store::UpdateSession(std::string_view session_token,
                                     int64_t expires_ms) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("session token", session_token));
  const std::string key = internal::SessionKey(session_token);
  return WithOwnerLocked(
      *rep_, Family::kSessions, key, [&] { return rep_->ReadSession(key); },
      [&](const Session& old) -> Result<Session> {
        Session updated = old;
        updated.expires_ms = expires_ms;
        rocksdb::WriteBatch batch;
        rep_->ReplaceSession(&batch, key, old, updated);
        AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
        rep_->ForgetSession(key);
        updated.session_token.assign(session_token);
        return updated;
      });
}

Result<Session> Store::DeleteSession(std::string_view session_token) {
  AUTHKV_ASSIGN_OR_RETURN(auto in_use, rep_->UseForWrite());  // Held to the end.
  AUTHKV_RETURN_IF_ERROR(internal::CheckKey("session token", session_token));
  const std::string key = internal::SessionKey(session_token);
  return WithOwnerLocked(
      *rep_, Family::kSessions, key, [&] { return rep_->ReadSession(key); },
      [&](Session session) -> Result<Session> {
        rocksdb::WriteBatch batch;
        rep_->DeleteSession(&batch, key, session);
        AUTHKV_RETURN_IF_ERROR(rep_->Commit(&batch));
        rep_->ForgetSession(key);
        session.session_token.assign(session_token);
        return session;
      });
}

}  // namespace authkv
