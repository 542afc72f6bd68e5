# Install-time helpers (included by the install script, cmake/install.cmake): binaries go in
# stripped, their debug info to /usr/lib/debug/.build-id/xx/yyyy.debug as Debian's dh_strip
# does it, in the dbgsym component. Both halves work from the unstripped binary in the build
# tree, through one .debug file made next to it (debug/ in the build tree), so the debuglink's
# CRC in the stripped binary always matches the .debug file shipped.

# vs_debug_file(BUILT OUT_ID OUT_FILE): BUILT's build id and its .debug file in the build tree
# (made or refreshed when older than BUILT). OUT_ID is empty when BUILT has no build id.
function(vs_debug_file built out_id out_file)
  execute_process(COMMAND ${VS_READELF} -n ${built} OUTPUT_VARIABLE notes RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf -n ${built} failed")
  endif()
  if(NOT notes MATCHES "Build ID: ([0-9a-f][0-9a-f])([0-9a-f]+)")
    set(${out_id} "" PARENT_SCOPE)
    return()
  endif()
  set(dbg ${VS_DEBUG_STAGE}/.build-id/${CMAKE_MATCH_1}/${CMAKE_MATCH_2}.debug)
  if(NOT EXISTS ${dbg} OR ${built} IS_NEWER_THAN ${dbg})
    get_filename_component(dir ${dbg} DIRECTORY)
    file(MAKE_DIRECTORY ${dir})
    # Two installs at once (parallel tests) each write their own file; the rename is atomic.
    string(RANDOM LENGTH 8 tag)
    execute_process(COMMAND ${VS_OBJCOPY} --only-keep-debug --compress-debug-sections ${built}
                            ${dbg}.${tag} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      file(REMOVE ${dbg}.${tag})
      message(FATAL_ERROR "objcopy --only-keep-debug ${built} failed")
    endif()
    file(RENAME ${dbg}.${tag} ${dbg})
  endif()
  set(${out_id} ${CMAKE_MATCH_1}/${CMAKE_MATCH_2} PARENT_SCOPE)
  set(${out_file} ${dbg} PARENT_SCOPE)
endfunction()

# vs_strip_installed(BUILT INSTALLED): strips the installed copy (symbols, .comment) and points
# it at its .debug file by build id and by debuglink.
function(vs_strip_installed built installed)
  vs_debug_file(${built} id dbg)
  execute_process(COMMAND ${VS_STRIP} --remove-section=.comment --remove-section=.note
                          ${installed} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "strip ${installed} failed")
  endif()
  if(id)
    execute_process(COMMAND ${VS_OBJCOPY} --add-gnu-debuglink=${dbg} ${installed}
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "objcopy --add-gnu-debuglink ${installed} failed")
    endif()
  endif()
endfunction()

# vs_install_debug(BUILT LIBDIR): installs BUILT's .debug file under LIBDIR/debug/.build-id/.
function(vs_install_debug built libdir)
  vs_debug_file(${built} id dbg)
  if(NOT id)
    return()
  endif()
  set(dest $ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${libdir}/debug/.build-id/${id}.debug)
  message(STATUS "Installing: ${dest}")
  get_filename_component(dir ${dest} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  file(COPY_FILE ${dbg} ${dest})
  file(CHMOD ${dest} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES ${dest})
  set(CMAKE_INSTALL_MANIFEST_FILES ${CMAKE_INSTALL_MANIFEST_FILES} PARENT_SCOPE)
endfunction()

# vs_install_link(TARGET LINK): a relative symlink LINK -> TARGET under the install root.
function(vs_install_link target link)
  set(dest $ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${link})
  message(STATUS "Installing: ${dest} -> ${target}")
  get_filename_component(dir ${dest} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  file(CREATE_LINK ${target} ${dest} SYMBOLIC)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES ${dest})
  set(CMAKE_INSTALL_MANIFEST_FILES ${CMAKE_INSTALL_MANIFEST_FILES} PARENT_SCOPE)
endfunction()
