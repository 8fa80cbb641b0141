// Tiny line-oriented state files shared by the test plugins: the fake provider's "identity system" (one key id
// per line) and the fake durable writer's "vault" (label=value lines). Tests read them to check effects.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace fake {

inline std::vector<std::string> readLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

inline bool writeLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
  return static_cast<bool>(out);
}

/// True when `step` is among the comma-separated steps in `list` ("prove,rollback").
inline bool listed(std::string_view list, std::string_view step) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (list.substr(0, comma) == step) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace fake
