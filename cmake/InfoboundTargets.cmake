# infobound_library(NAME DEPS ...): lib/NAME/src/*.cpp with public headers in lib/NAME/include,
# exported as target infobound_NAME (alias infobound::NAME).
function(infobound_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  add_library(infobound_${name} STATIC ${sources})
  add_library(infobound::${name} ALIAS infobound_${name})
  target_include_directories(infobound_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_compile_options(infobound_${name} PRIVATE ${INFOBOUND_WARNINGS})
  target_link_libraries(infobound_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(infobound_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  set_property(GLOBAL APPEND PROPERTY INFOBOUND_LIBRARIES infobound_${name})
endfunction()

# infobound_test(NAME SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s]): a GoogleTest binary registered
# with ctest as one entry per suite (NAME.Suite, run with --gtest_filter=Suite.*), so a process runs
# many cases; the entries are listed after each build (cmake/InfoboundListSuites.cmake). Every entry
# is labelled "gtest", its kind from the suite's name ("unit", "golden" or "cli") and the LABELS given.
function(infobound_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} infobound_test_support)
  target_compile_options(${name} PRIVATE ${INFOBOUND_WARNINGS})
  # A test binary links only the shared libraries it calls: one that uses no torch does not pay
  # for loading libtorch at start.
  target_link_options(${name} PRIVATE -Wl,--as-needed)
  target_compile_definitions(${name} PRIVATE
    INFOBOUND_SHARED_DIR="${INFOBOUND_SHARED_DIR}"
    INFOBOUND_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    INFOBOUND_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  string(JOIN "," labels gtest ${ARG_LABELS})
  set(suites_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_suites.cmake")
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -D "TEST_BINARY=$<TARGET_FILE:${name}>" -D "TEST_PREFIX=${name}"
            -D "OUTPUT=${suites_file}" -D "TIMEOUT=${ARG_TIMEOUT}" -D "LABELS=${labels}"
            -D "WORKING_DIRECTORY=${CMAKE_CURRENT_BINARY_DIR}"
            -P "${CMAKE_SOURCE_DIR}/cmake/InfoboundListSuites.cmake"
    BYPRODUCTS "${suites_file}" VERBATIM)
  # ctest reads the suite list when it starts; a binary not built yet shows as one failing entry.
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_include.cmake")
  file(WRITE "${include_file}"
    "if(EXISTS [=[${suites_file}]=])\n  include([=[${suites_file}]=])\nelse()\n"
    "  add_test([=[${name}_NOT_BUILT]=] [=[${name}_NOT_BUILT]=])\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
