// `infobound tokenize`: token ids of a text or of a JSON-lines file, with a tokenizer.json.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {

namespace po = boost::program_options;

void print_ids(const std::vector<int64_t>& ids, std::string& out) {
  out += "{\"ids\":[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  out += "]}\n";
}

// One {"text": ..., "add_special_tokens": ...} record per line; blank lines are skipped.
void tokenize_jsonl(const tokenize::Tokenizer& tokenizer, const std::string& path, bool default_special) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw InputError(path + ": cannot open file for reading");
    in = &file;
  }
  std::string line;
  std::string out;
  std::size_t line_number = 0;
  while (std::getline(*in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + " line " + std::to_string(line_number);
    tokenize::to_valid_utf8(line, tokenize::InvalidUtf8::error, where);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(where + ": invalid JSON: " + std::string(e.what()));
    }
    if (!record.is_object() || !record.contains("text") || !record["text"].is_string()) {
      throw InputError(where + ": expected an object with a string field \"text\"");
    }
    bool add_special = default_special;
    if (record.contains("add_special_tokens")) {
      if (!record["add_special_tokens"].is_boolean()) throw InputError(where + ": \"add_special_tokens\" must be true or false");
      add_special = record["add_special_tokens"].get<bool>();
    }
    print_ids(with_context(where, [&] { return tokenizer.encode(record["text"].get_ref<const std::string&>(), add_special); }),
              out);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  if (in->bad()) throw InputError(path + ": read error");
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int run_tokenize(int argc, char** argv) {
  po::options_description options("infobound tokenize --tokenizer PATH (--text T | --jsonl FILE) [--no-special]");
  options.add_options()("help,h", "show this help")("tokenizer", po::value<std::string>(),
                                                    "a tokenizer.json, or a model directory that contains one")(
      "text", po::value<std::string>(), "tokenize this text; prints {\"ids\": [...]}")(
      "jsonl", po::value<std::string>(),
      "tokenize every line {\"text\": ..., \"add_special_tokens\": true|false} of FILE ('-': standard input); "
      "prints one {\"ids\": [...]} line per record, in order")(
      "no-special", "do not add the post-processor's special tokens (BOS/EOS) unless a record asks for them");
  po::variables_map vm;
  if (!parse_options(argc, argv, options, vm)) return 0;
  if (!vm.count("tokenizer")) throw UsageError("--tokenizer is required");
  if (vm.count("text") == vm.count("jsonl")) throw UsageError("give exactly one of --text and --jsonl");
  const auto tokenizer = tokenize::Tokenizer::from_file(vm["tokenizer"].as<std::string>());
  const bool add_special = !vm.count("no-special");
  if (vm.count("text")) {
    const std::string text = tokenize::to_valid_utf8(vm["text"].as<std::string>(), tokenize::InvalidUtf8::error, "--text");
    std::string out;
    print_ids(tokenizer.encode(text, add_special), out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    tokenize_jsonl(tokenizer, vm["jsonl"].as<std::string>(), add_special);
  }
  return 0;
}

const Register registered{{"tokenize", "token ids of a text or a JSON-lines file with a tokenizer.json", run_tokenize}};

}  // namespace
}  // namespace infobound::cli
