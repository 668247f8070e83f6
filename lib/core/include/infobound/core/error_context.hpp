#pragma once
// Error context that travels: an error raised deep in a forward or a tokenizer is rethrown with
// the file, model, checkpoint or record it came from, so every message names its source.
#include <string>
#include <string_view>

#include "infobound/core/error.hpp"

namespace infobound {

// The first line of a message: libtorch appends a C++ backtrace to its errors.
std::string first_line(std::string_view message);

// Call inside a catch block: rethrows the error being handled as an InputError whose message
// starts with `context` (the file, model, checkpoint or record being worked on). A message that
// already starts with the context is kept as is; Interrupted passes through; std::bad_alloc
// becomes an out-of-memory message; any other exception (libtorch's c10::Error) keeps only its
// first line.
[[noreturn]] void rethrow_with_context(const std::string& context);

// Runs `body()`, adding `context` to whatever it throws (see rethrow_with_context).
template <class Body>
decltype(auto) with_context(const std::string& context, Body&& body) {
  try {
    return body();
  } catch (...) {
    rethrow_with_context(context);
  }
}

}  // namespace infobound
