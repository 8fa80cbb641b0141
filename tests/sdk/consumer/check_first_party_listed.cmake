# cmake -DHOST=<prefix>/bin/keeper-rotate -P check_first_party_listed.cmake
# Runs `keeper-rotate plugins list` with an empty environment (no KEEPER_ROTATE_PLUGIN_PATH, no --plugin-dir) from
# an unrelated working directory and expects every first-party plugin this build installs.
execute_process(COMMAND env -i PATH=/usr/bin:/bin "${HOST}" plugins list
  WORKING_DIRECTORY /
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "`${HOST} plugins list` exited ${rc}:\n${out}\n${err}")
endif()
foreach(name azure-app-secret aws-iam-access-key attached-record pam-config env instance-role self ksm stdout)
  if(NOT out MATCHES "(^|[^a-z-])${name}([^a-z-]|$)")
    message(FATAL_ERROR "`plugins list` of the relocated install does not show '${name}':\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "relocated host lists the first-party plugins:\n${out}")
