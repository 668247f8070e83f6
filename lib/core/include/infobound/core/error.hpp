#pragma once
// Errors a user can act on. They are thrown anywhere and caught once, at the CLI boundary,
// which prints the message and exits non-zero (never a stack trace).
#include <stdexcept>
#include <string>
#include <string_view>

namespace infobound {

// Bad input: a file, key, value or argument the user can fix. Exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Wrong command-line usage. Exit code 2, followed by a hint to --help.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

// The run was stopped on request (SIGTERM/SIGINT); finished work is kept. Exit code 3.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The first line of a message: libtorch appends a C++ backtrace to its errors.
std::string first_line(std::string_view message);

// Call inside a catch block: rethrows the error being handled as an InputError whose message
// starts with `context` (the file, model, checkpoint or record being worked on), so an error raised
// deep in a forward or a tokenizer names its source. A message that already starts with the
// context is kept as is; Interrupted passes through; std::bad_alloc becomes an out-of-memory
// message; any other exception (libtorch's c10::Error) keeps only its first line.
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
