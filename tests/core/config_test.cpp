#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"
#include "infobound/core/plan.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

fs::path scratch(const std::string& name) { return infobound::testing::scratch_dir("core_" + name); }

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string error_of(const std::string& yaml, const fs::path& dir) {
  try {
    parse_study_config(yaml, dir / "study.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const char* kMinimal = R"(study: t
models:
  - name: m
    path: model
corpus:
  sources:
    - path: corpus.txt
)";

}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 incremental;
  incremental.update("a");
  incremental.update("bc");
  EXPECT_EQ(incremental.hex_digest(), sha256_hex("abc"));
}

TEST(StudyConfig, ParsesDefaultsAndRelativePaths) {
  const fs::path dir = scratch("defaults");
  const StudyConfig c = parse_study_config(kMinimal, dir / "study.yaml");
  EXPECT_EQ(c.name, "t");
  ASSERT_EQ(c.models.size(), 1u);
  ASSERT_EQ(c.models[0].checkpoints.size(), 1u);
  EXPECT_EQ(c.models[0].checkpoints[0].name, "final");
  EXPECT_EQ(c.models[0].checkpoints[0].path, (dir / "model").lexically_normal());
  EXPECT_EQ(c.corpus.sources[0].path, (dir / "corpus.txt").lexically_normal());
  EXPECT_EQ(c.estimator.n_bins, 100);
  EXPECT_EQ(c.estimator.orders, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_FALSE(c.preference_enabled());
}

TEST(StudyConfig, UnknownKeyNamesLineAndSuggestion) {
  const fs::path dir = scratch("typo");
  const std::string yaml = std::string(kMinimal) + "estimator:\n  n_binz: 10\n";
  const std::string message = error_of(yaml, dir);
  EXPECT_NE(message.find("study.yaml:9:3"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'n_binz'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'n_bins'"), std::string::npos) << message;
}

TEST(StudyConfig, WrongTypeNamesLine) {
  const fs::path dir = scratch("type");
  const std::string message = error_of(std::string(kMinimal) + "runtime:\n  batch_size: many\n", dir);
  EXPECT_NE(message.find("study.yaml:9:15"), std::string::npos) << message;
  EXPECT_NE(message.find("expected an integer"), std::string::npos) << message;
  EXPECT_NE(error_of(std::string(kMinimal) + "corpus2: 1\n", dir).find("unknown key 'corpus2'"), std::string::npos);
  EXPECT_NE(error_of("models: [\n", dir).find("invalid YAML"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "estimator:\n  layers: some\n", dir).find("estimator.layers"), std::string::npos);
}

TEST(StudyConfig, ManifestStepSeriesAndSelection) {
  const fs::path dir = scratch("manifest");
  write(dir / "m.yaml", R"(family: pythia
models:
  - name: pythia-70m
    hub: EleutherAI/pythia-70m
    params: 70426624
    checkpoints:
      - steps: [0, 1000, 143000]
        revision: "step{step}"
        tokens_per_step: 2097152
)");
  const std::string yaml = R"(models:
  - manifest: m.yaml
    select: [pythia-70m]
    checkpoints: [step1000, step143000]
corpus:
  sources: [{path: c.txt}]
)";
  const StudyConfig c = parse_study_config(yaml, dir / "s.yaml");
  ASSERT_EQ(c.models.size(), 1u);
  const auto& m = c.models[0];
  EXPECT_EQ(m.family, "pythia");
  ASSERT_EQ(m.checkpoints.size(), 2u);
  EXPECT_EQ(m.checkpoints[1].revision, "step143000");
  EXPECT_EQ(*m.checkpoints[1].step, 143000);
  EXPECT_EQ(*m.checkpoints[1].tokens_seen, 143000LL * 2097152LL);
  const std::string bad = R"(models:
  - manifest: m.yaml
    select: [pythia-71m]
corpus:
  sources: [{path: c.txt}]
)";
  EXPECT_NE(error_of(bad, dir).find("pythia-71m"), std::string::npos);
}

TEST(StudyConfig, HashChangesWithNumbersNotWithThreads) {
  const fs::path dir = scratch("hash");
  write(dir / "corpus.txt", "hello\n\nworld\n");
  const std::string a = config_hash(parse_study_config(kMinimal, dir / "study.yaml"));
  const std::string threads =
      config_hash(parse_study_config(std::string(kMinimal) + "runtime: {threads: 3}\n", dir / "study.yaml"));
  const std::string bins =
      config_hash(parse_study_config(std::string(kMinimal) + "estimator: {n_bins: 50}\n", dir / "study.yaml"));
  EXPECT_EQ(a, threads);
  EXPECT_NE(a, bins);
  write(dir / "corpus.txt", "hello\n\nworld!\n");
  EXPECT_NE(a, config_hash(parse_study_config(kMinimal, dir / "study.yaml")));
}

TEST(HfCache, ResolvesRefsAndCommitPrefixes) {
  const fs::path hub = scratch("hub");
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  const fs::path repo = hub / "models--Org--Name";
  write(repo / "refs" / "step1000", commit + "\n");
  fs::create_directories(repo / "snapshots" / commit);
  ::setenv("HF_HUB_CACHE", hub.c_str(), 1);
  EXPECT_EQ(resolve_hub_model("Org/Name", "step1000"), repo / "snapshots" / commit);
  EXPECT_EQ(resolve_hub_model("Org/Name", commit), repo / "snapshots" / commit);
  EXPECT_EQ(resolve_hub_model("Org/Name", commit.substr(0, 8)), repo / "snapshots" / commit);
  try {
    resolve_hub_model("Org/Name", "step2000");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("step2000"), std::string::npos);
    EXPECT_NE(message.find("cached refs: step1000"), std::string::npos) << message;
  }
  EXPECT_THROW(resolve_hub_model("Org/Other", "main"), InputError);
  ::unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(parse_hub_reference("a/b@c").revision, "c");
  EXPECT_THROW(parse_hub_reference("nohub"), InputError);
}

TEST(Plan, UnitsInOrderAndJsonRoundTrip) {
  const fs::path dir = scratch("plan");
  write(dir / "model" / "config.json", "{}");
  write(dir / "model" / "tokenizer.json", "{\"x\":1}");
  write(dir / "corpus.txt", "a\n\nb\n");
  // corpus.shards is gone: 1 (the old default) is accepted, anything else refused with its line.
  EXPECT_THROW(parse_study_config(std::string(kMinimal) + "  shards: 3\n", dir / "study.yaml"), InputError);
  const StudyConfig c = parse_study_config(std::string(kMinimal) + "  shards: 1\n", dir / "study.yaml");
  Plan plan = make_plan(c);
  ASSERT_EQ(plan.units.size(), 1u);
  EXPECT_EQ(plan.units[0].id, "m__final");
  EXPECT_EQ(make_unit_id("m", "final", {4, 5, 6}, 3), "m__final__layers-4-6");
  plan.units[0].layers = {0, 1};
  plan.units[0].planned_memory_bytes = 123;
  plan.memory_budget_bytes = 4096;
  plan.tokenizers[0].label_sets.push_back({"input_2", 2, 10, 7, 3, 2});
  EXPECT_EQ(plan.units[0].tokenizer_id, tokenizer_id_from_sha256(sha256_hex("{\"x\":1}")));
  ASSERT_EQ(plan.tokenizers.size(), 1u);
  write_plan(dir / "plan.json", plan);
  const Plan back = read_plan(dir / "plan.json");
  EXPECT_EQ(plan_to_json(back), plan_to_json(plan));
  EXPECT_EQ(back.config_hash, config_hash(c));

  const StudyConfig missing = parse_study_config(
      std::string(kMinimal).replace(std::string(kMinimal).find("path: model"), 11, "path: nomodel"), dir / "study.yaml");
  EXPECT_THROW(make_plan(missing), InputError);
  EXPECT_TRUE(make_plan(missing, true).units[0].model_dir.empty());
}

// SmolLM2 keeps its intermediate checkpoints in a separate repository: a checkpoint names it.
TEST(Plan, ACheckpointResolvesInItsOwnHubRepository) {
  const fs::path dir = scratch("checkpoint-hub");
  const fs::path hub = dir / "hub";
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  for (const char* repo : {"models--Org--Model", "models--Org--Model-intermediate"}) {
    write(hub / repo / "refs" / (std::string(repo).find("intermediate") != std::string::npos ? "step-10" : "main"), commit);
    write(hub / repo / "snapshots" / commit / "config.json", "{}");
    write(hub / repo / "snapshots" / commit / "tokenizer.json", "{}");
  }
  write(dir / "corpus.txt", "a\n");
  const std::string yaml = R"(models:
  - name: m
    hub: Org/Model
    checkpoints:
      - {steps: [10], hub: Org/Model-intermediate, revision: "step-{step}", tokens_per_step: 4}
      - {name: final, revision: main}
corpus:
  sources:
    - path: corpus.txt
)";
  const StudyConfig c = parse_study_config(yaml, dir / "study.yaml");
  ASSERT_EQ(c.models[0].checkpoints.size(), 2u);
  EXPECT_EQ(hub_repo_of(c.models[0], c.models[0].checkpoints[0]), "Org/Model-intermediate");
  EXPECT_EQ(hub_repo_of(c.models[0], c.models[0].checkpoints[1]), "Org/Model");
  EXPECT_EQ(*c.models[0].checkpoints[0].tokens_seen, 40);
  ::setenv("HF_HUB_CACHE", hub.c_str(), 1);
  const Plan plan = make_plan(c);
  ::unsetenv("HF_HUB_CACHE");
  ASSERT_EQ(plan.units.size(), 2u);
  EXPECT_EQ(plan.units[0].reference, "Org/Model-intermediate@step-10");
  EXPECT_EQ(plan.units[0].model_dir, hub / "models--Org--Model-intermediate" / "snapshots" / commit);
  EXPECT_EQ(plan.units[1].reference, "Org/Model@main");

  EXPECT_NE(
      error_of(std::string(yaml).replace(yaml.find("hub: Org/Model-intermediate"), 27, "hub: Org/M@x"), dir).find("not as '@x'"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(yaml).replace(yaml.find("revision: \"step-{step}\""), 23, "path: d"), dir)
                .find("'hub' names the repository of a 'revision'"),
            std::string::npos);
}

