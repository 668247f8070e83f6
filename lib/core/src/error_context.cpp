#include "infobound/core/error_context.hpp"

#include <new>

namespace infobound {

std::string first_line(std::string_view message) {
  const auto end = message.find('\n');
  std::string_view line = message.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  return std::string(line);
}

void rethrow_with_context(const std::string& context) {
  auto prefixed = [&](std::string_view message) {
    if (message.substr(0, context.size()) == context) return std::string(message);
    return context + ": " + std::string(message);
  };
  try {
    throw;
  } catch (const Interrupted&) {
    throw;
  } catch (const UsageError& e) {
    throw UsageError(prefixed(e.what()));
  } catch (const InputError& e) {
    throw InputError(prefixed(e.what()));
  } catch (const std::bad_alloc&) {
    throw InputError(
        prefixed("out of memory (the input asks for more memory than this machine has; "
                 "check the sizes it declares, or use a smaller batch_size or max_length)"));
  } catch (const std::exception& e) {
    throw InputError(prefixed(first_line(e.what())));
  }
}

}  // namespace infobound
