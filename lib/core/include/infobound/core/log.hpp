#pragma once
// Log lines go to stderr so that stdout stays machine-readable (JSON, CSV).
#include <string_view>

namespace infobound::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
// A prefix such as "rank 1/3" shown on every line of this process.
void set_prefix(std::string_view prefix);

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

}  // namespace infobound::log
