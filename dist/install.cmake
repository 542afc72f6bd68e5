# Boot integration (docs/autostart.md): the systemd units, the SysV init script and its settings
# file, in the "main" component (cmake/install.cmake). The files name the installed binaries and
# settings: @VS_SBINDIR@ and @VS_ETC@ are filled in when installing, from the prefix
# `cmake --install --prefix` (or CPack's /usr) gives then, not the one configured.
include(GNUInstallDirs)
set(VS_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "where the systemd units go (relative: under the install prefix)")
# Empty: /etc for prefix /usr, else PREFIX/etc (init scripts and their settings are the admin's
# files, never under /usr).
set(VS_ETCDIR "" CACHE PATH "where init.d/ and default/ go (empty: see dist/install.cmake)")
install(CODE "
set(vs_prefix \"\${CMAKE_INSTALL_PREFIX}\")
set(vs_etc \"${VS_ETCDIR}\")
if(NOT vs_etc)
  if(vs_prefix STREQUAL \"/usr\")
    set(vs_etc /etc)
  else()
    set(vs_etc \"\${vs_prefix}/etc\")
  endif()
endif()
set(vs_units \"${VS_SYSTEMD_UNIT_DIR}\")
if(NOT IS_ABSOLUTE \"\${vs_units}\")
  set(vs_units \"\${vs_prefix}/\${vs_units}\")
endif()
set(VS_SBINDIR \"\${vs_prefix}/${CMAKE_INSTALL_SBINDIR}\")
set(VS_ETC \"\${vs_etc}\")
foreach(f systemd/vservers-default.service systemd/vserver@.service init.d/vservers-default)
  configure_file(\"${CMAKE_SOURCE_DIR}/dist/\${f}\" \"${CMAKE_BINARY_DIR}/dist/\${f}\" @ONLY)
endforeach()
file(INSTALL DESTINATION \"\${vs_units}\" TYPE FILE FILES
     \"${CMAKE_BINARY_DIR}/dist/systemd/vservers-default.service\"
     \"${CMAKE_BINARY_DIR}/dist/systemd/vserver@.service\")
file(INSTALL DESTINATION \"\${vs_etc}/init.d\" TYPE PROGRAM FILES
     \"${CMAKE_BINARY_DIR}/dist/init.d/vservers-default\")
file(INSTALL DESTINATION \"\${vs_etc}/default\" TYPE FILE FILES
     \"${CMAKE_SOURCE_DIR}/dist/default/vservers-default\")
" COMPONENT main)
