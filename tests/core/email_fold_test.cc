// Emails compare as Auth.js compares them: JavaScript's toLowerCase of the
// whole address (tests/core/js_lower_check.mjs checks every code point
// against Node itself; these are the cases that matter for sign-in).

#include <catch2/catch.hpp>

#include "email.h"
#include "fixtures.h"
#include "raw_db.h"
#include "unicode_lower.h"

namespace authkv::test {

using internal::JsToLowerCase;

TEST_CASE("the fold is JavaScript's toLowerCase", "[email]") {
  CHECK(*JsToLowerCase("Ann@X.IO") == "ann@x.io");
  CHECK(*JsToLowerCase("\xC3\x89mile@x.io") == "\xC3\xA9mile@x.io");  // Émile -> émile
  // İ is two code points in lowercase: i and a combining dot above.
  CHECK(*JsToLowerCase("\xC4\xB0STANBUL") == "i\xCC\x87stanbul");
  // Σ is final sigma (ς) at the end of a word, σ elsewhere.
  CHECK(*JsToLowerCase("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3@x.io") ==
        "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82@x.io");
  CHECK(*JsToLowerCase("\xCE\xA3\xCE\x91") == "\xCF\x83\xCE\xB1");
  CHECK(*JsToLowerCase("\xCE\xA3") == "\xCF\x83");
  CHECK(*JsToLowerCase("\xF0\x90\x90\x80") == "\xF0\x90\x90\xA8");  // Deseret, 4 bytes.
}

TEST_CASE("the fold refuses invalid UTF-8", "[email]") {
  for (std::string bad : {std::string("\xC3"), std::string("a\x80"), std::string("\xED\xA0\x80"),
                          std::string("\xC0\xAF"), std::string("\xF4\x90\x80\x80")}) {
    INFO(bad.size());
    CHECK(JsToLowerCase(bad).status().IsInvalidArgument());
  }
}

TEST_CASE("an email differing only in non-ASCII case is the same user", "[email][store]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "\xC3\x89mile@X.io")));
  REQUIRE(f.store->GetUserByEmail("\xC3\xA9mile@x.io")->id == "u1");
  REQUIRE(f.store->GetUserByEmail("\xC3\x89MILE@X.IO")->id == "u1");
  REQUIRE_CODE(f.store->CreateUser(MakeUser("u2", "\xC3\xA9mile@x.io")), Code::kAlreadyExists);
  // The user keeps the email exactly as given.
  REQUIRE(*f.store->GetUser("u1")->email == "\xC3\x89mile@X.io");
}

TEST_CASE("exact matching keeps non-ASCII case apart too", "[email][store]") {
  Options options;
  options.email_match = EmailMatch::kExact;
  StoreFixture f(options);
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "\xC3\x89mile@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "\xC3\xA9mile@x.io")));
  REQUIRE(f.store->GetUserByEmail("\xC3\xA9mile@x.io")->id == "u2");
  REQUIRE_CODE(f.store->GetUserByEmail("\xC3\x89MILE@x.io"), Code::kNotFound);
}

TEST_CASE("emails that are not UTF-8 are refused as InvalidArgument", "[email][store]") {
  StoreFixture f;
  REQUIRE_CODE(f.store->CreateUser(MakeUser("u1", "\xC3@x.io")), Code::kInvalidArgument);
  REQUIRE_CODE(f.store->GetUserByEmail("\xC3@x.io"), Code::kInvalidArgument);
}

TEST_CASE("a value stored under another record's key is corruption, not data",
          "[store][codec]") {
  StoreFixture f;
  REQUIRE_OK(f.store->CreateUser(MakeUser("u1", "a@x.io")));
  REQUIRE_OK(f.store->CreateUser(MakeUser("u2", "b@x.io")));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok1", "u1", f.now() + kHourMs)));
  REQUIRE_OK(f.store->CreateSession(MakeSession("tok2", "u2", f.now() + kHourMs)));
  f.Close();
  {
    RawDb raw(f.path());
    raw.Put("users", "u2", raw.Get("users", "u1"));
    // A session's value does not name its key (the key is the token's
    // digest), so only the checksum can tell: u1's session under u2's token.
    const auto sessions = raw.Keys("sessions");
    REQUIRE(sessions.size() == 2);
    raw.Put("sessions", sessions[1], raw.Get("sessions", sessions[0]));
  }
  f.Open();
  REQUIRE_CODE(f.store->GetUser("u2"), Code::kCorruption);
  REQUIRE_OK(f.store->GetUser("u1"));
  const bool one_broken = !f.store->GetSessionAndUser("tok1").ok() ||
                          !f.store->GetSessionAndUser("tok2").ok();
  REQUIRE(one_broken);
  for (const char* token : {"tok1", "tok2"}) {
    auto got = f.store->GetSessionAndUser(token);
    if (!got.ok()) REQUIRE(got.status().code() == Code::kCorruption);
  }
}

}  // namespace authkv::test
