# Every dependency comes from Debian (scripts/install-deps.sh).
find_package(Threads REQUIRED)
# libtorch normally comes through its CMake package (Debian's, or a CUDA build's: docs/cuda.md).
# INFOBOUND_TORCH_PREFIX imports an install tree (include/, lib/: libtorch's zip or the Python
# wheel's torch/ folder) directly instead, for where TorchConfig.cmake's CUDA setup does not
# configure: nothing of ours is compiled by nvcc, so the CUDA libraries only need to be loaded.
set(INFOBOUND_TORCH_PREFIX "" CACHE PATH "Import libtorch from this install tree without its CMake package")
if(INFOBOUND_TORCH_PREFIX)
  set(INFOBOUND_TORCH_CXX11_ABI 1 CACHE STRING "_GLIBCXX_USE_CXX11_ABI of that libtorch (torch._C._GLIBCXX_USE_CXX11_ABI)")
  set(torch_lib "${INFOBOUND_TORCH_PREFIX}/lib")
  foreach(name c10 torch_cpu torch)
    if(NOT EXISTS "${torch_lib}/lib${name}.so")
      message(FATAL_ERROR "INFOBOUND_TORCH_PREFIX: ${torch_lib}/lib${name}.so not found")
    endif()
    add_library(${name} SHARED IMPORTED)
    set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${torch_lib}/lib${name}.so")
  endforeach()
  set_target_properties(torch_cpu PROPERTIES INTERFACE_LINK_LIBRARIES c10)
  set_target_properties(torch PROPERTIES INTERFACE_LINK_LIBRARIES "torch_cpu;c10"
    INTERFACE_COMPILE_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=${INFOBOUND_TORCH_CXX11_ABI}")
  set(TORCH_LIBRARIES torch)
  set(TORCH_INCLUDE_DIRS "${INFOBOUND_TORCH_PREFIX}/include" "${INFOBOUND_TORCH_PREFIX}/include/torch/csrc/api/include")
  if(EXISTS "${torch_lib}/libtorch_cuda.so")
    # Nothing of ours calls into libtorch_cuda: keep it (it registers the CUDA backend when it loads).
    list(APPEND TORCH_LIBRARIES "-Wl,--no-as-needed,${torch_lib}/libtorch_cuda.so,${torch_lib}/libc10_cuda.so,--as-needed")
    message(STATUS "libtorch from ${INFOBOUND_TORCH_PREFIX}, with CUDA")
  else()
    message(STATUS "libtorch from ${INFOBOUND_TORCH_PREFIX}, CPU only")
  endif()
else()
  find_package(Torch REQUIRED)
endif()
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# Unicode normalization (NFC/NFKC/...) and character properties for lib/tokenize.
find_package(ICU 60 REQUIRED COMPONENTS uc)

# Torch's exported flags carry -D_GLIBCXX_USE_CXX11_ABI; keep them but not its global C++ standard.
# libtorch's package wraps libtorch_cpu and libtorch in -Wl,--no-as-needed so that every binary that
# links them loads them. A binary of ours that calls torch references libtorch_cpu directly and keeps
# it; with the wrappers dropped, one that calls none (tokenize_tests, most of the CLI's
# dependencies' tests) links with --as-needed (infobound_test) and loads no torch at start.
foreach(wrapped torch_cpu torch)
  if(TARGET ${wrapped}_library)
    set_property(TARGET ${wrapped}_library PROPERTY INTERFACE_LINK_LIBRARIES
                 "$<TARGET_FILE:${wrapped}>;$<TARGET_PROPERTY:${wrapped},INTERFACE_LINK_LIBRARIES>")
  endif()
endforeach()
# libtorch is built with OpenMP (ATen/Config.h: AT_PARALLEL_OPENMP): at::parallel_for is inline
# code whose `#pragma omp parallel` is compiled into the caller, so a translation unit of ours
# without OpenMP runs every parallel_for on one thread. Same runtime as libtorch (libgomp).
find_package(OpenMP REQUIRED COMPONENTS CXX)
add_library(infobound_torch INTERFACE)
target_link_libraries(infobound_torch INTERFACE ${TORCH_LIBRARIES} OpenMP::OpenMP_CXX)
target_include_directories(infobound_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

add_library(infobound_hdf5 INTERFACE)
target_link_libraries(infobound_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_include_directories(infobound_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_compile_definitions(infobound_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})
