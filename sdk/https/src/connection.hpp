// One TCP connection of the HTTPS client, plain or with TLS on top, every wait bounded: non-blocking sockets and
// poll(), so a connect, a handshake, a send or a receive each ends within its timeout.
#pragma once

#include "tls_context.hpp"

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace keeper_rotate::https::detail {

class Connection {
 public:
  /// Resolves `host` and connects to the first address that accepts within `connectTimeout` (per address).
  /// Throws Failure: UnknownHost when DNS has no such name, Connect when refused or unreachable (or DNS failed
  /// for now), Timeout.
  static std::unique_ptr<Connection> open(const std::string& host, std::uint16_t port,
                                          std::chrono::milliseconds connectTimeout,
                                          std::chrono::milliseconds ioTimeout);
  /// Takes over an already connected stream socket (for tests and fuzzing of what reads from a connection).
  static std::unique_ptr<Connection> adopt(int fd, std::chrono::milliseconds ioTimeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// TLS handshake as a client of `ctx` with the peer expectations of expectPeer(). On failure throws Failure
  /// (Tls, Dropped or Timeout); when certificate verification failed, `record` says why.
  void startTls(SSL_CTX* ctx, const std::string& host, VerifyRecord& record);

  /// Sends all of `data`. Throws Failure(Dropped) when the connection fails, Failure(Timeout).
  void writeAll(std::string_view data);
  /// Up to `size` bytes; 0 at the end of the stream. Throws Failure(Dropped) when the connection fails (a TLS
  /// stream that ends without the peer's close_notify counts as an end only where `cleanEnd()` says so),
  /// Failure(Timeout).
  std::size_t readSome(char* buffer, std::size_t size);
  /// After readSome returned 0: whether the stream ended properly (TCP FIN, or TLS close_notify).
  bool cleanEnd() const { return cleanEnd_; }
  /// For reuse of a kept-alive connection: true when the peer has closed it or sent something unasked (either way
  /// it cannot carry another request). TLS records without application data (session tickets) are taken in on the
  /// way. Never blocks.
  bool closedByPeer();
  /// The bound of every later send and receive (a kept-alive connection serves requests with different budgets).
  void setIoTimeout(std::chrono::milliseconds timeout) { ioTimeout_ = timeout; }

 private:
  Connection(int fd, std::chrono::milliseconds ioTimeout) : fd_(fd), ioTimeout_(ioTimeout) {}
  // Waits until the socket is readable (`forRead`) or writable; throws Failure(Timeout) after `timeout`.
  void await(bool forRead, std::chrono::milliseconds timeout, const char* what) const;
  // After an SSL call returned `rc` <= 0: waits and returns true to call again, or throws.
  bool retryTls(int rc, std::chrono::milliseconds timeout, const char* what);

  int fd_;
  SSL* ssl_ = nullptr;
  std::chrono::milliseconds ioTimeout_;
  bool cleanEnd_ = false;
};

}  // namespace keeper_rotate::https::detail
