// `plugins list` and `plugins describe`: metadata only; no plugin instance is ever created. `plugins lock` and
// `plugins verify`: the plugins.lock pins (loader/plugin_lock.hpp); they hash files and run no plugin code at all.
#include "cli/commands.hpp"

#include "cli/plugin_info.hpp"
#include "loader/integrity.hpp"
#include "loader/plugin_lock.hpp"
#include "loader/registry.hpp"
#include "util/encoding.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace keeper_rotate::host {
namespace {

PluginRegistry makeRegistry(const CliOptions& opts) {
  return PluginRegistry(pluginSearchPath(opts.pluginDirs, std::getenv("KEEPER_ROTATE_PLUGIN_PATH"), executablePath()));
}

struct Loaded {
  std::vector<const LoadedPlugin*> plugins;
  std::vector<std::pair<std::string, std::string>> problems;  // path, error
  bool refused = false;  // a problem is an integrity refusal (loader/integrity.hpp, plugins.lock): exit 3
};

Loaded loadMatching(PluginRegistry& registry, const std::string& kindFilter, const std::string& nameFilter) {
  Loaded out;
  for (const auto& e : registry.scan()) {
    if (e.shadowed) continue;
    if (!kindFilter.empty() && kindPrefix(e.kind) != kindFilter) continue;
    if (!nameFilter.empty() && e.name != nameFilter) continue;
    try {
      out.plugins.push_back(&registry.load(e.kind, e.name));
    } catch (const LoadError& err) {
      out.problems.emplace_back(e.path.string(), err.what());
      if (dynamic_cast<const IntegrityError*>(&err) != nullptr) out.refused = true;
    }
  }
  return out;
}

std::string problemsJson(const Loaded& l) {
  std::string s = "[";
  for (std::size_t i = 0; i < l.problems.size(); ++i)
    s += (i ? "," : "") + std::string("{\"path\":\"") + util::jsonEscape(l.problems[i].first) + "\",\"error\":\"" +
         util::jsonEscape(l.problems[i].second) + "\"}";
  return s + "]";
}

int list(const CliOptions& opts) {
  PluginRegistry registry = makeRegistry(opts);
  const Loaded l = loadMatching(registry, "", "");
  if (opts.json) {
    std::string s = "{\"searchPath\":[";
    for (std::size_t i = 0; i < registry.searchPath().size(); ++i)
      s += (i ? "," : "") + std::string("\"") + util::jsonEscape(registry.searchPath()[i].string()) + "\"";
    s += "],\"plugins\":[";
    for (std::size_t i = 0; i < l.plugins.size(); ++i) {
      const LoadedPlugin& p = *l.plugins[i];
      s += (i ? "," : "") + std::string("{\"kind\":\"") + kindPrefix(p.kind) + "\",\"name\":\"" + p.name +
           "\",\"version\":\"" + util::jsonEscape(p.descriptor->version ? p.descriptor->version : "") +
           "\",\"description\":\"" + util::jsonEscape(p.descriptor->description ? p.descriptor->description : "") +
           "\",\"path\":\"" + util::jsonEscape(p.path.string()) + "\"}";
    }
    std::cout << s << "],\"problems\":" << problemsJson(l) << "}\n";
  } else {
    if (l.plugins.empty()) std::cout << (l.problems.empty() ? "no plugins found\n" : "no plugin loaded\n");
    for (const LoadedPlugin* p : l.plugins) {
      std::string kind = kindPrefix(p->kind), name = p->name;
      kind.resize(std::max<std::size_t>(kind.size(), 9), ' ');
      name.resize(std::max<std::size_t>(name.size(), 18), ' ');
      std::cout << kind << name << " " << (p->descriptor->version ? p->descriptor->version : "") << "  "
                << (p->descriptor->description ? p->descriptor->description : "") << "\n";
    }
    std::cout << "searched:";
    for (const auto& d : registry.searchPath()) std::cout << " " << d.string();
    std::cout << "\n";
  }
  // A plugin refused for its integrity is an error, not a warning: someone else could change what runs.
  std::set<std::string> said;  // an untrusted lock file refuses every plugin with the same message: say it once
  for (const auto& [path, error] : l.problems)
    if (said.insert(error).second) std::cerr << "keeper-rotate: " << (l.refused ? "" : "warning: ") << error << "\n";
  return l.refused ? 3 : 0;
}

int describe(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 3) throw UsageError("usage: keeper-rotate plugins describe NAME (or KIND/NAME) [--json]");
  std::string kind, name = pos[2];
  if (const auto slash = name.find('/'); slash != std::string::npos) {
    kind = name.substr(0, slash);
    name = name.substr(slash + 1);
    if (!kindFromPrefix(kind)) throw UsageError("unknown plugin kind '" + kind + "' (provider, source or writer)");
  }
  PluginRegistry registry = makeRegistry(opts);
  const Loaded l = loadMatching(registry, kind, name);
  std::set<std::string> said;
  for (const auto& [path, error] : l.problems)
    if (said.insert(error).second) std::cerr << "keeper-rotate: " << error << "\n";
  if (l.plugins.empty()) {
    if (l.problems.empty()) {
      std::string names;
      for (kr_kind k : {KR_KIND_PROVIDER, KR_KIND_CREDENTIAL_SOURCE, KR_KIND_RECORD_WRITER})
        for (const auto& n : registry.available(k)) names += (names.empty() ? "" : ", ") + std::string(kindPrefix(k)) + "/" + n;
      std::cerr << "keeper-rotate: no plugin named '" << pos[2] << "'. Available: " << (names.empty() ? "(none)" : names)
                << "\n";
    }
    return 3;
  }
  if (l.refused) return 3;
  if (opts.json) {
    // One match: the object itself; several kinds share the name: an array of them.
    if (l.plugins.size() == 1) {
      std::cout << pluginJson(*l.plugins.front()) << "\n";
    } else {
      std::string s = "[";
      for (std::size_t i = 0; i < l.plugins.size(); ++i) s += (i ? "," : "") + pluginJson(*l.plugins[i]);
      std::cout << s << "]\n";
    }
  } else {
    for (std::size_t i = 0; i < l.plugins.size(); ++i) std::cout << (i ? "\n" : "") << pluginText(*l.plugins[i]);
  }
  return 0;
}

