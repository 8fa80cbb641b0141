// https::parseUrl: what the client sends is exactly what was written, and anything that is not a plain absolute
// URL is refused rather than guessed at.
#include <keeper_rotate/https_client.hpp>

#include <doctest/doctest.h>

using keeper_rotate::https::parseUrl;
using keeper_rotate::https::percentDecode;

TEST_CASE("URLs split into their parts, with the scheme's default port and the raw request target") {
  const auto u = parseUrl("HTTPS://login.example.com/tenant-1/oauth2/v2.0/token?a=1&b=%2F#frag");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "login.example.com");
  CHECK(u->port == 443);
  CHECK(u->path == "/tenant-1/oauth2/v2.0/token");
  CHECK(u->hasQuery);
  CHECK(u->query == "a=1&b=%2F");
  CHECK(u->hasFragment);
  CHECK(u->fragment == "frag");
  CHECK(u->target() == "/tenant-1/oauth2/v2.0/token?a=1&b=%2F");
  CHECK(u->authority() == "login.example.com");

  const auto plain = parseUrl("http://127.0.0.1:8080");
  REQUIRE(plain);
  CHECK(plain->port == 8080);
  CHECK(plain->path.empty());
  CHECK(plain->target() == "/");
  CHECK(plain->authority() == "127.0.0.1:8080");
  CHECK_FALSE(plain->hasQuery);

  const auto v6 = parseUrl("https://[::1]:8443/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->authority() == "[::1]:8443");

  const auto explicitDefault = parseUrl("https://graph.example.com:443/v1.0");
  REQUIRE(explicitDefault);
  CHECK(explicitDefault->authority() == "graph.example.com");

  const auto withUser = parseUrl("http://user:p%40ss@proxy.local:3128");
  REQUIRE(withUser);
  CHECK(withUser->userInfo == "user:p%40ss");
  CHECK(withUser->host == "proxy.local");
  CHECK(withUser->port == 3128);

  const auto emptyQuery = parseUrl("https://h/p?");
  REQUIRE(emptyQuery);
  CHECK(emptyQuery->hasQuery);
  CHECK(emptyQuery->target() == "/p?");
}

TEST_CASE("what is not a plain absolute URL is refused") {
  for (const char* bad : {"", "login.example.com/x", "://h/x", "1http://h", "https://", "https:///path",
                          "https://h:0/", "https://h:65536/", "https://h:12a/", "https://h:123456/", "https://[::1/x",
                          "https://[::1]x/", "https://[]/", "https://h x/", "https://h/a b", "https://h/\x01",
                          "https://h/\xc3\xa9", "https://a]b/"})
    CHECK_MESSAGE(!parseUrl(bad), bad);
}

TEST_CASE("percent escapes decode, and malformed ones are refused") {
  CHECK(percentDecode("p%40ss%2fword") == std::optional<std::string>("p@ss/word"));
  CHECK(percentDecode("plain") == std::optional<std::string>("plain"));
  CHECK_FALSE(percentDecode("bad%"));
  CHECK_FALSE(percentDecode("bad%4"));
  CHECK_FALSE(percentDecode("bad%zz"));
}
