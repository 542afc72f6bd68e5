# Boot integration: systemd units, the SysV init script and its defaults file (docs/autostart.md).
# The files name the installed binaries; @VS_SBINDIR@ is filled in here.
set(VS_SBINDIR "${CMAKE_INSTALL_PREFIX}/sbin")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(VS_ETCDIR_DEFAULT "/etc")
else()
  set(VS_ETCDIR_DEFAULT "${CMAKE_INSTALL_PREFIX}/etc")
endif()
set(VS_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
  "where the systemd units go")
set(VS_ETCDIR "${VS_ETCDIR_DEFAULT}" CACHE PATH "where init.d/ and default/ go")
foreach(f systemd/vservers-default.service systemd/vserver@.service init.d/vservers-default)
  configure_file(${CMAKE_SOURCE_DIR}/dist/${f} ${CMAKE_BINARY_DIR}/dist/${f} @ONLY)
endforeach()
install(FILES ${CMAKE_BINARY_DIR}/dist/systemd/vservers-default.service
  ${CMAKE_BINARY_DIR}/dist/systemd/vserver@.service DESTINATION ${VS_SYSTEMD_UNIT_DIR})
install(PROGRAMS ${CMAKE_BINARY_DIR}/dist/init.d/vservers-default
  DESTINATION ${VS_ETCDIR}/init.d)
install(FILES ${CMAKE_SOURCE_DIR}/dist/default/vservers-default DESTINATION ${VS_ETCDIR}/default)
