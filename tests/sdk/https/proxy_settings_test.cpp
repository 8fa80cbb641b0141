#include "proxy_settings.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <stdexcept>

using keeper_rotate::https::detail::hostMatchesNoProxy;
using keeper_rotate::https::detail::proxyFor;

TEST_CASE("NO_PROXY matching: exact, subdomain, leading dot, port, wildcard") {
  CHECK(hostMatchesNoProxy("localhost", "localhost"));
  CHECK(hostMatchesNoProxy("graph.microsoft.com", "microsoft.com"));
  CHECK(hostMatchesNoProxy("graph.microsoft.com", " .microsoft.com ,example.org"));
  CHECK(hostMatchesNoProxy("Graph.Microsoft.com", "graph.microsoft.com:443"));
  CHECK(hostMatchesNoProxy("anything", "*"));
  CHECK_FALSE(hostMatchesNoProxy("notmicrosoft.com", "microsoft.com"));
  CHECK_FALSE(hostMatchesNoProxy("login.microsoftonline.com", "graph.microsoft.com,,"));
  CHECK_FALSE(hostMatchesNoProxy("localhost", ""));
}

TEST_CASE("proxy settings from the environment") {
  ::unsetenv("https_proxy");
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  ::unsetenv("HTTPS_PROXY");
  CHECK_FALSE(proxyFor("graph.microsoft.com").has_value());

  ::setenv("HTTPS_PROXY", "http://user%40corp:p%3Ass@proxy.corp:3128", 1);
  auto proxy = proxyFor("graph.microsoft.com");
  REQUIRE(proxy.has_value());
  CHECK(proxy->host == "proxy.corp");
  CHECK(proxy->port == 3128);
  CHECK(proxy->username == "user@corp");
  CHECK(proxy->password == "p:ss");

  ::setenv("NO_PROXY", "microsoft.com", 1);
  CHECK_FALSE(proxyFor("graph.microsoft.com").has_value());
  CHECK(proxyFor("login.microsoftonline.com").has_value());

  ::setenv("HTTPS_PROXY", "https://proxy.corp:443", 1);
  CHECK_THROWS_AS(proxyFor("login.microsoftonline.com"), std::invalid_argument);
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("NO_PROXY");
}
