# CPACK_PROJECT_CONFIG_FILE (see cmake/Packaging.cmake): cpack reads this once per generator.
# The .deb is the plain install (every component but `portable`, which is EXCLUDE_FROM_ALL). The portable
# packages install the default component ("Unspecified") and then `portable` into the same staging tree: one
# (build dir, project, component, subdirectory) entry each, installed in this order, since the portable
# component reworks what the default one installed.
list(GET CPACK_INSTALL_CMAKE_PROJECTS 0 kr_build_dir)
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
else()
  set(CPACK_INSTALL_CMAKE_PROJECTS
    "${kr_build_dir};keeper-rotate;Unspecified;/"
    "${kr_build_dir};keeper-rotate;portable;/")
  if(CPACK_GENERATOR STREQUAL "RPM")
    set(CPACK_PACKAGING_INSTALL_PREFIX /opt/keeper-rotate)
  else()
    set(CPACK_PACKAGING_INSTALL_PREFIX /)
    set(CPACK_PACKAGE_FILE_NAME "${CPACK_PORTABLE_FILE_NAME}")
  endif()
endif()
