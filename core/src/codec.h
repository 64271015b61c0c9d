// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The one encoder and one decoder per record: C++ records <-> FlatBuffers
// of schema/*.fbs, and the envelope every stored value is sealed in.
//
// Envelope: [FlatBuffer][format byte 0x02][XXH3-64 of the record's key
// (length-prefixed) and the first two parts, little-endian]. The FlatBuffer
// comes first so it keeps the alignment of the buffer it is read into
// (FlatBuffers reads 4- and 8-byte fields in place; UBSan flags them at odd
// addresses). Unseal checks length, format and checksum, and the decoders
// run the FlatBuffers Verifier with the table's file_identifier, so a
// corrupted, foreign or misplaced value (one record's bytes under another
// record's key) is a Corruption / InvalidArgument status, never a record.
//
// Format 0x01 (schema version 1) had the same shape with a checksum of the
// value alone, so a value under the wrong key passed. The upgrade to schema
// version 2 (upgrade.h) re-seals every 0x01 value; only it reads them.
//
// Thread safety: pure functions.

#ifndef AUTHKV_CORE_SRC_CODEC_H_
#define AUTHKV_CORE_SRC_CODEC_H_

#include <flatbuffers/flatbuffers.h>

#include <string>
#include <string_view>
#include <vector>

#include "authkv/records.h"
#include "authkv/result.h"
#include "authkv/schema/account_generated.h"
#include "authkv/schema/authenticator_generated.h"
#include "authkv/schema/authenticator_list_generated.h"
#include "authkv/schema/session_and_user_generated.h"
#include "authkv/schema/session_generated.h"
#include "authkv/schema/user_generated.h"
#include "authkv/schema/verification_token_generated.h"

namespace authkv::internal {

inline constexpr uint8_t kEnvelopeFormat = 0x02;
inline constexpr uint8_t kEnvelopeFormatV1 = 0x01;
inline constexpr size_t kEnvelopeOverhead = 1 + 8;

// Whether Unseal takes a format 0x01 value (checksum without the key).
enum class EnvelopeV1 { kRefuse, kAccept };

// `key` is the key the value is stored under in its family.
std::string Seal(std::string_view key, std::string_view flatbuffer);
// The FlatBuffer inside `value` stored under `key`, or Corruption naming
// `what`. A 0x01 value is Corruption unless `v1` is kAccept.
Result<std::string_view> Unseal(std::string_view key, std::string_view value,
                                std::string_view what, EnvelopeV1 v1 = EnvelopeV1::kRefuse);
// The format byte of a value long enough to hold one, else 0.
uint8_t EnvelopeFormatOf(std::string_view value);

// Builders: add a record's table to `fbb` (for nesting), and whole buffers
// finished with the table's file_identifier.
flatbuffers::Offset<schema::User> BuildUser(flatbuffers::FlatBufferBuilder& fbb,
                                            const User& user);
flatbuffers::Offset<schema::Session> BuildSession(
    flatbuffers::FlatBufferBuilder& fbb, const Session& session);

std::string EncodeUser(const User& user);
// `sealed_tokens`: the account's encrypted tokens (token_cipher.h), if any.
std::string EncodeAccount(const Account& account, std::string_view sealed_tokens = {});
// `with_token` false leaves session_token out: the stored form.
std::string EncodeSession(const Session& session, bool with_token);
std::string EncodeVerificationToken(const VerificationToken& token,
                                    bool with_token);
std::string EncodeAuthenticator(const Authenticator& authenticator);
std::string EncodeSessionAndUser(const SessionAndUser& su);
std::string EncodeAuthenticatorList(const std::vector<Authenticator>& list);

// Readers of verified tables.
User ReadUser(const schema::User& t);
Session ReadSession(const schema::Session& t);

// Decoders: verify `flatbuffer` (identifier included) and copy it out.
// InvalidArgument when verification fails: the caller turns that into
// Corruption for stored bytes.
Result<User> DecodeUser(std::string_view flatbuffer);
// An account with sealed tokens needs `sealed_tokens` to receive them; without
// it such a buffer is FailedPrecondition.
Result<Account> DecodeAccount(std::string_view flatbuffer,
                              std::string* sealed_tokens = nullptr);
Result<Session> DecodeSession(std::string_view flatbuffer);
Result<VerificationToken> DecodeVerificationToken(std::string_view flatbuffer);
Result<Authenticator> DecodeAuthenticator(std::string_view flatbuffer);
Result<SessionAndUser> DecodeSessionAndUser(std::string_view flatbuffer);
Result<std::vector<Authenticator>> DecodeAuthenticatorList(std::string_view flatbuffer);

}  // namespace authkv::internal

#endif  // AUTHKV_CORE_SRC_CODEC_H_
