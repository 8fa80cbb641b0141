// The system store without SSL_CERT_FILE: a hashed CA directory (OpenSSL's subject-hash names, as
// update-ca-certificates writes /etc/ssl/certs) is trusted on its own and read as needed, instead of parsing the
// whole default bundle for every TLS context; a directory without such names leaves OpenSSL's default paths in
// charge. SSL_CERT_DIR points at a directory of the test's own, so nothing of the machine's store is involved.
#include "keeper_rotate/https_client.hpp"

#include "https_server.hpp"
#include "test_ca.hpp"

#include <doctest/doctest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

using keeper_rotate::https::Client;
using keeper_rotate::https::Options;
using keeper_rotate::https::Request;
using keeper_rotate::https::TransportError;
using keeper_rotate::https::TransportFailure;
using keeper_rotate::testsupport::HttpsServer;
using keeper_rotate::testsupport::TempDir;
using keeper_rotate::testsupport::TestCa;

namespace {

/// `openssl rehash` by hand: the CA certificate as <subject hash>.0 in `dir`.
std::string hashName(const std::string& certFile) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(certFile.c_str(), "r"), &std::fclose);
  REQUIRE(f);
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free);
  REQUIRE(cert);
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(cert.get()));
  return name;
}

struct Env {
  Env(const std::string& certDir) {
    ::unsetenv("SSL_CERT_FILE");
    ::setenv("SSL_CERT_DIR", certDir.c_str(), 1);
  }
  ~Env() { ::unsetenv("SSL_CERT_DIR"); }
};

struct Served {
  TempDir dir;
  TestCa ca = TestCa::create(dir.path() + "/ca");
  HttpsServer server{ca, [](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& res) {
                       res.setContentLength(2);
                       res.send() << "ok";
                     }};
  Served() { server.start(); }
};

Options direct() {
  Options o;
  o.useProxyEnvironment = false;
  return o;
}

}  // namespace

TEST_CASE("https system store: a hashed SSL_CERT_DIR holding the server's CA is trusted without SSL_CERT_FILE") {
  Served s;
  const std::string certDir = s.dir.path() + "/certs";
  std::filesystem::create_directory(certDir);
  std::filesystem::copy_file(s.ca.caCertFile(), certDir + "/" + hashName(s.ca.caCertFile()));
  const Env env(certDir);
  Client client(direct());
  const auto response = client.send(Request("GET", s.server.baseUrl() + "/"));
  CHECK(response.status == 200);
  CHECK(response.body == "ok");
}

TEST_CASE("https system store: a hashed directory without the server's CA fails as Certificate and is named") {
  Served s;
  TempDir other;
  const TestCa otherCa = TestCa::create(other.path() + "/ca");
  const std::string certDir = s.dir.path() + "/certs";
  std::filesystem::create_directory(certDir);
  std::filesystem::copy_file(otherCa.caCertFile(), certDir + "/" + hashName(otherCa.caCertFile()));
  const Env env(certDir);
  Client client(direct());
  try {
    client.send(Request("GET", s.server.baseUrl() + "/"));
    FAIL("a server whose CA is not in the store was trusted");
  } catch (const TransportError& e) {
    INFO(std::string(e.what()));
    CHECK(e.kind() == TransportFailure::Certificate);
    CHECK(std::string(e.what()).find("hashed directory " + certDir + ", read as needed") != std::string::npos);
  }
}

TEST_CASE("https system store: a directory without hash names leaves OpenSSL's default paths in charge") {
  Served s;
  const std::string certDir = s.dir.path() + "/plain";
  std::filesystem::create_directory(certDir);
  std::filesystem::copy_file(s.ca.caCertFile(), certDir + "/server-ca.pem");  // not a name OpenSSL looks up
  const Env env(certDir);
  Client client(direct());
  try {
    client.send(Request("GET", s.server.baseUrl() + "/"));
    FAIL("a CA under a name OpenSSL never looks up was trusted");
  } catch (const TransportError& e) {
    INFO(std::string(e.what()));
    CHECK(e.kind() == TransportFailure::Certificate);
    CHECK(std::string(e.what()).find(std::string("the system store (") + X509_get_default_cert_file()) !=
          std::string::npos);
    CHECK(std::string(e.what()).find("SSL_CERT_DIR=" + certDir) != std::string::npos);
  }
}
