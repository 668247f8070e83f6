# INFOBOUND_SANITIZE: every target of the build (libraries, tests, the CLI) with AddressSanitizer
# and UndefinedBehaviorSanitizer; scripts/sanitize.sh runs the unit and golden tests of such a
# build (GCC: clang 14 cannot compile libtorch 1.13's headers as C++20).
# INFOBOUND_BUILD_FUZZ (clang) adds libFuzzer's coverage instrumentation to what the fuzz targets
# compile; build only the `fuzzers` target of such a build.
if(INFOBOUND_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "INFOBOUND_BUILD_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(INFOBOUND_SANITIZE ON)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(INFOBOUND_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# The warning flags of the project's own targets (not of dependencies' headers, which are SYSTEM).
set(INFOBOUND_WARNINGS -Wall -Wextra)
if(INFOBOUND_WERROR)
  list(APPEND INFOBOUND_WARNINGS -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string concatenation (GCC bug 105329,
    # a false positive in headers we do not own); it stays a warning.
    list(APPEND INFOBOUND_WARNINGS -Wno-error=restrict)
  endif()
endif()
