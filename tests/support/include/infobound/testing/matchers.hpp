#pragma once
// gmock matchers for the project's errors: a test names the phrases a user needs to act on.
//   EXPECT_THAT([&] { load(path); }, ThrowsInputError({"model.safetensors", "missing tensor"}));
//   EXPECT_THAT(result.err, HasAllOf({"line 2", "byte offset 14"}));
#include <gmock/gmock.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "infobound/core/error.hpp"

namespace infobound::testing {

// A string that contains every one of `parts`.
inline ::testing::Matcher<const std::string&> HasAllOf(std::initializer_list<std::string> parts) {
  std::vector<::testing::Matcher<const std::string&>> each;
  for (const auto& part : parts) each.push_back(::testing::HasSubstr(part));
  return ::testing::AllOfArray(each);
}

// A callable that throws E whose message contains every one of `parts`.
template <typename E>
auto ThrowsWith(std::initializer_list<std::string> parts) {
  return ::testing::ThrowsMessage<E>(HasAllOf(parts));
}

inline auto ThrowsInputError(std::initializer_list<std::string> parts) { return ThrowsWith<InputError>(parts); }
inline auto ThrowsUsageError(std::initializer_list<std::string> parts) { return ThrowsWith<UsageError>(parts); }

}  // namespace infobound::testing
