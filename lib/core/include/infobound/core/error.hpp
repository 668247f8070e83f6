#pragma once
// Errors a user can act on. They are thrown anywhere and caught once, at the CLI boundary,
// which prints the message and exits non-zero (never a stack trace).
#include <stdexcept>
#include <string>

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

}  // namespace infobound
