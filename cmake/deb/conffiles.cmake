# CPack pre-build script: lists every file the main package puts under /etc as a conffile
# (dpkg keeps an admin's changes on upgrade and removes them on purge), into the file that
# CPACK_DEBIAN_MAIN_PACKAGE_CONTROL_EXTRA names (cmake/install.cmake). Its path is a CPACK_
# variable because CPack hands only those to this script.
file(GLOB_RECURSE vs_etc_files LIST_DIRECTORIES false
     RELATIVE ${CPACK_TEMPORARY_DIRECTORY}/main ${CPACK_TEMPORARY_DIRECTORY}/main/etc/*)
list(SORT vs_etc_files)
set(vs_text "")
foreach(f ${vs_etc_files})
  string(APPEND vs_text "/${f}\n")
endforeach()
file(WRITE ${CPACK_VS_DEB_CONFFILES} "${vs_text}")