TEST(StudyConfig, RolePrefixesAreReadAndHashed) {
  const fs::path dir = scratch("roles");
  const std::string base = R"(models:
  - {name: m, path: model}
corpus:
  sources:
    - path: p.jsonl
      format: preference_jsonl
)";
  const StudyConfig defaults = parse_study_config(base, dir / "study.yaml");
  EXPECT_EQ(defaults.corpus.sources[0].role_prefixes.at("user"), "\n\nHuman: ");
  const StudyConfig custom = parse_study_config(
      base + "      role_prefixes: {user: \"<|user|>\\n\", assistant: \"<|assistant|>\\n\"}\n", dir / "study.yaml");
  EXPECT_EQ(custom.corpus.sources[0].role_prefixes.size(), 2u);
  EXPECT_EQ(custom.corpus.sources[0].role_prefixes.at("assistant"), "<|assistant|>\n");
  EXPECT_NE(config_hash(defaults), config_hash(custom));
  EXPECT_NE(error_of(base + "      role_prefixes: [a]\n", dir).find("role_prefixes: expected a mapping"), std::string::npos);
  const std::string text_source = std::string(kMinimal) + "      role_prefixes: {user: \"U: \"}\n";
  EXPECT_NE(error_of(text_source, dir).find("apply to format preference_jsonl only"), std::string::npos);
}
