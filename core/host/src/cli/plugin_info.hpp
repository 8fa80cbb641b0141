// Rendering plugin metadata (never calls plugin code beyond the entry function that returns the descriptor).
#pragma once

#include "loader/plugin.hpp"

#include <keeper_rotate/abi.h>

#include <string>

namespace keeper_rotate::host {

/// "in", "out" or "in/out".
std::string fieldDirection(const kr_field_spec& f);

std::string fieldJson(const kr_field_spec& f);
/// Whole description of one plugin as a JSON object (fields; for providers also the host's own fields and the
/// required credential parts; for writers the capabilities).
std::string pluginJson(const LoadedPlugin& p);
/// Human-readable description.
std::string pluginText(const LoadedPlugin& p);

}  // namespace keeper_rotate::host
