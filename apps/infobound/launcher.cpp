// `infobound`: sets the environment that libgomp and OpenBLAS read only when they are loaded
// (core/runtime_env.hpp), then runs the program proper, infobound-main, from the same directory.
// A binary of its own because the program links libtorch: re-executing it to apply the settings
// cost 0.55 s and 17k page faults at every command's start.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "infobound/core/runtime_env.hpp"

int main(int, char** argv) {
  // The BLAS that libtorch loads, so that OpenBLAS can say which kernels it chose; without it the
  // program checks again itself.
  for (const char* name : {"libblas.so.3", "libopenblas.so.0"})
    if (dlopen(name, RTLD_NOW | RTLD_GLOBAL) != nullptr) break;
  infobound::set_runtime_env(infobound::thread_waits_for_command(argv));
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string program = ((error ? std::filesystem::path(argv[0]) : self).parent_path() / "infobound-main").string();
  execv(program.c_str(), argv);
  std::fprintf(stderr, "infobound: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 2;
}
