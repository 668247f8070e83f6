# Run after each test binary is linked (cmake -P): lists the binary's GoogleTest suites and writes
# one ctest entry per suite, so that one process runs every case of a suite (a process that loads
# libtorch costs about a second; gtest_discover_tests started one per case).
# Inputs: TEST_BINARY, TEST_PREFIX, OUTPUT, TIMEOUT, LABELS (comma-separated), WORKING_DIRECTORY.
# In a sanitized build LeakSanitizer would fail the listing on what libtorch keeps until exit.
set(ENV{ASAN_OPTIONS} "detect_leaks=0")
execute_process(COMMAND "${TEST_BINARY}" --gtest_list_tests
                OUTPUT_VARIABLE listing ERROR_VARIABLE listing_error RESULT_VARIABLE status
                TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --gtest_list_tests failed (${status}):\n${listing}${listing_error}")
endif()

string(REPLACE "," ";" LABELS "${LABELS}")
string(REPLACE "\n" ";" lines "${listing}")
set(suites "")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end with '.', possibly followed by "  # TypeParam = ...".
  if(line MATCHES "^([^ #][^ ]*)\\.( .*)?$")
    list(APPEND suites "${CMAKE_MATCH_1}")
  endif()
endforeach()
list(REMOVE_DUPLICATES suites)

set(script "# Generated from ${TEST_BINARY} --gtest_list_tests; do not edit.\n")
foreach(suite IN LISTS suites)
  set(name "${TEST_PREFIX}.${suite}")
  # The kind of a suite, from its name: "cli" runs the built binary (TokenizeCli, CliGolden),
  # "golden" compares against ../shared/fixtures (ModelGolden, Fixtures/...), "unit" the rest.
  if(suite MATCHES "Cli")
    set(kind cli)
  elseif(suite MATCHES "Golden|^Fixtures/|^SoftH/")
    set(kind golden)
  else()
    set(kind unit)
  endif()
  string(APPEND script
    "add_test([=[${name}]=] [=[${TEST_BINARY}]=] [=[--gtest_filter=${suite}.*]=] --gtest_brief=1)\n"
    "set_tests_properties([=[${name}]=] PROPERTIES TIMEOUT ${TIMEOUT} SKIP_RETURN_CODE 77"
    " WORKING_DIRECTORY [=[${WORKING_DIRECTORY}]=] LABELS [=[${kind};${LABELS}]=])\n")
endforeach()
file(WRITE "${OUTPUT}" "${script}")
