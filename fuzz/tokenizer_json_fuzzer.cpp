// Feeds arbitrary bytes as a tokenizer.json to Tokenizer::from_file and encodes a fixed text with
// what loads. Every input must either load or be rejected with InputError; a crash, a sanitizer
// report or another exception is a finding.
#include <cstddef>
#include <cstdint>

#include "infobound/core/error.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto path = infobound::fuzz::input_file(data, size, "tokenizer.json");
  try {
    const auto tokenizer = infobound::tokenize::Tokenizer::from_file(path);
    (void)tokenizer.encode("Hello, world! \xC3\xA9t\xC3\xA9 123  \n\tend", true);
  } catch (const infobound::InputError&) {
  }
  return 0;
}
