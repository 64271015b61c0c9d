#include "codec.h"

#include <catch2/catch.hpp>

#include "fixtures.h"
#include "v1_db.h"

namespace authkv::internal {

TEST_CASE("every record round-trips through its encoder and decoder", "[codec]") {
  User u = test::MakeUser("u1", "a@b.c");
  u.extra_json = R"({"role":"admin"})";
  REQUIRE(*DecodeUser(EncodeUser(u)) == u);

  Account a = test::MakeAccount("u1", "github", "42");
  a.extra_json = R"({"refresh_token_expires_in":15897600})";
  REQUIRE(*DecodeAccount(EncodeAccount(a)) == a);

  Session s{"tok", "u1", 123};
  REQUIRE(*DecodeSession(EncodeSession(s, true)) == s);
  REQUIRE(DecodeSession(EncodeSession(s, false))->session_token.empty());

  VerificationToken t{"a@b.c", "hash", 456};
  REQUIRE(*DecodeVerificationToken(EncodeVerificationToken(t, true)) == t);

  Authenticator auth = test::MakeAuthenticator("cred", "u1");
  REQUIRE(*DecodeAuthenticator(EncodeAuthenticator(auth)) == auth);

  std::vector<Authenticator> list{auth, test::MakeAuthenticator("cred2", "u1")};
  REQUIRE(*DecodeAuthenticatorList(EncodeAuthenticatorList(list)) == list);
  REQUIRE(DecodeAuthenticatorList(EncodeAuthenticatorList({}))->empty());

  SessionAndUser su{s, u};
  REQUIRE(*DecodeSessionAndUser(EncodeSessionAndUser(su)) == su);
}

TEST_CASE("absent, null and empty fields stay distinct", "[codec]") {
  User u;
  u.id = "u1";
  u.email = "";                                     // Empty value.
  u.name = Nullable<std::string>::Null();           // Explicit null.
  u.email_verified_ms = Nullable<int64_t>::Null();  // Null date.
  // image stays absent.
  User back = *DecodeUser(EncodeUser(u));
  REQUIRE(back.email.has_value());
  REQUIRE(back.email->empty());
  REQUIRE(back.name.is_null());
  REQUIRE(back.email_verified_ms.is_null());
  REQUIRE(back.image.is_absent());

  Account a = test::MakeAccount("u1", "p", "1");
  a.expires_at = Nullable<int64_t>::Null();
  a.scope.reset();
  a.token_type = Nullable<std::string>::Null();
  Account ab = *DecodeAccount(EncodeAccount(a));
  REQUIRE(ab.expires_at.is_null());
  REQUIRE(ab.scope.is_absent());
  REQUIRE(ab.token_type.is_null());

  Authenticator auth = test::MakeAuthenticator("c", "u1");
  auth.transports = Nullable<std::string>::Null();
  REQUIRE(DecodeAuthenticator(EncodeAuthenticator(auth))->transports.is_null());
}

TEST_CASE("envelope detects every single-byte corruption", "[codec]") {
  std::string sealed = Seal("u1", EncodeUser(test::MakeUser("u1", "a@b.c")));
  REQUIRE(Unseal("u1", sealed, "users").ok());
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x20;
    INFO("byte " << i);
    REQUIRE(Unseal("u1", bad, "users").status().IsCorruption());
  }
  REQUIRE(Unseal("u1", "", "users").status().IsCorruption());
  REQUIRE(Unseal("u1", sealed.substr(0, sealed.size() - 1), "users").status().IsCorruption());
}

TEST_CASE("envelope binds a value to its key", "[codec]") {
  const std::string body = EncodeUser(test::MakeUser("u1", "a@b.c"));
  const std::string sealed = Seal("u1", body);
  REQUIRE(*Unseal("u1", sealed, "users") == body);
  for (const char* other : {"u2", "u1 ", "", "U1"}) {
    INFO("key " << other);
    REQUIRE(Unseal(other, sealed, "users").status().IsCorruption());
  }
  // The key's length is hashed too: key "ab" + value "c..." is not key "a" + "bc...".
  REQUIRE(Xxh3Keyed("ab", "c") != Xxh3Keyed("a", "bc"));
}

TEST_CASE("format 0x01 values are read only where the upgrade asks for them", "[codec]") {
  const std::string body = EncodeUser(test::MakeUser("u1", "a@b.c"));
  const std::string v1 = test::SealV1(body);
  REQUIRE(EnvelopeFormatOf(v1) == kEnvelopeFormatV1);
  REQUIRE(EnvelopeFormatOf(Seal("u1", body)) == kEnvelopeFormat);
  REQUIRE(Unseal("u1", v1, "users").status().IsCorruption());
  REQUIRE(*Unseal("u1", v1, "users", EnvelopeV1::kAccept) == body);
  std::string bad = v1;
  bad[3] ^= 1;
  REQUIRE(Unseal("u1", bad, "users", EnvelopeV1::kAccept).status().IsCorruption());
}

TEST_CASE("decoders refuse malformed and foreign buffers", "[codec]") {
  std::string user = EncodeUser(test::MakeUser("u1", "a@b.c"));
  SECTION("wrong file identifier") {
    REQUIRE(DecodeAccount(user).status().IsInvalidArgument());
    REQUIRE(DecodeSession(user).status().IsInvalidArgument());
  }
  SECTION("truncated at every length: refused, or (trailing padding cut) intact") {
    const User original = *DecodeUser(user);
    int refused = 0;
    for (size_t n = 0; n < user.size(); ++n) {
      INFO("length " << n);
      auto decoded = DecodeUser(user.substr(0, n));
      if (decoded.ok()) {
        REQUIRE(*decoded == original);
      } else {
        ++refused;
      }
    }
    REQUIRE(refused >= static_cast<int>(user.size()) - 8);
  }
  SECTION("garbage with the right identifier") {
    std::string junk(64, '\xff');
    junk.replace(4, 4, "AKUS");
    REQUIRE(DecodeUser(junk).status().IsInvalidArgument());
  }
}

}  // namespace authkv::internal

namespace authkv::internal {

TEST_CASE("decoders accept a FlatBuffer at a misaligned address", "[codec]") {
  const User u = test::MakeUser("u1", "a@b.c");
  const std::string encoded = EncodeUser(u);
  std::string shifted = "x" + encoded;  // Starts one byte past an aligned one.
  REQUIRE(*DecodeUser(std::string_view(shifted).substr(1)) == u);
}

}  // namespace authkv::internal