std::string column(std::string s, std::size_t width) {
  s.resize(std::max(s.size() + 1, width), ' ');
  return s;
}

int lock(const CliOptions& opts) {
  if (opts.positionals.size() != 2 || opts.json)
    throw UsageError("usage: keeper-rotate plugins lock [--plugin-dir DIR...]");
  PluginRegistry registry = makeRegistry(opts);
  const std::filesystem::path lockPath = registry.lockFile();
  if (lockPath.empty()) {
    std::cerr << "keeper-rotate: cannot tell where plugins.lock belongs: the executable's own path is unknown\n";
    return 3;
  }
  std::map<std::string, std::string> pins;
  std::string report;
  bool refused = false;
  for (const auto& e : registry.scan()) {
    if (e.shadowed) continue;  // the loader takes the first match of a file name; only that one can load
    const std::string file = e.path.filename().string();
    const std::string prefix = "cannot pin plugin " + e.path.string() + ": ";
    try {
      const std::string hash = sha256File(checkTrustedFile(e.path, prefix), prefix);
      pins[file] = hash;
      report += "pinned " + column(file, 36) + hash + "  " + e.path.string() + "\n";
    } catch (const IntegrityError& err) {
      std::cerr << "keeper-rotate: " << err.what() << "\n";
      refused = true;
    }
  }
  if (refused) {
    std::cerr << "keeper-rotate: plugins lock: nothing written to " << lockPath.string()
              << "; fix the plugins above (or remove them from the search path) first\n";
    return 3;
  }
  if (pins.empty()) {
    std::string dirs;
    for (const auto& d : registry.searchPath()) dirs += (dirs.empty() ? "" : ", ") + d.string();
    std::cerr << "keeper-rotate: plugins lock: no plugins found in " << (dirs.empty() ? "(no directories)" : dirs)
              << "; nothing written (an empty lock would refuse every plugin)\n";
    return 3;
  }
  try {
    writePluginLock(lockPath, pins);
  } catch (const std::exception& err) {
    std::cerr << "keeper-rotate: " << err.what() << "\n";
    return 3;
  }
  std::cout << report << "wrote " << lockPath.string() << " (" << pins.size() << " plugin"
            << (pins.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

int verify(const CliOptions& opts) {
  if (opts.positionals.size() != 2 || opts.json)
    throw UsageError("usage: keeper-rotate plugins verify [--plugin-dir DIR...]");
  PluginRegistry registry = makeRegistry(opts);
  std::optional<PluginLock> lockFile;
  try {
    lockFile = readPluginLock(registry.lockFile());
  } catch (const IntegrityError& err) {
    std::cerr << "keeper-rotate: " << err.what() << "\n";
    return 3;
  }
  if (!lockFile) {
    std::cerr << "keeper-rotate: plugins verify: there is no plugin lock file"
              << (registry.lockFile().empty() ? std::string() : " at " + registry.lockFile().string())
              << ", so nothing pins the plugins. Write one with `keeper-rotate plugins lock`\n";
    return 3;
  }
  std::size_t checked = 0, bad = 0;
  std::set<std::string> found;
  for (const auto& e : registry.scan()) {
    if (e.shadowed) continue;
    ++checked;
    const std::string file = e.path.filename().string();
    found.insert(file);
    std::string hash;
    try {
      hash = sha256File(checkTrustedFile(e.path, ""), "");
    } catch (const IntegrityError& err) {
      ++bad;
      std::cout << column("refused", 14) << column(file, 36) << e.path.string() << ": " << err.what() << "\n";
      continue;
    }
    const auto pin = lockFile->pins.find(file);
    if (pin == lockFile->pins.end()) {
      ++bad;
      std::cout << column("not listed", 14) << column(file, 36) << e.path.string() << " (sha256 " << hash << ")\n";
    } else if (pin->second != hash) {
      ++bad;
      std::cout << column("mismatch", 14) << column(file, 36) << e.path.string() << ": expected " << pin->second
                << ", actual " << hash << "\n";
    } else {
      std::cout << column("ok", 14) << column(file, 36) << e.path.string() << "\n";
    }
  }
  for (const auto& [file, hash] : lockFile->pins) {
    if (found.count(file)) continue;
    ++checked;
    ++bad;
    std::cout << column("missing file", 14) << column(file, 36) << "pinned (" << hash
              << ") but not found in the search path\n";
  }
  if (bad > 0) {
    std::cerr << "keeper-rotate: plugins verify: " << bad << " of " << checked << " plugins are not ok against "
              << lockFile->path.string()
              << ". If the plugins found are the ones you mean to run, update the lock with `keeper-rotate plugins "
                 "lock` (same --plugin-dir and KEEPER_ROTATE_PLUGIN_PATH)\n";
    return 3;
  }
  std::cout << "all " << checked << " plugins match " << lockFile->path.string() << "\n";
  return 0;
}

}  // namespace

int runPluginsCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() >= 2 && pos[1] == "list") {
    if (pos.size() != 2) throw UsageError("usage: keeper-rotate plugins list [--json]");
    return list(opts);
  }
  if (pos.size() >= 2 && pos[1] == "describe") return describe(opts);
  if (pos.size() >= 2 && pos[1] == "lock") return lock(opts);
  if (pos.size() >= 2 && pos[1] == "verify") return verify(opts);
  throw UsageError("usage: keeper-rotate plugins list|describe NAME [--json], or plugins lock|verify");
}

}  // namespace keeper_rotate::host
