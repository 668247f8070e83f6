// Study configs a user can get wrong: every mistake is an InputError naming file:line:column,
// and no value can make the loader allocate what the file cannot justify.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <new>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/core/input_file.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

const fs::path kFile = "/nonexistent/study.yaml";

std::string error_of(const std::string& yaml) {
  try {
    parse_study_config(yaml, kFile);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string with_estimator(const std::string& estimator_lines) {
  return "models:\n  - {name: m, path: model}\ncorpus:\n  sources:\n    - path: corpus.txt\nestimator:\n" + estimator_lines;
}

}  // namespace

// Found by study_yaml_fuzzer: a byte that is not UTF-8 in a value reached config_hash, whose JSON
// encoder threw a type_error instead of an InputError.
TEST(BadConfig, BytesThatAreNotUtf8AreRefusedAtTheirLine) {
  const std::string error =
      error_of("study: s\nmodels:\n  - {name: \"m\\xff\", path: model}\n  - {name: n\xff\xfe, path: model}\n");
  EXPECT_NE(error.find("/nonexistent/study.yaml:4: byte"), std::string::npos) << error;
  EXPECT_NE(error.find("is not valid UTF-8"), std::string::npos) << error;
}

TEST(BadConfig, DuplicateKeyNamesItsSecondOccurrence) {
  const std::string error = error_of(with_estimator("  n_bins: 10\n  n_bins: 20\n"));
  EXPECT_EQ(error.rfind("/nonexistent/study.yaml:8:3: key 'n_bins' is given twice", 0), 0u) << error;
}

TEST(BadConfig, DuplicateKeyInsideAListEntry) {
  const std::string error = error_of("models:\n  - name: m\n    path: a\n    path: b\ncorpus:\n  sources:\n    - path: c.txt\n");
  EXPECT_NE(error.find("study.yaml:4:5: key 'path' is given twice"), std::string::npos) << error;
}

TEST(BadConfig, EmptyListsAreRefusedAtTheirLine) {
  EXPECT_NE(error_of(with_estimator("  orders: []\n")).find("study.yaml:7:11: estimator.orders: the list is empty"),
            std::string::npos);
  EXPECT_NE(error_of(with_estimator("  layers: []\n")).find("study.yaml:7:11: estimator.layers"), std::string::npos);
}

TEST(BadConfig, OrdersAcceptedOnlyWithinWhatReduceWrites) {
  EXPECT_EQ(error_of(with_estimator("  orders: [1, 5, 8]\n")), "");
  const std::string error = error_of(with_estimator("  orders: [1, 9]\n"));
  EXPECT_NE(error.find("study.yaml:7:11: estimator.orders: order 9 is outside 1..8"), std::string::npos) << error;
  EXPECT_NE(error_of(with_estimator("  orders: [0]\n")).find("outside 1..8"), std::string::npos);
}

TEST(BadConfig, CalibrationCheckedAtLoadWithItsLine) {
  EXPECT_EQ(error_of(with_estimator("  calibration: exact\n")), "");
  EXPECT_EQ(error_of(with_estimator("  calibration: fixed:0.05\n")), "");
  const std::string error = error_of(with_estimator("  calibration: exakt\n"));
  EXPECT_NE(error.find("study.yaml:7:16: estimator.calibration 'exakt' is not one of"), std::string::npos) << error;
  EXPECT_NE(error_of(with_estimator("  calibration: fixed:-1\n")).find("study.yaml:7:16"), std::string::npos);
}

TEST(BadConfig, AbsurdBinCountRefusedWithTheReason) {
  const std::string error = error_of(with_estimator("  n_bins: 1000000000000\n"));
  EXPECT_NE(error.find("study.yaml:7:11: estimator.n_bins must be in 2..65536"), std::string::npos) << error;
  EXPECT_NE(error.find("float64 counts"), std::string::npos) << error;
  EXPECT_EQ(error_of(with_estimator("  n_bins: 65536\n")), "");
}

TEST(BadConfig, LayerIndicesCarryTheirLocation) {
  const std::string error = error_of(with_estimator("  layers: [0, 5000]\n"));
  EXPECT_NE(error.find("study.yaml:7:15: estimator.layers[1]: layer 5000 is beyond any model"), std::string::npos) << error;
  const StudyConfig config = parse_study_config(with_estimator("  layers: [0, 40]\n"), kFile);
  try {
    config.estimator.layers.resolve(13, "model m");
    FAIL() << "layer 40 of 13 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("/nonexistent/study.yaml:7:11: estimator.layers: layer 40 does not exist in model m", 0), 0u)
        << e.what();
  }
}

TEST(BadConfig, StepSeriesBoundedBeforeExpansion) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of(
      "models:\n  - name: m\n    path: model\n    checkpoints:\n      - steps: {from: 0, to: 100000000000, every: 1}\n"
      "        path: ck/{step}\ncorpus:\n  sources:\n    - path: c.txt\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_NE(error.find("study.yaml:5:16: models[0].checkpoints[0].steps: the series has 100000000001 steps; at most 100000"),
            std::string::npos)
      << error;
  // A range ending at INT64_MAX expands without the step counter overflowing.
  EXPECT_EQ(error_of("models:\n  - name: m\n    path: model\n    checkpoints:\n"
                     "      - steps: {from: 9223372036854775000, to: 9223372036854775807, every: 1}\n        path: ck/{step}\n"
                     "corpus:\n  sources:\n    - path: c.txt\n"),
            "");
  const std::string overflow = error_of(
      "models:\n  - name: m\n    path: model\n    checkpoints:\n"
      "      - {step: 4611686018427387904, tokens_per_step: 4, path: ck}\n"
      "corpus:\n  sources:\n    - path: c.txt\n");
  EXPECT_NE(overflow.find("overflows 64 bits"), std::string::npos) << overflow;
}

TEST(BadConfig, DirectoryGivenForAFileIsCalledADirectory) {
  const fs::path dir = infobound::testing::scratch_dir("bad_config");
  fs::create_directories(dir / "study.yaml");
  try {
    load_study_config(dir / "study.yaml");
    FAIL() << "a directory was read as a config";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("study.yaml: is a directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_input_file(dir / "missing.txt", "corpus file"), InputError);
  fs::remove_all(dir);
}

TEST(ErrorContext, PrefixesOnceAndKeepsTheKind) {
  try {
    try {
      throw InputError("token id 70000 is outside the vocabulary");
    } catch (...) {
      rethrow_with_context("models/pythia");
    }
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "models/pythia: token id 70000 is outside the vocabulary");
  }
  // A message that already names the context is not prefixed twice.
  try {
    with_context("a.json", [] { throw InputError("a.json: bad"); });
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "a.json: bad");
  }
  EXPECT_THROW(with_context("x", [] { throw Interrupted("stop"); }), Interrupted);
}

TEST(ErrorContext, ForeignErrorsKeepTheirFirstLineOnly) {
  try {
    with_context("corpus.jsonl line 3",
                 [] { throw std::runtime_error("shape mismatch\nException raised from foo at bar.cpp:12\nframe #0"); });
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "corpus.jsonl line 3: shape mismatch");
  }
  try {
    with_context("model", [] { throw std::bad_alloc(); });
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("model: out of memory", 0), 0u) << e.what();
  }
  EXPECT_EQ(first_line("one\ntwo"), "one");
  EXPECT_EQ(with_context("x", [] { return 7; }), 7);
}
