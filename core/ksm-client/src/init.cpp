#include "kr_ksm/init.hpp"

#include "kr_ksm/base64.hpp"
#include "kr_ksm/client.hpp"
#include "kr_ksm/config.hpp"
#include "kr_ksm/crypto.hpp"
#include "kr_ksm/errors.hpp"

#include <keeper_rotate/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace keeper_rotate::ksm {
namespace {

struct InitFailure {
  int exitCode;
  std::string message;
};

/// serverPublicKeyId as the SDKs write it (a string of digits) or as a number. Throws InitFailure otherwise.
int keyIdOf(const json::Value& v, const std::string& path) {
  if (v.isNumber()) {
    const double d = v.number();
    if (d >= 1 && d <= 1000000 && std::trunc(d) == d) return static_cast<int>(d);
  }
  const std::optional<std::string> text = v.isString() ? json::text(v) : std::nullopt;
  if (text && !text->empty()) {
    char* end = nullptr;
    errno = 0;
    const long id = std::strtol(text->c_str(), &end, 10);
    if (*end == '\0' && errno == 0 && id > 0 && id <= 1000000) return static_cast<int>(id);
  }
  throw InitFailure{3, "--out " + path + ": serverPublicKeyId is not a positive integer"};
}

/// Server key settings already present in an existing config file (kept across re-binding).
void keepPinnedKey(const std::string& path, int& keyId, std::string& key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  std::string text = readFile(path);
  // The file holds the old device's key material: the document zeroes it when it goes out of scope.
  json::Value parsed;
  try {
    parsed = json::parse(text);
  } catch (const std::exception&) {
  }
  json::wipe(text);
  if (!parsed.isObject())
    throw InitFailure{3, "--out " + path + " exists but is not a JSON KSM configuration; refusing to replace it"};
  const json::Object& obj = parsed.object();
  const json::Value* pinnedKey = obj.find("serverPublicKey");
  const json::Value* pinnedId = obj.find("serverPublicKeyId");
  if (pinnedId != nullptr && pinnedId->isNull()) pinnedId = nullptr;
  if (key.empty() && pinnedKey != nullptr && !pinnedKey->isNull()) {
    if (!pinnedKey->isString()) throw InitFailure{3, "--out " + path + ": serverPublicKey is not base64"};
    try {
      key = base64::decode(pinnedKey->string());
    } catch (const std::exception&) {
      throw InitFailure{3, "--out " + path + ": serverPublicKey is not base64"};
    }
    if (pinnedId != nullptr) keyId = keyIdOf(*pinnedId, path);
  } else if (keyId <= 0 && pinnedId != nullptr) {
    keyId = keyIdOf(*pinnedId, path);
  }
}

/// Write via a private temporary file in the same directory (created 0600 by mkstemp, so the key material is
/// never readable by others, not even briefly), fsync, then rename over the target.
void writePrivately(const std::string& path, std::string_view content) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string tmp = dir + "/.ksm-config-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw InitFailure{3, "cannot create a file in " + dir + ": " + std::strerror(errno)};
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int savedErrno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = ok ? errno : savedErrno;
    ::unlink(tmp.c_str());
    throw InitFailure{3, "cannot write " + path + ": " + std::strerror(err)};
  }
}

int exitCodeFor(const KsmError& e) {
  switch (e.kind()) {
    case KsmError::Kind::Config:
      return e.code() == "ksm.token" ? 2 : 3;
    case KsmError::Kind::Server:
      return (e.code() == "access_denied" || e.code() == "ksm.binding") ? 3 : 4;
    case KsmError::Kind::NotFound:
      return 3;
    default:
      return 4;
  }
}

}  // namespace

int runInit(const InitOptions& options) {
  try {
    if (options.out.empty()) throw InitFailure{2, "ksm init needs --out FILE"};
    BindOptions bind;
    bind.token = options.token.reveal();
    bind.hostname = options.hostname;
    parseToken(options.token.reveal());  // reject a malformed token before touching files or the network
    if (!options.serverPublicKey.empty()) {
      try {
        bind.serverPublicKey = base64::decode(options.serverPublicKey);
      } catch (const std::exception&) {
        throw InitFailure{2, "--server-public-key is not base64"};
      }
      if (bind.serverPublicKey.size() != crypto::kPointSize)
        throw InitFailure{2, "--server-public-key must be a 65-byte uncompressed P-256 point"};
      if (!options.serverPublicKeyId || *options.serverPublicKeyId <= 0)
        throw InitFailure{2, "--server-public-key needs --server-public-key-id"};
    }
    if (options.serverPublicKeyId) bind.serverPublicKeyId = *options.serverPublicKeyId;
    keepPinnedKey(options.out, bind.serverPublicKeyId, bind.serverPublicKey);
    bind.client.log = [](const std::string& line) { std::cerr << "keeper-rotate: " << line << "\n"; };

    const Config bound = bindToken(bind);
    const Secret json = configToJson(bound);
    writePrivately(options.out, json.reveal());

    json::Object summary;
    summary.set("status", "bound");
    summary.set("out", options.out);
    summary.set("hostname", bound.hostname);
    summary.set("serverPublicKeyId", bound.serverPublicKeyId);
    std::cout << json::stringify(json::Value(std::move(summary))) << std::endl;
    std::cerr << "keeper-rotate: bound a KSM device on " << bound.hostname << "; configuration written to "
              << options.out << " (mode 0600)\n";
    return 0;
  } catch (const InitFailure& f) {
    std::cerr << "keeper-rotate: ksm init: " << f.message << "\n";
    return f.exitCode;
  } catch (const KsmError& e) {
    std::cerr << "keeper-rotate: ksm init: " << e.what() << "\n";
    return exitCodeFor(e);
  } catch (const std::exception& e) {
    std::cerr << "keeper-rotate: ksm init: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace keeper_rotate::ksm
