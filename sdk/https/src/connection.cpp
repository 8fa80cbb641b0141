#include "connection.hpp"

#include "failure.hpp"

#include <openssl/err.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace keeper_rotate::https::detail {
namespace {

using std::chrono::milliseconds;

std::string errnoText(int error) { return std::strerror(error); }

// OpenSSL writes to the socket with write(), which raises SIGPIPE when the peer has gone: by default that kills
// the process mid-rotation. While a TLS call runs, SIGPIPE is blocked for this thread, and one it raised is taken
// back before the old mask returns (the failed write then reports EPIPE as a dropped connection); a SIGPIPE that
// was already pending stays pending. The process's signal dispositions are left alone.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    wasPending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeBlocked() {
    const int savedErrno = errno;  // the failed call's cause, read right after
    if (!wasPending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const timespec now{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    errno = savedErrno;
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_, previous_;
  bool wasPending_ = false;
};

int pollTimeout(milliseconds timeout) {
  return timeout.count() > 0x7fffffff ? 0x7fffffff : static_cast<int>(timeout.count() < 0 ? 0 : timeout.count());
}

// Connects `fd` (non-blocking) to `address` within `timeout`; returns 0 or the errno of the failure (ETIMEDOUT
// for a timeout).
int connectWithin(int fd, const sockaddr* address, socklen_t length, milliseconds timeout) {
  if (::connect(fd, address, length) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = ::poll(&p, 1, pollTimeout(timeout));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
  return error;
}

}  // namespace

std::unique_ptr<Connection> Connection::open(const std::string& host, std::uint16_t port, milliseconds connectTimeout,
                                             milliseconds ioTimeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    const std::string why = rc == EAI_SYSTEM ? errnoText(errno) : ::gai_strerror(rc);
    if (rc == EAI_NONAME)
      throw Failure(TransportFailure::UnknownHost, "unknown host name (" + why +
                                                       "); DNS has no such name: check the host name in the URL "
                                                       "(or HTTPS_PROXY)");
#ifdef EAI_NODATA
    if (rc == EAI_NODATA)
      throw Failure(TransportFailure::UnknownHost, "unknown host name (" + why +
                                                       "); DNS has no address for it: check the host name in the "
                                                       "URL (or HTTPS_PROXY)");
#endif
    throw Failure(TransportFailure::Connect, "cannot resolve " + host + " (" + why + ")");
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  int lastError = 0;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      lastError = errno;
      continue;
    }
    lastError = connectWithin(fd, a->ai_addr, a->ai_addrlen, connectTimeout);
    if (lastError == 0) {
      // Requests are written whole and answered at once: waiting to coalesce small segments only adds latency.
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      return std::unique_ptr<Connection>(new Connection(fd, ioTimeout));
    }
    ::close(fd);
  }
  if (lastError == ETIMEDOUT)
    throw Failure(TransportFailure::Timeout, "connect timed out after " + std::to_string(connectTimeout.count()) +
                                                 " ms");
  throw Failure(TransportFailure::Connect, "connect failed: " + errnoText(lastError));
}

std::unique_ptr<Connection> Connection::adopt(int fd, milliseconds ioTimeout) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw Failure(TransportFailure::Connect, "cannot make the socket non-blocking: " + errnoText(errno));
  return std::unique_ptr<Connection>(new Connection(fd, ioTimeout));
}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

void Connection::await(bool forRead, milliseconds timeout, const char* what) const {
  pollfd p{fd_, static_cast<short>(forRead ? POLLIN : POLLOUT), 0};
  int ready;
  do {
    ready = ::poll(&p, 1, pollTimeout(timeout));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0)
    throw Failure(TransportFailure::Timeout, std::string(what) + " timed out after " +
                                                 std::to_string(timeout.count()) + " ms");
  if (ready < 0) throw Failure(TransportFailure::Dropped, std::string(what) + ": poll failed: " + errnoText(errno));
  // POLLERR / POLLHUP: the next call reports the cause.
}

