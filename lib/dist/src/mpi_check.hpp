#pragma once
// One home for turning an MPI error code into an exception (session and team calls).
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace infobound::dist::detail {

inline void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + ": " + std::string(text, static_cast<std::size_t>(length)));
}

}  // namespace infobound::dist::detail
