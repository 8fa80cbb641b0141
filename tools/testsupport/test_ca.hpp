// Test certificate authority for hermetic HTTPS tests and the local demo: a fresh CA and a server certificate for
// localhost (SAN DNS:localhost and IP:127.0.0.1), generated with OpenSSL 3 at run time, never committed.
#pragma once

#include <string>

namespace keeper_rotate::testsupport {

class TestCa {
 public:
  /// Create CA + server key/certificate as PEM files in `directory` (created if missing):
  /// ca.pem, server.pem, server-key.pem. Throws std::runtime_error on failure.
  /// `serverNames` is the server certificate's subjectAltName (OpenSSL syntax); tests of host name checks pass
  /// another name.
  static TestCa create(const std::string& directory,
                       const std::string& serverNames = "DNS:localhost,IP:127.0.0.1");

  const std::string& directory() const { return directory_; }
  const std::string& caCertFile() const { return caCertFile_; }
  const std::string& serverCertFile() const { return serverCertFile_; }
  const std::string& serverKeyFile() const { return serverKeyFile_; }

 private:
  std::string directory_, caCertFile_, serverCertFile_, serverKeyFile_;
};

/// A fresh private temporary directory (mode 0700) under $TMPDIR or /tmp; removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "keeper-rotate-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace keeper_rotate::testsupport
