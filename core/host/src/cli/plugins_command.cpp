// `plugins list` and `plugins describe`: metadata only; no plugin instance is ever created.
#include "cli/commands.hpp"

#include "cli/plugin_info.hpp"
#include "loader/registry.hpp"
#include "util/encoding.hpp"

#include <cstdlib>
#include <iostream>

namespace keeper_rotate::host {
namespace {

PluginRegistry makeRegistry(const CliOptions& opts) {
  return PluginRegistry(pluginSearchPath(opts.pluginDirs, std::getenv("KEEPER_ROTATE_PLUGIN_PATH"), executablePath()));
}

struct Loaded {
  std::vector<const LoadedPlugin*> plugins;
  std::vector<std::pair<std::string, std::string>> problems;  // path, error
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
    if (l.plugins.empty()) std::cout << "no plugins found\n";
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
  for (const auto& [path, error] : l.problems) std::cerr << "keeper-rotate: warning: " << error << "\n";
  return 0;
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
  for (const auto& [path, error] : l.problems) std::cerr << "keeper-rotate: " << error << "\n";
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

}  // namespace

int runPluginsCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() >= 2 && pos[1] == "list") {
    if (pos.size() != 2) throw UsageError("usage: keeper-rotate plugins list [--json]");
    return list(opts);
  }
  if (pos.size() >= 2 && pos[1] == "describe") return describe(opts);
  throw UsageError("usage: keeper-rotate plugins list|describe NAME [--json]");
}

}  // namespace keeper_rotate::host
