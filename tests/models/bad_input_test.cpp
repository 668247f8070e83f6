// Bad model directories give one clear InputError naming the directory and the key or tensor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "golden_support.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

class BadModel : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = test::fixtures() / "models" / "llama";
    if (!fs::exists(source_)) GTEST_SKIP() << "fixture not found: " << source_;
    dir_ = infobound::testing::scratch_dir(std::string("bad_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    config_ = io::read_json_file(source_ / "config.json");
    const auto weights = io::SafetensorsFile::open(source_ / "model.safetensors");
    for (const auto& t : weights.tensors()) tensors_.emplace_back(t.name, weights.tensor(t.name).clone());
  }
  void write() {
    std::ofstream(dir_ / "config.json") << config_.dump(2);
    io::write_safetensors(dir_ / "model.safetensors", tensors_, {{"format", "pt"}});
  }
  // The message of the InputError load() throws; fails the test when nothing is thrown.
  std::string load_error() {
    try {
      models::CausalLM::load(dir_);
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "load accepted a bad model";
    return {};
  }
  fs::path source_, dir_;
  nlohmann::json config_;
  std::vector<std::pair<std::string, at::Tensor>> tensors_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(BadModel, IntactCopyLoads) {
  write();
  EXPECT_NO_THROW(models::CausalLM::load(dir_));
}

TEST_F(BadModel, UnknownModelType) {
  config_["model_type"] = "mamba";
  write();
  const auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "config.json").string())) << error;
  EXPECT_TRUE(contains(error, "unknown model_type 'mamba'")) << error;
  EXPECT_TRUE(contains(error, "gpt_neox")) << error;  // lists what is supported
}

TEST_F(BadModel, MissingConfigKey) {
  config_.erase("num_attention_heads");
  write();
  const auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "config.json").string())) << error;
  EXPECT_TRUE(contains(error, "missing key 'num_attention_heads'")) << error;
}

TEST_F(BadModel, MissingTensor) {
  tensors_.erase(std::remove_if(tensors_.begin(), tensors_.end(),
                                [](const auto& t) { return t.first == "model.layers.1.mlp.up_proj.weight"; }),
                 tensors_.end());
  write();
  const auto error = load_error();
  EXPECT_TRUE(contains(error, dir_.string())) << error;
  EXPECT_TRUE(contains(error, "tensor 'model.layers.1.mlp.up_proj.weight' is missing")) << error;
}

TEST_F(BadModel, MisshapenTensor) {
  for (auto& [name, tensor] : tensors_)
    if (name == "model.layers.0.self_attn.k_proj.weight") tensor = at::zeros({64, 64});
  write();
  const auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "model.safetensors").string())) << error;
  EXPECT_TRUE(
      contains(error, "tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 64] but config.json needs [32, 64]"))
      << error;
}

TEST_F(BadModel, IntegerWeights) {
  for (auto& [name, tensor] : tensors_)
    if (name == "model.norm.weight") tensor = tensor.to(at::kLong);
  write();
  EXPECT_TRUE(contains(load_error(), "tensor 'model.norm.weight' has dtype I64")) << load_error();
}

TEST_F(BadModel, TruncatedWeights) {
  write();
  const auto size = fs::file_size(dir_ / "model.safetensors");
  fs::resize_file(dir_ / "model.safetensors", size - 1000);
  const auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "model.safetensors").string())) << error;
  EXPECT_TRUE(contains(error, "data is not within the file bounds")) << error;
}

TEST_F(BadModel, OversizedHeader) {
  write();
  std::fstream file(dir_ / "model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
  const char huge[8] = {0, 0, 0, 0, 0, 0, 0, 0x10};
  file.write(huge, 8);
  file.close();
  const auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "model.safetensors").string())) << error;
  EXPECT_TRUE(contains(error, "exceeds the limit")) << error;
}

TEST_F(BadModel, NoWeights) {
  std::ofstream(dir_ / "config.json") << config_.dump(2);
  EXPECT_TRUE(contains(load_error(),
                       "no model weights (looked for model.safetensors, model.safetensors.index.json, "
                       "pytorch_model.bin and pytorch_model.bin.index.json)"))
      << load_error();
}

TEST_F(BadModel, NoConfig) { EXPECT_TRUE(contains(load_error(), "no config.json")) << load_error(); }

TEST_F(BadModel, UnsupportedRopeScaling) {
  config_["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  write();
  EXPECT_TRUE(contains(load_error(), "rope_scaling type 'yarn' is not supported")) << load_error();
}

TEST_F(BadModel, BadForwardInputs) {
  write();
  const auto model = models::CausalLM::load(dir_);
  at::NoGradGuard no_grad;
  EXPECT_THROW(model->forward(at::full({1, 3}, 512, at::kLong), {}), InputError);  // id >= vocab
  EXPECT_THROW(model->forward(at::zeros({3}, at::kLong), {}), InputError);         // not 2-D
  EXPECT_THROW(model->forward(at::zeros({1, 3}, at::kFloat), {}), InputError);     // not integer
  EXPECT_THROW(model->forward(at::zeros({1, 3}, at::kLong), at::ones({1, 4}, at::kLong)), InputError);
  EXPECT_THROW(model->forward(at::zeros({1, 3}, at::kLong), at::full({1, 3}, 2, at::kLong)), InputError);
}

TEST_F(BadModel, CudaWithoutCudaIsAClearError) {
  if (at::hasCUDA()) GTEST_SKIP() << "CUDA is available here";
  write();
  models::LoadOptions options;
  options.device = at::Device(at::kCUDA);
  try {
    models::CausalLM::load(dir_, options);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "no CUDA support")) << e.what();
  }
}

