#include "summary/summary.hpp"

#include "util/encoding.hpp"

#include <cstring>
#include <unistd.h>

#ifndef KR_VERSION
#define KR_VERSION "0.0.0"
#endif

namespace keeper_rotate::host {
namespace {

class JsonLine {
 public:
  explicit JsonLine(const Redactor& r) : redactor_(r) {}
  void str(const char* key, const std::string& value) { raw(key, "\"" + util::jsonEscape(redactor_.redact(value)) + "\""); }
  void optStr(const char* key, const std::string& value) {
    if (value.empty()) raw(key, "null");
    else str(key, value);
  }
  void num(const char* key, long long v) { raw(key, std::to_string(v)); }
  void boolean(const char* key, bool v) { raw(key, v ? "true" : "false"); }
  void list(const char* key, const std::vector<std::string>& values) {
    std::string s = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
      s += (i ? "," : "") + std::string("\"") + util::jsonEscape(redactor_.redact(values[i])) + "\"";
    raw(key, s + "]");
  }
  void error(const char* key, const StageError& e) {
    JsonLine inner(redactor_);
    inner.str("code", e.code);
    inner.str("message", e.message);
    inner.str("stage", e.stage);
    raw(key, inner.close());
  }
  void raw(const char* key, const std::string& json) {
    body_ += (body_.empty() ? "" : ",") + std::string("\"") + key + "\":" + json;
  }
  std::string close() const { return "{" + body_ + "}"; }

 private:
  const Redactor& redactor_;
  std::string body_;
};

}  // namespace

SummaryTarget summaryTarget(const std::vector<kr_field_spec>& providerFields, const Record& pamUser) {
  for (const kr_field_spec& f : providerFields) {
    const bool wanted = (f.flags & KR_FIELD_INPUT) && (f.flags & KR_FIELD_REQUIRED) && !(f.flags & KR_FIELD_SECRET) &&
                        !(f.flags & KR_FIELD_OTHER_RECORD) && !(f.type && std::strcmp(f.type, "secret") == 0);
    if (!wanted || f.label == nullptr) continue;
    const std::string* value = pamUser.find(f.label);
    if (value == nullptr || value->empty()) return {};
    return {f.label, *value};
  }
  return {};
}

std::string summaryLine(const SummaryInput& in, const Redactor& redactor) {
  const Outcome& o = in.outcome;
  JsonLine j(redactor);
  // Correlation keys first: a Gateway log line is matched to its record and to the build that wrote it.
  j.num("schemaVersion", kSummarySchemaVersion);
  j.str("toolVersion", KR_VERSION);
  j.str("status", o.status);
  j.num("exitCode", o.exitCode);
  j.str("provider", in.provider);
  j.optStr("userRecordUid", in.userRecordUid);
  j.optStr("target", in.target.value);
  j.optStr("targetField", in.target.value.empty() ? std::string() : in.target.field);
  j.optStr("credentialSource", o.credentialSource);
  j.optStr("writer", in.writer);
  j.boolean("dryRun", in.dryRun);
  std::string keyId, expires;
  std::vector<std::string> removed, remaining, kept, created;
  if (in.run) {
    created = in.run->keys.created;
    if (!created.empty()) keyId = created.front();
    removed = in.run->keys.removed;
    remaining = in.run->keys.remaining;
    kept = in.run->keys.kept;
    if (const auto* e = in.run->results.get("expires"); e && !e->secret) expires = std::string(e->value.reveal());
  }
  j.optStr("keyId", keyId);
  j.optStr("expires", expires);
  j.list("removed", removed);
  j.list("remaining", remaining);
  j.list("kept", kept);
  if (!o.recovered.empty()) j.list("recovered", o.recovered);
  if (!o.stoppedBy.empty()) j.str("stoppedBy", o.stoppedBy);
  if (o.hasError) j.error("error", o.error);
  else j.raw("error", "null");
  if (o.rollbackAttempted) {
    JsonLine rb(redactor);
    rb.boolean("ok", o.rollbackOk);
    if (!o.rollbackOk) rb.error("error", o.rollbackError);
    j.raw("rollback", rb.close());
  }
  if (!o.plan.empty()) j.list("plan", o.plan);
  JsonLine t(redactor);
  for (const auto& [stage, ms] : o.timingsMs) t.num(stage.c_str(), ms);
  t.num("total", in.totalMs);
  j.raw("timingsMs", t.close());
  return j.close();
}

void printSummary(const std::string& line) {
  const std::string out = line + "\n";
  const char* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace keeper_rotate::host
