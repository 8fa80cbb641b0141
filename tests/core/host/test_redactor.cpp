// Redaction: every registered secret and its usual encodings disappear from text; the logger applies it.
#include "log/redactor.hpp"
#include "util/encoding.hpp"

#include <doctest/doctest.h>

using keeper_rotate::host::Redactor;
namespace util = keeper_rotate::host::util;

TEST_CASE("redactor: masks the value and its base64, URL-encoded and JSON-escaped forms") {
  Redactor r;
  const std::string secret = "p@ss word/+\"\\x~";
  r.add(secret);
  const std::vector<std::string> forms = {secret,
                                          util::encodeBase64(secret, false, true),
                                          util::encodeBase64(secret, false, false),
                                          util::encodeBase64(secret, true, false),
                                          util::formUrlEncode(secret),
                                          util::percentEncode(secret),
                                          util::jsonEscape(secret)};
  for (const auto& f : forms) {
    const std::string text = "before " + f + " after";
    const std::string out = r.redact(text);
    INFO("form: " << f);
    CHECK(out == "before [REDACTED] after");
    CHECK(r.containsSecret(text));
    CHECK_FALSE(r.containsSecret(out));
  }
}

TEST_CASE("redactor: longest secret first, repeated occurrences, short values ignored") {
  Redactor r;
  r.add("abcd");
  r.add("xxabcdyy");
  r.add("abc");  // too short to mask without shredding every line
  CHECK(r.redact("1 xxabcdyy 2 abcd 3 abcd abc") == "1 [REDACTED] 2 [REDACTED] 3 [REDACTED] abc");
  CHECK(r.redact("nothing here") == "nothing here");
}
