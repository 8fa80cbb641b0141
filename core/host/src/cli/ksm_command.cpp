// `ksm init`: binds a one-time access token through the internal KSM client library (core/ksm-client).
//
// The token never has to be on the command line, where every local user can read it (/proc/PID/cmdline, ps):
// `--token -` reads one line from stdin, and without --token it comes from KSM_TOKEN. `--token VALUE` still works,
// with a warning. The token is held in a Secret from the moment it is read and is never printed.
#include "cli/commands.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <kr_ksm/init.hpp>

namespace keeper_rotate::host {
namespace {

constexpr std::size_t kMaxTokenLine = 4096;  // a token is under 200 characters; anything longer is not one

const char* kTokenWays =
    "set KSM_TOKEN=[REGION:]TOKEN, or pass --token - and write the token on stdin, or (visible to other local users) "
    "--token [REGION:]TOKEN";

/// Echo off while a person types the token at a terminal; restored on destruction.
class NoEcho {
 public:
  NoEcho() {
    if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (!active_) return;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    std::cerr << "\n";
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

/// One line from stdin, without its line end ("\n" or "\r\n").
Secret tokenFromStdin() {
  if (::isatty(STDIN_FILENO) != 0) std::cerr << "One-time access token: " << std::flush;
  const NoEcho quiet;
  std::string line;
  line.reserve(kMaxTokenLine + 1);  // one buffer: growing would leave unzeroed copies behind
  bool tooLong = false;
  // Byte by byte from the descriptor: no stdio buffer keeps a copy of the token.
  for (char c;;) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (line.size() < kMaxTokenLine) line.push_back(c);
    else tooLong = true;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Secret token(line);
  explicit_bzero(line.data(), line.size());
  if (tooLong) throw UsageError("ksm init --token -: the line on stdin is longer than any one-time access token");
  if (token.empty()) throw UsageError(std::string("ksm init --token -: no token on stdin; ") + kTokenWays);
  return token;
}

}  // namespace

int runKsmCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 2 || pos[1] != "init")
    throw UsageError("usage: keeper-rotate ksm init [--token -] [--hostname HOST] --out FILE (the one-time token "
                     "from KSM_TOKEN, or on stdin with --token -)");
  if (opts.out.empty()) throw UsageError("ksm init needs --out FILE");
  if (opts.serverPublicKeyId.has_value() != !opts.serverPublicKey.empty())
    throw UsageError("--server-public-key-id and --server-public-key go together");
  keeper_rotate::ksm::InitOptions init;
  if (opts.tokenGiven && opts.token.reveal() == "-") {
    init.token = tokenFromStdin();
  } else if (opts.tokenGiven && !opts.token.empty()) {
    std::cerr << "keeper-rotate: warning: --token with the token itself puts it in this process's command line, "
                 "which other local users can read in /proc (ps) while ksm init runs; set KSM_TOKEN, or pass "
                 "--token - and write the token on stdin\n";
    init.token = opts.token.clone();
  } else if (!opts.tokenGiven) {
    if (const char* env = std::getenv("KSM_TOKEN"); env != nullptr && *env != '\0') init.token = std::string_view(env);
  }
  if (init.token.empty()) throw UsageError(std::string("ksm init needs the one-time access token: ") + kTokenWays);
  init.hostname = opts.hostname;
  init.out = opts.out;
  init.serverPublicKeyId = opts.serverPublicKeyId;
  init.serverPublicKey = opts.serverPublicKey;
  return keeper_rotate::ksm::runInit(init);
}

}  // namespace keeper_rotate::host
