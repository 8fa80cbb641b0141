#include "loader/registry.hpp"

#include "loader/integrity.hpp"

#include <algorithm>
#include <set>
#include <system_error>

#ifndef KR_PLUGIN_RELDIR
#define KR_PLUGIN_RELDIR "lib/keeper-rotate/plugins"
#endif

namespace keeper_rotate::host {
namespace fs = std::filesystem;

std::filesystem::path executablePath() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

fs::path defaultPluginLockPath() { return pluginLockPath(executablePath()); }

const PluginLock* PluginRegistry::lock() {
  if (!lockRead_) {
    lockRead_ = true;
    try {
      lock_ = readPluginLock(lockFile_);
    } catch (const IntegrityError& e) {
      lockError_ = e.what();
    }
  }
  if (!lockError_.empty()) throw IntegrityError(lockError_ + ". No plugin loads until the lock file is fixed");
  return lock_ ? &*lock_ : nullptr;
}

std::vector<fs::path> pluginSearchPath(const std::vector<std::string>& cliDirs, const char* envPath,
                                       const fs::path& executable) {
  std::vector<fs::path> dirs;
  for (const auto& d : cliDirs)
    if (!d.empty()) dirs.emplace_back(d);
  if (envPath != nullptr) {
    std::string_view rest(envPath);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) dirs.emplace_back(std::string(entry));  // empty entries mean nothing (not ".")
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (!executable.empty()) dirs.push_back((executable.parent_path() / ".." / KR_PLUGIN_RELDIR).lexically_normal());
  return dirs;
}

std::vector<PluginFileEntry> PluginRegistry::scan() const {
  std::vector<PluginFileEntry> entries;
  std::set<std::string> seen;
  for (const auto& dir : searchPath_) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (file.extension() != ".so") continue;
      const std::string stem = file.stem().string();
      const auto dash = stem.find('-');
      if (dash == std::string::npos) continue;
      const auto kind = kindFromPrefix(stem.substr(0, dash));
      const std::string name = stem.substr(dash + 1);
      if (!kind || !isValidPluginName(name)) continue;
      PluginFileEntry e{file, *kind, name, false};
      e.shadowed = !seen.insert(stem).second;
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

std::vector<std::string> PluginRegistry::available(kr_kind kind) const {
  std::vector<std::string> names;
  for (const auto& e : scan())
    if (e.kind == kind && !e.shadowed) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

const LoadedPlugin& PluginRegistry::load(kr_kind kind, const std::string& name) {
  const std::string key = std::string(kindPrefix(kind)) + "/" + name;
  if (auto it = loaded_.find(key); it != loaded_.end()) return *it->second;

  auto listAvailable = [&] {
    const auto names = available(kind);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::string dirs;
    for (const auto& d : searchPath_) dirs += (dirs.empty() ? "" : ", ") + d.string();
    return "Available " + std::string(kindLabel(kind)) + "s: " + (list.empty() ? "(none)" : list) +
           ". Searched: " + (dirs.empty() ? "(no directories)" : dirs);
  };
  if (!isValidPluginName(name))
    throw LoadError("'" + name + "' is not a valid " + kindLabel(kind) +
                    " name (lower-case letters, digits and '-'). " + listAvailable());
  const std::string file = key.substr(0, key.find('/')) + "-" + name + ".so";
  for (const auto& dir : searchPath_) {
    const fs::path candidate = dir / file;
    std::error_code ec;
    if (!fs::exists(candidate, ec)) continue;
    auto plugin = loadPluginFile(candidate, kind, name, lock());
    const LoadedPlugin& ref = *plugin;
    loaded_.emplace(key, std::move(plugin));
    return ref;
  }
  throw LoadError("unknown " + std::string(kindLabel(kind)) + " '" + name + "'. " + listAvailable());
}

}  // namespace keeper_rotate::host
