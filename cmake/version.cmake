# VS_VERSION: the project version, plus "+g<commit>" when built from a git checkout whose HEAD is
# not the release tag v<version>. Baked into the binaries (`--version`) and the .deb's version
# at configure time; a commit re-runs the configure step (CMAKE_CONFIGURE_DEPENDS below), so the
# string never names an older commit than the one built. -DVS_VERSION=... overrides it (a
# distribution's own version).
set(VS_VERSION "" CACHE STRING
    "Version string of the build (default: project version + git commit)")
set(vs_version ${VS_VERSION})
if(NOT vs_version)
  set(vs_version ${PROJECT_VERSION})
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --absolute-git-dir
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE vs_git_dir
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE vs_git_rc)
  endif()
  if(GIT_FOUND AND vs_git_rc EQUAL 0)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --exact-match --tags
      --match v${PROJECT_VERSION} HEAD
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} RESULT_VARIABLE vs_tagged
      OUTPUT_QUIET ERROR_QUIET)
    if(NOT vs_tagged EQUAL 0)
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
        WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE vs_commit
        OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(vs_commit)
        # '+' sorts after the release in Debian's version order, as a later snapshot should.
        string(APPEND vs_version "+g${vs_commit}")
      endif()
    endif()
    # The worktree's own HEAD log moves on every commit, checkout and rebase.
    if(EXISTS ${vs_git_dir}/logs/HEAD)
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${vs_git_dir}/logs/HEAD)
    endif()
  endif()
endif()
set(VS_VERSION_STRING ${vs_version})
message(STATUS "vserver-ng version ${VS_VERSION_STRING}")
# configure_file rewrites the file only when the text changes: an unchanged version rebuilds
# nothing.
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.cpp.in ${CMAKE_BINARY_DIR}/generated/version.cpp
  @ONLY)
target_sources(vs_cli PRIVATE ${CMAKE_BINARY_DIR}/generated/version.cpp)
