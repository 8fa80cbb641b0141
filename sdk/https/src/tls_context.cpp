#include "tls_context.hpp"

#include "failure.hpp"
#include "keeper_rotate/https_client.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>

namespace keeper_rotate::https::detail {
namespace {

std::string nameText(const X509_NAME* name) {
  if (name == nullptr) return "(none)";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "(unprintable)";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out = size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
  BIO_free(bio);
  return printable(out.empty() ? "(empty)" : out);
}

// The DNS and IP subjectAltNames of a certificate, "DNS:a, IP:1.2.3.4", for host name mismatches.
std::string altNames(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return "no subjectAltName";
  std::string out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && i < 20; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string item;
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      item = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const int length = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      if ((length == 4 || length == 16) &&
          ::inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof text) != nullptr)
        item = std::string("IP:") + text;
    }
    if (!item.empty()) out += (out.empty() ? "" : ", ") + item;
  }
  GENERAL_NAMES_free(names);
  return printable(out.empty() ? "no DNS or IP subjectAltName" : out, 300);
}

int recordIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// It never accepts what OpenSSL rejected (it returns `ok` unchanged); it notes the server's certificate and the
// first verification error for the message.
int verifyCallback(int ok, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* record = ssl == nullptr ? nullptr : static_cast<VerifyRecord*>(SSL_get_ex_data(ssl, recordIndex()));
  if (record == nullptr) return ok;
  if (X509* leaf = X509_STORE_CTX_get0_cert(store); leaf != nullptr && !record->haveLeaf) {
    record->haveLeaf = true;
    record->leafSubject = nameText(X509_get_subject_name(leaf));
    record->leafIssuer = nameText(X509_get_issuer_name(leaf));
    record->leafNames = altNames(leaf);
  }
  if (!ok && !record->failed) {
    record->failed = true;
    record->error = X509_STORE_CTX_get_error(store);
    record->depth = X509_STORE_CTX_get_error_depth(store);
    record->reason = X509_verify_cert_error_string(record->error);
    if (record->depth > 0)
      if (X509* current = X509_STORE_CTX_get_current_cert(store))
        record->failingSubject = nameText(X509_get_subject_name(current));
  }
  return ok;
}

// True when `dir` holds OpenSSL's subject-hash names ("5ad8a5d6.0"), as update-ca-certificates and
// `openssl rehash` write them: then OpenSSL can look a CA up by name instead of parsing a whole bundle.
bool isHashedDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool hashed = false;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const auto dot = name.find('.');
    if (dot == 8 && dot + 1 < name.size() &&
        std::all_of(name.begin(), name.begin() + 8, [](unsigned char c) { return std::isxdigit(c) != 0; }) &&
        std::all_of(name.begin() + 9, name.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      hashed = true;
      break;
    }
  }
  ::closedir(d);
  return hashed;
}

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string printable(std::string text, std::size_t max) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

std::string openSslErrors(const char* whenNone) {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += (out.empty() ? "" : "; ") + std::string(text);
  }
  return out.empty() ? whenNone : out;
}

bool VerifyRecord::hostNameError() const {
  return error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH ||
         error == X509_V_ERR_EMAIL_MISMATCH;
}

std::string VerifyRecord::facts(const Trust& trust) const {
  if (!haveLeaf) return "the server's certificate was not seen; " + trust.description;
  return "server certificate subject '" + leafSubject + "', issuer '" + leafIssuer + "'; " + trust.description;
}

Trust trustFor(const Options& options) {
  Trust t;
  if (!options.caFile.empty()) {
    t.caFile = options.caFile;
    t.description = "trusted CAs: " + options.caFile + " (the client's CA file option)";
    return t;
  }
  if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
    t.caFile = env;
    t.description = "trusted CAs: SSL_CERT_FILE=" + t.caFile;
    return t;
  }
  // The system store. Loading OpenSSL's default bundle parses every certificate in it (150 on Debian 12, a few
  // milliseconds of CPU per TLS context, tools/bench/README.md); the hashed directory next to it holds the same
  // CAs and lets OpenSSL read only the ones a chain names. Trusting the directory alone trusts a subset of what the
  // default paths trust (they are the bundle plus this directory), never more; a system without a hashed
  // directory keeps the default paths.
  const char* dirEnv = std::getenv("SSL_CERT_DIR");
  const std::string dirs = dirEnv != nullptr && *dirEnv != '\0' ? dirEnv : X509_get_default_cert_dir();
  std::string::size_type start = 0;
  while (start <= dirs.size() && t.caDir.empty()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    if (isHashedDirectory(dirs.substr(start, end - start))) t.caDir = dirs;
    start = end + 1;
  }
  if (!t.caDir.empty()) {
    t.description = "trusted CAs: the system store (hashed directory " + t.caDir + ", read as needed";
  } else {
    t.description = std::string("trusted CAs: the system store (") + X509_get_default_cert_file() + ", " +
                    X509_get_default_cert_dir();
    if (dirEnv != nullptr && *dirEnv != '\0') t.description += std::string(", SSL_CERT_DIR=") + dirEnv;
  }
  t.description += "; SSL_CERT_FILE is not set)";
  return t;
}

ContextPtr makeContext(const Trust& trust) {
  ERR_clear_error();
  ContextPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) throw Failure(TransportFailure::Tls, "cannot create a TLS context (" + openSslErrors("no detail from OpenSSL") + ")");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx.get(), "HIGH:!aNULL:!MD5:!RC4") != 1)
    throw Failure(TransportFailure::Tls, "cannot set the TLS 1.2 cipher list (" + openSslErrors("no detail from OpenSSL") + ")");
  // A chain or name that does not verify aborts the handshake; the callback only takes notes.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, verifyCallback);
  int loaded = 0;
  if (!trust.caFile.empty()) {
    loaded = isDirectory(trust.caFile) ? SSL_CTX_load_verify_locations(ctx.get(), nullptr, trust.caFile.c_str())
                                       : SSL_CTX_load_verify_locations(ctx.get(), trust.caFile.c_str(), nullptr);
  } else if (!trust.caDir.empty()) {
    loaded = SSL_CTX_load_verify_dir(ctx.get(), trust.caDir.c_str());
  } else {
    loaded = SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (loaded != 1)
    throw Failure(TransportFailure::Certificate,
                  "cannot load the trusted CAs (" + trust.description + "): " + openSslErrors("no detail from OpenSSL"));
  return ctx;
}

std::shared_ptr<SSL_CTX> sharedContext(const Trust& trust) {
  // Weak references only: the map never frees a context itself, so nothing is left for a static destructor to
  // release after OpenSSL's own clean-up at exit.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SSL_CTX>> contexts;
  const std::string key = trust.caFile + '\n' + trust.caDir + '\n' + trust.description;
  const std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<SSL_CTX> existing = contexts[key].lock()) return existing;
  std::shared_ptr<SSL_CTX> created(makeContext(trust).release(), ContextFree());
  contexts[key] = created;
  return created;
}

void expectPeer(SSL* ssl, const std::string& host, VerifyRecord* record) {
  unsigned char address[16];
  const bool ip = ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const bool named = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1
                        : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1 &&
                              SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
  if (!named) throw Failure(TransportFailure::Invalid, "cannot use '" + host + "' as the TLS peer name");
  SSL_set_ex_data(ssl, recordIndex(), record);
}

}  // namespace keeper_rotate::https::detail
