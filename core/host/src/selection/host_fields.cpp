#include "selection/host_fields.hpp"

#include <iterator>

namespace keeper_rotate::host {
namespace {

constexpr kr_field_spec kHostFields[] = {
    {sizeof(kr_field_spec), kCredentialSourceField, "text", "string", KR_FIELD_INPUT, nullptr, nullptr, 0, 0,
     "credential source plugin that supplies the admin credential (default: attached-record, then pam-config, "
     "then env, then instance-role; self only when named)"},
    {sizeof(kr_field_spec), kRecordWriterField, "text", "string", KR_FIELD_INPUT, kDefaultWriter, nullptr, 0, 0,
     "record writer plugin that stores the result (default ksm; stdout makes the run a rehearsal)"},
    {sizeof(kr_field_spec), kRemoteBudgetField, "text", "int", KR_FIELD_INPUT, "120", nullptr, 10, 3600,
     "seconds for all remote work of a run other than the proof wait (verify_timeout_seconds); cleanup (retire, "
     "rollback) gets 20 s more each"},
};

}  // namespace

const kr_field_spec* hostFields() { return kHostFields; }
std::size_t hostFieldCount() { return std::size(kHostFields); }

}  // namespace keeper_rotate::host
