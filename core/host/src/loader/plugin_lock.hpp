// plugins.lock: the SHA-256 of every plugin that may load. One file per installation, beside the first-party plugin
// directory (<prefix>/lib/keeper-rotate/plugins.lock); when it exists, a plugin it does not list, or whose bytes
// hash differently, is refused. docs/contract.md, "Install layout" and "Other commands".
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace keeper_rotate::host {

inline constexpr const char* kPluginLockName = "plugins.lock";

struct PluginLock {
  std::filesystem::path path;                // where it was read
  std::map<std::string, std::string> pins;  // plugin file name ("provider-x.so") -> lower-case sha256 hex
};

/// <exe dir>/../lib/keeper-rotate/plugins.lock: the parent of the default plugin directory. Empty when
/// `executable` is.
std::filesystem::path pluginLockPath(const std::filesystem::path& executable);

/// The lock at `path`, or nullopt when nothing (not even a dangling symlink) is there. IntegrityError when it is
/// there but fails the ownership and permission rules (checkTrustedFile) or does not parse.
///
/// Format, one plugin a line: `<file name> <sha256 hex>` separated by blanks; blank lines and lines whose first
/// non-blank character is `#` are ignored. File names are `<kind>-<name>.so` as the loader finds them; each at
/// most once. 1 MiB at most.
std::optional<PluginLock> readPluginLock(const std::filesystem::path& path);

/// The file's text for `pins`: a comment header, then the pins sorted by file name (deterministic, so writing the
/// same plugins twice gives the same bytes).
std::string formatPluginLock(const std::map<std::string, std::string>& pins);

/// Writes `pins` to `path` atomically: a temp file in the same directory, mode 0644, fsync, rename over `path`,
/// fsync of the directory. IntegrityError when the directory fails the rules; std::runtime_error on I/O errors
/// (the temp file is removed).
void writePluginLock(const std::filesystem::path& path, const std::map<std::string, std::string>& pins);

/// Refuses (IntegrityError, "cannot load plugin <pluginPath>: ...") a plugin whose file name `lock` does not list or
/// whose real file `realPath` hashes to another value. Returns the hash.
std::string checkAgainstLock(const PluginLock& lock, const std::filesystem::path& pluginPath,
                             const std::filesystem::path& realPath);

}  // namespace keeper_rotate::host
