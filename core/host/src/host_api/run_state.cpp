#include "host_api/run_state.hpp"

#include <iterator>

namespace keeper_rotate::host {

void ValueMap::put(const std::string& name, std::string_view value, bool secret) {
  Entry& e = values_[name];
  e.value = Secret(value);
  e.secret = secret;
}

const ValueMap::Entry* ValueMap::get(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const std::pair<const std::string, ValueMap::Entry>* ValueMap::at(std::size_t index) const {
  if (index >= values_.size()) return nullptr;
  auto it = values_.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(index));
  return &*it;
}

std::vector<std::string> ValueMap::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : values_) out.push_back(name);
  return out;
}

const std::string* RunState::field(const std::string& label) const {
  const std::string* value = input.pamUser ? input.pamUser->find(label) : nullptr;
  if (value != nullptr && !value->empty()) return value;
  if (const auto it = fieldDefaults.find(label); it != fieldDefaults.end()) return &it->second;
  return value;  // present but empty, or absent
}

}  // namespace keeper_rotate::host
