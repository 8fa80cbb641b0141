// PluginRegistry: finds plugins in the search path, loads each at most once and keeps every library loaded until
// the registry (which lives for the whole process) goes away. Instances must be destroyed before it.
#pragma once

#include "loader/plugin.hpp"
#include "loader/plugin_lock.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::host {

/// Search path in precedence order (first match wins):
///   1. every --plugin-dir, in the order given;
///   2. every KEEPER_ROTATE_PLUGIN_PATH entry, in order;
///   3. the plugins installed next to the executable: <exe dir>/../lib/keeper-rotate/plugins.
/// Explicit directories come first so an admin (or a test) can replace a plugin deliberately.
std::vector<std::filesystem::path> pluginSearchPath(const std::vector<std::string>& cliDirs, const char* envPath,
                                                    const std::filesystem::path& executable);

/// The directory holding the running executable (via /proc/self/exe).
std::filesystem::path executablePath();

struct PluginFileEntry {
  std::filesystem::path path;
  kr_kind kind{};
  std::string name;
  bool shadowed = false;  // a plugin of the same kind and name earlier in the search path wins
};

/// The lock file this process honours: pluginLockPath(executablePath()).
std::filesystem::path defaultPluginLockPath();

class PluginRegistry {
 public:
  /// `lockFile`: the plugins.lock to honour when it exists (empty: none). Every load checks the plugin's integrity
  /// (loader/integrity.hpp) and, when the lock exists, its hash.
  explicit PluginRegistry(std::vector<std::filesystem::path> searchPath,
                          std::filesystem::path lockFile = defaultPluginLockPath())
      : searchPath_(std::move(searchPath)), lockFile_(std::move(lockFile)) {}
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  const std::vector<std::filesystem::path>& searchPath() const { return searchPath_; }
  const std::filesystem::path& lockFile() const { return lockFile_; }

  /// The plugin `kind`/`name` from the first directory that has its file. LoadError (exit 3) when it is
  /// missing (the message lists what is available) or does not load.
  const LoadedPlugin& load(kr_kind kind, const std::string& name);

  /// Every `<kind>-<name>.so` file in the search path, in precedence order.
  std::vector<PluginFileEntry> scan() const;

  /// Names available for `kind` (unshadowed), sorted.
  std::vector<std::string> available(kr_kind kind) const;

 private:
  /// The lock, read once, on the first load; nullptr when there is none. IntegrityError (on every call) when it
  /// exists but cannot be trusted or parsed: then no plugin loads.
  const PluginLock* lock();

  std::vector<std::filesystem::path> searchPath_;
  std::filesystem::path lockFile_;
  bool lockRead_ = false;
  std::optional<PluginLock> lock_;
  std::string lockError_;
  std::map<std::string, std::unique_ptr<LoadedPlugin>> loaded_;  // key: "<kind>/<name>"
};

}  // namespace keeper_rotate::host
