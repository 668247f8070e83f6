// Tokenizer throughput on tinyshakespeare, one thread, for every fixture tokenizer.
// Usage: tokenize_bench [FIXTURES_DIR] [--repeat N] [--only NAME]
// Prints one JSON object per tokenizer: the cold pass (empty word cache) and the best warm pass,
// in MB/s of thread CPU time (per core) and of wall time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "infobound/io/json_file.hpp"
#include "infobound/tokenize/tokenizer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The corpus as documents: paragraphs separated by blank lines, as a corpus shard would hold.
std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    else end += 2;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU time of this thread: on a shared machine it measures per-core throughput, wall time does not.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
  double wall;
  double cpu;
};

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path fixtures = std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures";
  int repeat = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      fixtures = arg;
    }
  }
  const auto corpus_path = fixtures / "corpus" / "tinyshakespeare.txt";
  const std::string corpus = infobound::io::read_file_bytes(corpus_path);
  const std::vector<std::string> documents = paragraphs(corpus);
  const double megabytes = static_cast<double>(corpus.size()) / 1e6;
  std::printf("{\"corpus\": \"%s\", \"bytes\": %zu, \"documents\": %zu, \"threads\": 1}\n", corpus_path.c_str(), corpus.size(),
              documents.size());
  const std::vector<std::string> names{"gpt2", "pythia", "smollm2", "olmo2", "qwen2.5", "qwen3", "mistral"};
  for (const auto& name : names) {
    if (!only.empty() && name != only) continue;
    const auto load_start = Clock::now();
    const auto tokenizer = infobound::tokenize::Tokenizer::from_file(fixtures / "tokenizers" / name / "tokenizer.json");
    const double load_seconds = seconds_since(load_start);
    std::size_t tokens = 0;
    const auto run = [&] {
      tokens = 0;
      const auto start = Clock::now();
      const double cpu_start = thread_cpu_seconds();
      for (const auto& document : documents) tokens += tokenizer.encode(document, false).size();
      return Timing{seconds_since(start), thread_cpu_seconds() - cpu_start};
    };
    const Timing cold = run();
    Timing warm{1e30, 1e30};
    for (int r = 0; r < repeat; ++r) {
      const Timing t = run();
      warm = {std::min(warm.wall, t.wall), std::min(warm.cpu, t.cpu)};
    }
    std::printf(
        "{\"tokenizer\": \"%s\", \"load_s\": %.3f, \"tokens\": %zu, \"cold_cpu_MB_per_s\": %.2f, "
        "\"warm_cpu_MB_per_s\": %.2f, \"cold_wall_MB_per_s\": %.2f, \"warm_wall_MB_per_s\": %.2f}\n",
        name.c_str(), load_seconds, tokens, megabytes / cold.cpu, megabytes / warm.cpu, megabytes / cold.wall,
        megabytes / warm.wall);
    std::fflush(stdout);
  }
  return 0;
}
