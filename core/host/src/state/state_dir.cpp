#include "state/state_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// mkdir -p with 0700 for every directory it creates.
bool makeDirs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !makeDirs(path.substr(0, slash))) return false;
  return ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST;
}

bool usable(const std::string& path, std::string& why) {
  if (!makeDirs(path)) {
    why = path + ": cannot create it (" + std::strerror(errno) + ")";
    return false;
  }
  if (::access(path.c_str(), W_OK | X_OK) != 0) {
    why = path + ": not writable by this user";
    return false;
  }
  return stateDirIsPrivate(path, why);
}

}  // namespace

bool stateDirIsPrivate(const std::string& path, std::string& why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    why = path + " is not a directory";
    return false;
  }
  if (st.st_uid != ::geteuid()) {
    why = path + " is owned by uid " + std::to_string(st.st_uid) + ", not by the running user (uid " +
          std::to_string(::geteuid()) + "); chown it or choose another with KEEPER_ROTATE_STATE_DIR";
    return false;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    why = path + " is writable by group or others (chmod go-w " + path + ")";
    return false;
  }
  return true;
}

std::optional<StateDir> resolveStateDir(std::string& why) {
  std::vector<StateDir> candidates;
  if (const std::string v = env("KEEPER_ROTATE_STATE_DIR"); !v.empty()) {
    // An explicit choice is the only one tried: falling back silently would scatter journals.
    if (usable(v, why)) return StateDir{v, "KEEPER_ROTATE_STATE_DIR"};
    return std::nullopt;
  }
  if (std::string v = env("STATE_DIRECTORY"); !v.empty()) candidates.push_back({v.substr(0, v.find(':')), "STATE_DIRECTORY"});
  candidates.push_back({"/var/lib/keeper-rotate", "/var/lib/keeper-rotate"});
  if (const std::string v = env("XDG_STATE_HOME"); !v.empty())
    candidates.push_back({v + "/keeper-rotate", "XDG_STATE_HOME"});
  else if (const std::string home = env("HOME"); !home.empty())
    candidates.push_back({home + "/.local/state/keeper-rotate", "~/.local/state"});
  std::string reasons;
  for (const auto& c : candidates) {
    std::string one;
    if (usable(c.path, one)) return c;
    reasons += (reasons.empty() ? "" : "; ") + one;
  }
  why = reasons.empty() ? "no candidate directory (no HOME)" : reasons;
  return std::nullopt;
}

}  // namespace keeper_rotate::host
