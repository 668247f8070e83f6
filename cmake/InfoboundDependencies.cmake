# Every dependency comes from Debian (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
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
add_library(infobound_torch INTERFACE)
target_link_libraries(infobound_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(infobound_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

add_library(infobound_hdf5 INTERFACE)
target_link_libraries(infobound_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_include_directories(infobound_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_compile_definitions(infobound_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})