bool Connection::retryTls(int rc, milliseconds timeout, const char* what) {
  const int error = SSL_get_error(ssl_, rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    await(error == SSL_ERROR_WANT_READ, timeout, what);
    return true;
  }
  const int savedErrno = errno;
  // OpenSSL 3 reports a peer that closed without close_notify as an SSL error with this reason.
  const bool unexpectedEof =
      error == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
  const std::string detail = openSslErrors();
  if (error == SSL_ERROR_SYSCALL || unexpectedEof)
    throw Failure(TransportFailure::Dropped,
                  std::string(what) + ": the connection was closed or reset" +
                      (savedErrno != 0 && error == SSL_ERROR_SYSCALL ? " (" + errnoText(savedErrno) + ")" : "") +
                      (detail.empty() ? "" : " (" + detail + ")"));
  if (error == SSL_ERROR_ZERO_RETURN)
    throw Failure(TransportFailure::Dropped, std::string(what) + ": the server closed the TLS session");
  throw Failure(TransportFailure::Tls, std::string(what) + ": " + (detail.empty() ? "TLS failure" : detail));
}

void Connection::startTls(SSL_CTX* ctx, const std::string& host, VerifyRecord& record) {
  ERR_clear_error();
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr) throw Failure(TransportFailure::Tls, "cannot create a TLS session (" + openSslErrors() + ")");
  expectPeer(ssl_, host, &record);
  if (SSL_set_fd(ssl_, fd_) != 1) throw Failure(TransportFailure::Tls, "cannot attach TLS (" + openSslErrors() + ")");
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int rc;
    {
      const SigpipeBlocked quiet;
      rc = SSL_connect(ssl_);
    }
    if (rc == 1) break;
    retryTls(rc, ioTimeout_, "TLS handshake");
  }
  // Verification already aborted any handshake it rejected; this states the invariant where it matters.
  if (SSL_get0_peer_certificate(ssl_) == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK)
    throw Failure(TransportFailure::Certificate, "the server's certificate was not verified");
}

void Connection::writeAll(std::string_view data) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      errno = 0;
      std::size_t written = 0;
      int rc;
      {
        const SigpipeBlocked quiet;
        rc = SSL_write_ex(ssl_, data.data(), data.size(), &written);
      }
      if (rc == 1) {
        data.remove_prefix(written);
        continue;
      }
      retryTls(rc, ioTimeout_, "sending the request");
      continue;
    }
    const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent >= 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      await(false, ioTimeout_, "sending the request");
    } else if (errno != EINTR) {
      throw Failure(TransportFailure::Dropped, "sending the request failed: " + errnoText(errno));
    }
  }
}

std::size_t Connection::readSome(char* buffer, std::size_t size) {
  for (;;) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      errno = 0;
      std::size_t got = 0;
      int rc;
      {
        const SigpipeBlocked quiet;  // reading may write too (a TLS 1.3 key update, an alert)
        rc = SSL_read_ex(ssl_, buffer, size, &got);
      }
      if (rc == 1) return got;
      if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) {
        cleanEnd_ = true;
        return 0;
      }
      retryTls(rc, ioTimeout_, "reading the response");
      continue;
    }
    const ssize_t got = ::recv(fd_, buffer, size, 0);
    if (got > 0) return static_cast<std::size_t>(got);
    if (got == 0) {
      cleanEnd_ = true;
      return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      await(true, ioTimeout_, "reading the response");
    } else if (errno != EINTR) {
      throw Failure(TransportFailure::Dropped, "reading the response failed: " + errnoText(errno));
    }
  }
}

bool Connection::closedByPeer() {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return false;
  if (ssl_ == nullptr || (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return true;
  // A TLS 1.3 server sends its session tickets after the handshake: records the library takes in without any
  // application data. Only data, an alert or the end of the stream mean the connection cannot carry a request.
  char byte = 0;
  std::size_t got = 0;
  ERR_clear_error();
  const SigpipeBlocked quiet;  // reading may write too (a TLS 1.3 key update, an alert)
  const int rc = SSL_read_ex(ssl_, &byte, 1, &got);
  const int error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
  ERR_clear_error();
  return rc == 1 || error != SSL_ERROR_WANT_READ || SSL_pending(ssl_) > 0;
}

}  // namespace keeper_rotate::https::detail
