#include "loader/plugin_lock.hpp"

#include "loader/integrity.hpp"
#include "loader/plugin.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KR_PLUGIN_RELDIR
#define KR_PLUGIN_RELDIR "lib/keeper-rotate/plugins"
#endif

namespace keeper_rotate::host {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxLockSize = 1024 * 1024;

bool isPluginFileName(const std::string& file) {
  if (file.size() < 4 || file.compare(file.size() - 3, 3, ".so") != 0) return false;
  const std::string stem = file.substr(0, file.size() - 3);
  const auto dash = stem.find('-');
  return dash != std::string::npos && kindFromPrefix(stem.substr(0, dash)) && isValidPluginName(stem.substr(dash + 1));
}

std::optional<std::string> normalHash(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string out;
  for (char c : hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    out += c;
  }
  return out;
}

std::string updateHint() {
  return "If this is the plugin you mean to run, pin the plugins as they are now with `keeper-rotate plugins lock` "
         "(with the same --plugin-dir and KEEPER_ROTATE_PLUGIN_PATH as the runs); otherwise restore the pinned file";
}

}  // namespace

fs::path pluginLockPath(const fs::path& executable) {
  if (executable.empty()) return {};
  return (executable.parent_path() / ".." / KR_PLUGIN_RELDIR).lexically_normal().parent_path() / kPluginLockName;
}

std::optional<PluginLock> readPluginLock(const fs::path& path) {
  struct stat st {};
  if (path.empty() || (::lstat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR))) return std::nullopt;
  const std::string prefix = "cannot use the plugin lock file " + path.string() + ": ";
  const fs::path real = checkTrustedFile(path, prefix);
  const int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw IntegrityError(prefix + "cannot open it (" + std::strerror(errno) + ")");
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw IntegrityError(prefix + "cannot read it (" + std::strerror(err) + ")");
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxLockSize) {
      ::close(fd);
      throw IntegrityError(prefix + "it is larger than 1 MiB");
    }
  }
  ::close(fd);

  PluginLock lock;
  lock.path = path;
  std::istringstream in(text);
  int lineNo = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::string file, hash, extra;
    if (!(words >> file) || file[0] == '#') continue;
    const std::string where = prefix + "line " + std::to_string(lineNo) + ": ";
    const std::string format = ". Each line is `<plugin file name> <sha256 hex>`; rewrite the file with "
                               "`keeper-rotate plugins lock`";
    if (!(words >> hash) || (words >> extra))
      throw IntegrityError(where + "expected a file name and a hash" + format);
    if (!isPluginFileName(file))
      throw IntegrityError(where + "'" + file + "' is not a plugin file name (<kind>-<name>.so)" + format);
    const auto h = normalHash(hash);
    if (!h) throw IntegrityError(where + "'" + hash + "' is not a SHA-256 in hex (64 digits)" + format);
    if (!lock.pins.emplace(file, *h).second)
      throw IntegrityError(where + file + " is listed twice" + format);
  }
  return lock;
}

std::string formatPluginLock(const std::map<std::string, std::string>& pins) {
  std::string s =
      "# keeper-rotate plugins.lock: the SHA-256 of every plugin allowed to load; any other plugin is refused.\n"
      "# Written by `keeper-rotate plugins lock`; check with `keeper-rotate plugins verify`.\n";
  for (const auto& [file, hash] : pins) s += file + " " + hash + "\n";
  return s;
}

void writePluginLock(const fs::path& path, const std::map<std::string, std::string>& pins) {
  const fs::path dir = checkTrustedDirectory(path.parent_path().empty() ? fs::path(".") : path.parent_path(),
                                             "cannot write the plugin lock file " + path.string() + ": ");
  std::string tmpl = (dir / (std::string(".") + kPluginLockName + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error("cannot create a temporary file in " + dir.string() + " (" + std::strerror(errno) + ")");
  const auto failWith = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write the plugin lock file " + path.string() + ": " + what + " (" +
                             std::strerror(err) + ")");
  };
  const std::string text = formatPluginLock(pins);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failWith("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) failWith("chmod 0644");
  if (::fsync(fd) != 0) failWith("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot write the plugin lock file " + path.string() + ": close (" +
                             std::strerror(err) + ")");
  }
  if (::rename(tmpl.c_str(), (dir / path.filename()).c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw std::runtime_error("cannot replace the plugin lock file " + path.string() + " (" + std::strerror(err) +
                             ")");
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // the rename is durable; a failure here changes nothing the caller could act on
    ::close(dfd);
  }
}

std::string checkAgainstLock(const PluginLock& lock, const fs::path& pluginPath, const fs::path& realPath) {
  const std::string prefix = "cannot load plugin " + pluginPath.string() + ": ";
  const std::string file = pluginPath.filename().string();
  const std::string actual = sha256File(realPath, prefix);
  const auto it = lock.pins.find(file);
  if (it == lock.pins.end())
    throw IntegrityError(prefix + file + " is not listed in the plugin lock file " + lock.path.string() +
                         ", which pins every plugin allowed to load (its sha256 is " + actual + "). " + updateHint());
  if (it->second != actual)
    throw IntegrityError(prefix + "its sha256 is " + actual + " but the plugin lock file " + lock.path.string() +
                         " pins " + file + " to " + it->second + ". " + updateHint());
  return actual;
}

}  // namespace keeper_rotate::host