TEST_F(BadModel, InspectChecksWithoutReadingWeights) {
  write();
  const auto info = models::inspect_model(dir_);
  EXPECT_EQ(info.model_type, "llama");
  EXPECT_EQ(info.n_layers, 3);
  EXPECT_EQ(info.stored_dtype, "F32");
  EXPECT_EQ(info.n_parameters, models::CausalLM::load(dir_)->info().n_parameters);
  config_.erase("rms_norm_eps");
  write();
  EXPECT_THROW(models::inspect_model(dir_), InputError);
}

// config.json sizes are compared with the checkpoint's header before anything is allocated.
TEST_F(BadModel, HugeSizesNeverAllocate) {
  config_["hidden_size"] = int64_t{1} << 40;
  write();
  auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "config.json").string())) << error;
  EXPECT_TRUE(contains(error, "key 'hidden_size' is 1099511627776, more than any model can have")) << error;
  // Within the per-key bound but not backed by the weights: the header check refuses it first.
  config_["hidden_size"] = int64_t{1} << 24;
  config_["intermediate_size"] = int64_t{1} << 24;
  config_.erase("head_dim");
  write();
  error = load_error();
  EXPECT_TRUE(contains(error, "but config.json needs")) << error;
  // Without a checkpoint (from_config) the declared bytes are compared with the machine's memory.
  try {
    models::CausalLM::from_config(config_);
    ADD_FAILURE() << "a 2^24-wide model was allocated";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "more than this machine's memory")) << e.what();
  }
}

TEST_F(BadModel, ImpossibleConfigValues) {
  config_["rope_theta"] = 0;
  write();
  auto error = load_error();
  EXPECT_TRUE(contains(error, (dir_ / "config.json").string() + ": rope_theta must be a finite number > 0")) << error;
  config_["rope_theta"] = -5.0;
  write();
  EXPECT_TRUE(contains(load_error(), "rope_theta must be a finite number > 0")) << load_error();
  config_["rope_theta"] = 10000.0;
  config_["rms_norm_eps"] = -1e-6;
  write();
  EXPECT_TRUE(contains(load_error(), "key 'rms_norm_eps' must be >= 0")) << load_error();
  config_["rms_norm_eps"] = 1e-6;
  config_["num_hidden_layers"] = 100000;
  write();
  EXPECT_TRUE(contains(load_error(), "key 'num_hidden_layers' is 100000")) << load_error();
  config_["num_hidden_layers"] = 3;
  config_["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 0.0}};
  write();
  EXPECT_TRUE(contains(load_error(), "rope_scaling 'factor' must be a finite number > 0")) << load_error();
}

TEST_F(BadModel, NonFiniteWeightNamesFileAndTensor) {
  for (auto& [name, tensor] : tensors_)
    if (name == "model.layers.2.mlp.down_proj.weight") tensor.view(-1)[7] = std::numeric_limits<float>::quiet_NaN();
  write();
  auto error = load_error();
  EXPECT_TRUE(
      contains(error, (dir_ / "model.safetensors").string() + ": tensor 'model.layers.2.mlp.down_proj.weight' holds 1 NaN"))
      << error;
  for (auto& [name, tensor] : tensors_) {
    if (name == "model.layers.2.mlp.down_proj.weight") tensor.view(-1)[7] = 0.0f;
    if (name == "model.norm.weight") tensor.view(-1)[0] = std::numeric_limits<float>::infinity();
  }
  write();
  error = load_error();
  EXPECT_TRUE(contains(error, "tensor 'model.norm.weight' holds 1 NaN or infinite")) << error;
}

TEST_F(BadModel, ForwardErrorsNameTheModelDirectory) {
  write();
  const auto model = models::CausalLM::load(dir_);
  at::NoGradGuard no_grad;
  for (const auto& [ids, mask] : {std::pair{at::full({1, 3}, 512, at::kLong), at::Tensor()},
                                  std::pair{at::zeros({1, 3}, at::kLong), at::ones({2, 3}, at::kLong)}}) {
    try {
      model->forward(ids, mask);
      ADD_FAILURE() << "bad forward input accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(dir_.string() + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(BadGpt2, PositionsBeyondNPositionsNameTheModel) {
  const fs::path dir = test::fixtures() / "models" / "gpt2";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  const auto model = models::CausalLM::load(dir);
  const int64_t positions = io::read_json_file(dir / "config.json").at("n_positions").get<int64_t>();
  at::NoGradGuard no_grad;
  try {
    model->forward(at::zeros({1, positions + 1}, at::kLong), {});
    FAIL() << "a sequence longer than n_positions was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.string() + ": GPT-2 model has " + std::to_string(positions) + " positions", 0), 0u)
        << e.what();
  }
}

}  // namespace
