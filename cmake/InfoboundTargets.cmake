# infobound_library(NAME DEPS ...): lib/NAME/src/*.cpp with public headers in lib/NAME/include,
# exported as target infobound_NAME (alias infobound::NAME).
function(infobound_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  add_library(infobound_${name} STATIC ${sources})
  add_library(infobound::${name} ALIAS infobound_${name})
  target_include_directories(infobound_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_compile_options(infobound_${name} PRIVATE -Wall -Wextra)
  target_link_libraries(infobound_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(infobound_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  set_property(GLOBAL APPEND PROPERTY INFOBOUND_LIBRARIES infobound_${name})
endfunction()

# infobound_test(NAME SOURCES ... LIBS ... [LABELS ...]): a GoogleTest binary registered with ctest.
function(infobound_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  target_compile_definitions(${name} PRIVATE
    INFOBOUND_SHARED_DIR="${INFOBOUND_SHARED_DIR}"
    INFOBOUND_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    INFOBOUND_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 120 PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
