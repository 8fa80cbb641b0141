// TLS for the HTTPS client, on OpenSSL directly: where trust comes from, the one client context per Client (strict
// verification, TLS 1.2 minimum, never interactive), the per-connection expectations (SNI, the host name or IP
// address the certificate must carry) and what verification saw, for messages an admin can act on.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace keeper_rotate::https {
struct Options;
}

namespace keeper_rotate::https::detail {

/// Text a server controls (a certificate name, a reason phrase) as it may appear in a message: control characters
/// replaced, at most `max` characters.
std::string printable(std::string text, std::size_t max = 200);

/// OpenSSL's error queue as text ("error:...; error:..."), emptied; `whenNone` when it holds nothing.
std::string openSslErrors(const char* whenNone = "");

/// Where trust comes from, for messages and for the context.
struct Trust {
  std::string caFile;       ///< empty: the system store
  std::string caDir;        ///< the system store as a hashed directory, read certificate by certificate as needed
  std::string description;  ///< "trusted CAs: ..."
};

/// Options::caFile, else SSL_CERT_FILE, else the system store (its hashed directory when it has one).
Trust trustFor(const Options& options);

/// What OpenSSL's chain verification saw during one handshake: the server's certificate and the first error.
struct VerifyRecord {
  bool failed = false;
  int error = 0;
  int depth = 0;
  std::string reason;          ///< X509_verify_cert_error_string
  std::string failingSubject;  ///< the certificate at `depth` when it is not the server's own
  bool haveLeaf = false;       ///< the server's certificate, whether verification failed or not
  std::string leafSubject, leafIssuer, leafNames;

  bool hostNameError() const;
  /// "server certificate subject '...', issuer '...'; trusted CAs: ..."
  std::string facts(const Trust& trust) const;
};

struct ContextFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using ContextPtr = std::unique_ptr<SSL_CTX, ContextFree>;

/// The client context: peer verification on (a failed chain or name aborts the handshake), TLS 1.2 minimum,
/// strong TLS 1.2 ciphers, no partial wildcards, the trusted CAs of `trust`. Throws Failure(Certificate) when the
/// CAs cannot be loaded.
ContextPtr makeContext(const Trust& trust);

/// makeContext(trust), shared by every Client of this copy of the library that has the same trust while one of them
/// holds it: one context and one parsed CA store per trust, not one per Client.
std::shared_ptr<SSL_CTX> sharedContext(const Trust& trust);

/// Prepares a connection's SSL object: SNI (for names, not IP addresses), the name or address the certificate
/// must carry, and `record` to fill during verification. `record` must outlive the handshake.
void expectPeer(SSL* ssl, const std::string& host, VerifyRecord* record);

}  // namespace keeper_rotate::https::detail
