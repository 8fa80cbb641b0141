#include "loader/integrity.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace keeper_rotate::host {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's own limit (ELOOP)

struct Walk {
  const std::string& prefix;
  uid_t euid = ::geteuid();
  int links = 0;
};

[[noreturn]] void fail(const Walk& w, const std::string& what) { throw IntegrityError(w.prefix + what); }

std::string modeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string userName(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr && found->pw_name != nullptr)
    return found->pw_name;
  return {};
}

std::string userText(uid_t uid) {
  const std::string name = userName(uid);
  return "uid " + std::to_string(uid) + (name.empty() ? "" : " (" + name + ")");
}

/// `what` names the entry for the message: "the file", "its directory /x", "the directory /x on the path to it".
/// `strict`: no sticky-bit exemption (the file itself and the directory that holds it).
void checkEntry(const fs::path& p, const struct stat& st, const std::string& what, bool strict, const Walk& w) {
  if (st.st_uid != 0 && st.st_uid != w.euid) {
    const std::string self = userName(w.euid);
    fail(w, what + " is owned by " + userText(st.st_uid) + ", neither root nor the user keeper-rotate runs as (" +
                userText(w.euid) + "), who could change what is loaded. Fix: chown root " + p.string() +
                (w.euid == 0 ? std::string()
                             : " (or chown " + (self.empty() ? std::to_string(w.euid) : self) + " " + p.string() +
                                   ")"));
  }
  const mode_t writable = st.st_mode & (S_IWGRP | S_IWOTH);
  if (writable == 0) return;
  const bool stickyRoot = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0 && st.st_uid == 0;
  if (!strict && stickyRoot) return;  // /tmp: others cannot rename or remove entries they do not own
  const std::string who = writable == (S_IWGRP | S_IWOTH) ? "group- and world-writable"
                          : (writable & S_IWGRP)          ? "group-writable"
                                                          : "world-writable";
  const std::string bits = writable == (S_IWGRP | S_IWOTH) ? "go-w" : (writable & S_IWGRP) ? "g-w" : "o-w";
  std::string fix = "Fix: chmod " + bits + " " + p.string();
  if (S_ISDIR(st.st_mode) && !strict && st.st_uid == 0)
    fix += " (or, for a shared directory such as /tmp, chmod +t " + p.string() + ")";
  fail(w, what + " is " + who + " (mode " + modeText(st.st_mode) + "), so others could change what is loaded. " +
              fix);
}

void lstatOrFail(const fs::path& p, struct stat& st, const Walk& w, const std::string& what) {
  if (::lstat(p.c_str(), &st) != 0) fail(w, "cannot access " + what + " (" + std::strerror(errno) + ")");
}

/// Resolves the absolute path `abs` component by component as the kernel would, checking every directory it enters
/// (non-strict) on the way, also those a symlink leads through. Returns the real path; its last entry is not
/// checked here (the caller knows what it must be).
fs::path resolve(const fs::path& abs, Walk& w) {
  fs::path cur = "/";
  struct stat st {};
  lstatOrFail(cur, st, w, "/");
  checkEntry(cur, st, "the directory / on the path to it", false, w);
  std::vector<std::string> parts;
  for (const auto& part : abs.relative_path()) {
    const std::string s = part.string();
    if (!s.empty() && s != ".") parts.push_back(s);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    if (parts[i] == "..") {  // `cur` is real, so its parent is where ".." leads
      cur = cur.parent_path();
      continue;
    }
    const fs::path next = cur / parts[i];
    lstatOrFail(next, st, w, next.string());
    if (S_ISLNK(st.st_mode)) {
      if (++w.links > kMaxSymlinks) fail(w, "too many levels of symbolic links at " + next.string());
      std::error_code ec;
      const fs::path target = fs::read_symlink(next, ec);
      if (ec) fail(w, "cannot read the symbolic link " + next.string() + " (" + ec.message() + ")");
      cur = resolve(target.is_absolute() ? target : cur / target, w);
      if (!last) {
        lstatOrFail(cur, st, w, cur.string());
        if (!S_ISDIR(st.st_mode)) fail(w, cur.string() + " (linked from " + next.string() + ") is not a directory");
        checkEntry(cur, st, "the directory " + cur.string() + " on the path to it", false, w);
      }
      continue;
    }
    if (!last) {
      if (!S_ISDIR(st.st_mode)) fail(w, next.string() + " is not a directory");
      checkEntry(next, st, "the directory " + next.string() + " on the path to it", false, w);
    }
    cur = next;
  }
  return cur;
}

fs::path absolute(const fs::path& p, const Walk& w) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) fail(w, "cannot make " + p.string() + " absolute (" + ec.message() + ")");
  return abs;
}

/// The real directory `dir` (from resolve) checked strictly, as the holder of a file.
void checkHolder(const fs::path& dir, const std::string& what, const Walk& w) {
  struct stat st {};
  lstatOrFail(dir, st, w, dir.string());
  if (!S_ISDIR(st.st_mode)) fail(w, dir.string() + " is not a directory");
  checkEntry(dir, st, what, true, w);
}

}  // namespace

fs::path checkTrustedFile(const fs::path& path, const std::string& prefix) {
  Walk w{prefix};
  const fs::path abs = absolute(path, w);
  // The directory that holds the name (the plugin directory), then what the name itself resolves to.
  const fs::path dir = resolve(abs.parent_path(), w);
  checkHolder(dir, "its directory " + dir.string(), w);
  const fs::path real = resolve(dir / abs.filename(), w);
  if (real.parent_path() != dir)
    checkHolder(real.parent_path(), "the directory " + real.parent_path().string() + " that holds its target " +
                                        real.string(),
                w);
  struct stat st {};
  lstatOrFail(real, st, w, "the file");
  if (!S_ISREG(st.st_mode)) fail(w, real.string() + " is not a regular file");
  checkEntry(real, st, real == dir / abs.filename() ? "the file" : "the file " + real.string() + " it links to", true, w);
  return real;
}

fs::path checkTrustedDirectory(const fs::path& path, const std::string& prefix) {
  Walk w{prefix};
  const fs::path real = resolve(absolute(path, w), w);
  checkHolder(real, "the directory " + real.string(), w);
  return real;
}

std::string sha256File(const fs::path& realPath, const std::string& prefix) {
  Walk w{prefix};
  const int fd = ::open(realPath.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) fail(w, "cannot open " + realPath.string() + " (" + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(w, "cannot stat " + realPath.string() + " (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) fail(w, realPath.string() + " is not a regular file");
  checkEntry(realPath, st, "the file " + realPath.string(), true, w);

  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) fail(w, "cannot start SHA-256 (OpenSSL)");
  std::vector<unsigned char> buf(64 * 1024);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(w, "cannot read " + realPath.string() + " (" + std::strerror(errno) + ")");
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n)) != 1) fail(w, "SHA-256 failed (OpenSSL)");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) fail(w, "SHA-256 failed (OpenSSL)");
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace keeper_rotate::host
