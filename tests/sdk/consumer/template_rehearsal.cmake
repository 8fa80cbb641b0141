# cmake -DHOST=... -DPLUGIN_DIR=... -DWORK_DIR=... -P template_rehearsal.cmake
# Runs the template provider through the installed host as the Gateway would, as a rehearsal: credential source
# env, record writer stdout. The records below are, base64-encoded (the Gateway's format):
#   [{"uid":"TemplateUser0000000001","title":"Example account","example_account":"acct-42",
#     "record_writer":"stdout","credential_source":"env"}]
set(records "W3sidWlkIjoiVGVtcGxhdGVVc2VyMDAwMDAwMDAwMSIsInRpdGxlIjoiRXhhbXBsZSBhY2NvdW50IiwiZXhhbXBsZV9hY2NvdW50IjoiYWNjdC00MiIsInJlY29yZF93cml0ZXIiOiJzdGRvdXQiLCJjcmVkZW50aWFsX3NvdXJjZSI6ImVudiJ9XQ==")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/input.json"
  "{\"providerRecordUid\":\"\",\"userRecordUid\":\"TemplateUser0000000001\",\"records\":\"${records}\"}")
execute_process(
  COMMAND env -i PATH=/usr/bin:/bin AZURE_TENANT_ID=tenant-0001 AZURE_CLIENT_ID=client-0002
          AZURE_CLIENT_SECRET=template-admin-secret-value-0003
          "${HOST}" --plugin-dir "${PLUGIN_DIR}" example --input "${WORK_DIR}/input.json"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"status\":\"rehearsed\"")
  message(FATAL_ERROR "template rehearsal failed (exit ${rc}):\n${out}\n${err}")
endif()
foreach(secret template-admin-secret-value-0003 not-a-real-secret)
  string(FIND "${out}${err}" "${secret}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "a secret value appears in the output:\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "template rehearsal:\n${out}${err}")
