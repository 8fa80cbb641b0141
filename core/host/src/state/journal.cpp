#include "state/journal.hpp"

#include <keeper_rotate/json.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

std::string hexSha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

namespace js = keeper_rotate::json;

std::string str(const js::Object& o, const char* key) {
  const std::string* v = o.findString(key);
  return v != nullptr ? *v : std::string();
}

long pidOf(const js::Object& o) {
  const js::Value* v = o.find("pid");
  return v != nullptr && v->isNumber() ? static_cast<long>(v->int64()) : 0;
}

void writeFully(int fd, const std::string& data, const std::string& path) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string journalFileKey(const std::string& uid) {
  bool plain = !uid.empty() && uid.size() <= 64;
  for (char c : uid)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) plain = false;
  return plain ? uid : "sha256-" + hexSha256(uid);
}

Journal::Journal(StateDir dir, std::string userRecordUid)
    : dir_(std::move(dir)), path_(dir_.path + "/pending-" + journalFileKey(userRecordUid) + ".json") {
  struct stat st;
  if (::lstat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw std::runtime_error("cannot read the crash journal " + path_ + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)))
    throw std::runtime_error("the crash journal " + path_ +
                             " is not a regular file owned by this user with mode 0600; it is not trusted. "
                             "Inspect and delete it.");
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const js::Value root = js::parse(text.str());
    if (!root.isObject()) throw std::runtime_error("expected a JSON object");
    const js::Array* list = root.object().findArray("entries");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      if (!(*list)[i].isObject()) continue;
      const js::Object& o = (*list)[i].object();
      JournalEntry e{str(o, "provider"), str(o, "target"), str(o, "keyId"), str(o, "userRecordUid"),
                     str(o, "created"), pidOf(o)};
      if (!e.keyId.empty() && !e.provider.empty()) entries_.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("the crash journal " + path_ + " cannot be parsed (" + e.what() +
                             "); inspect and delete it");
  }
}

std::vector<JournalEntry> Journal::entriesOf(const std::string& provider) const {
  std::vector<JournalEntry> out;
  for (const auto& e : entries_)
    if (e.provider == provider) out.push_back(e);
  return out;
}

void Journal::add(JournalEntry entry) {
  entries_.push_back(std::move(entry));
  save();
}

void Journal::remove(const std::string& keyId) {
  const auto before = entries_.size();
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const JournalEntry& e) { return e.keyId == keyId; }),
                 entries_.end());
  if (entries_.size() != before) save();
}

void Journal::save() const {
  if (entries_.empty()) {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
      throw std::runtime_error("cannot remove " + path_ + ": " + std::strerror(errno));
    return;
  }
  // Members in alphabetical order, as earlier versions wrote them.
  js::Array list;
  for (const auto& e : entries_)
    list.push_back(js::Object{{"created", e.created},
                              {"keyId", e.keyId},
                              {"pid", static_cast<long long>(e.pid)},
                              {"provider", e.provider},
                              {"target", e.target},
                              {"userRecordUid", e.userRecordUid}});
  const js::Value root = js::Object{{"entries", std::move(list)}, {"version", 1}};
  const std::string text = js::stringify(root);
  const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  try {
    writeFully(fd, text + "\n", tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot fsync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot replace " + path_ + ": " + std::strerror(errno));
  }
  const int dirFd = ::open(dir_.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
}

}  // namespace keeper_rotate::host
