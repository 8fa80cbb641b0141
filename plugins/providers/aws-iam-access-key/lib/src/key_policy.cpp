#include "kr_aws_iam/key_policy.hpp"

#include <algorithm>

namespace kr_aws_iam {

namespace {

bool listed(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

std::optional<SlotChoice> chooseKeyToFree(const std::vector<KeyInfo>& keys, const RotationConfig& config) {
  std::vector<const KeyInfo*> unheld;
  for (const auto& k : keys)
    if (k.accessKeyId != config.heldKeyId) unheld.push_back(&k);
  // Oldest first (ISO-8601 text sorts by time), Inactive before Active.
  std::stable_sort(unheld.begin(), unheld.end(), [](const KeyInfo* a, const KeyInfo* b) { return a->createDate < b->createDate; });
  std::stable_sort(unheld.begin(), unheld.end(),
                   [](const KeyInfo* a, const KeyInfo* b) { return a->status != "Active" && b->status == "Active"; });

  for (const KeyInfo* k : unheld)
    if (k->status != "Active" && listed(config.previouslyRetired, k->accessKeyId))
      return SlotChoice{k->accessKeyId, "Inactive, retired by the previous rotation"};
  for (const KeyInfo* k : unheld)
    if (!config.previousKeyId.empty() && k->accessKeyId == config.previousKeyId)
      return SlotChoice{k->accessKeyId, "the previous key old_keys=keep-previous kept on the last rotation"};
  if (config.whenFull == WhenFull::DeleteInactive)
    for (const KeyInfo* k : unheld)
      if (k->status != "Active") return SlotChoice{k->accessKeyId, "Inactive and not held by Keeper (when_full=delete-inactive)"};
  if (config.whenFull == WhenFull::DeleteUnheld && !unheld.empty())
    return SlotChoice{unheld.front()->accessKeyId,
                      unheld.front()->status + " and not held by Keeper (when_full=" + config.whenFullText + ")"};
  return std::nullopt;
}

RetirePlan planRetire(const std::vector<KeyInfo>& keys, const std::string& newKeyId, const RotationConfig& config) {
  RetirePlan plan;
  for (const auto& k : keys) {
    if (k.accessKeyId == newKeyId) continue;
    switch (config.oldKeys) {
      case OldKeys::Delete:
        plan.remove.push_back(k.accessKeyId);
        break;
      case OldKeys::Deactivate:
        (k.status == "Active" ? plan.deactivate : plan.keep).push_back(k.accessKeyId);
        break;
      case OldKeys::KeepPrevious:
        (k.accessKeyId == config.heldKeyId ? plan.keep : plan.remove).push_back(k.accessKeyId);
        break;
      case OldKeys::Keep:
        plan.keep.push_back(k.accessKeyId);
        break;
    }
  }
  return plan;
}

std::string describeKeys(const std::vector<KeyInfo>& keys, const std::string& heldKeyId) {
  if (keys.empty()) return "none";
  std::string s;
  for (const auto& k : keys) {
    if (!s.empty()) s += ", ";
    s += k.accessKeyId + " (" + (k.status.empty() ? "?" : k.status) + (k.accessKeyId == heldKeyId ? ", held" : "") + ")";
  }
  return s;
}

}  // namespace kr_aws_iam
