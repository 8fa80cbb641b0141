# cmake -DBUILD_DIR=... -DWORK_DIR=... -DPREFIX=... -P install_and_relocate.cmake
# Installs BUILD_DIR into WORK_DIR/stage-prefix, then renames it to PREFIX: anything that still points at the
# install path or the build tree breaks the later steps.
foreach(var BUILD_DIR WORK_DIR PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is required")
  endif()
endforeach()
set(stage "${WORK_DIR}/stage-prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${stage}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()
foreach(required include/keeper_rotate/abi.h include/keeper_rotate/sdk.hpp include/keeper_rotate/secret.hpp
                 include/keeper_rotate/testing/kit.hpp
                 lib/cmake/KeeperRotateSDK/KeeperRotateSDKConfig.cmake)
  if(NOT EXISTS "${stage}/${required}")
    message(FATAL_ERROR "the install tree lacks ${required}")
  endif()
endforeach()
file(RENAME "${stage}" "${PREFIX}")
message(STATUS "installed and moved to ${PREFIX}")
