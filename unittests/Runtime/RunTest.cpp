//===- RunTest.cpp - Tests of running a model.so --------------------------===//

#include "RuntimeTestSupport.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <vector>

using namespace mixer::testing;

namespace {

/// add_one.so with an input x of `rows` x 4 holding 0, 1, 2, ...
class RuntimeRunAddOne : public ::testing::Test {
protected:
  void SetUp() override {
    model = loadFixture("add_one");
    ASSERT_TRUE(model);
    x = makeTensor(MIXER_DTYPE_F32, {2, 4});
    ASSERT_TRUE(x);
    auto *data = static_cast<float *>(mixer_tensor_data(x.get()));
    for (int i = 0; i < 8; ++i)
      data[i] = static_cast<float>(i);
  }

  /// Runs with `inputs` and expects `expected` with `message`, and every
  /// output slot cleared.
  void expectRunError(std::vector<mixer_tensor *> inputs, mixer_status expected,
                      const std::string &message) {
    mixer_tensor *y = reinterpret_cast<mixer_tensor *>(0x1);
    expectError(
        mixer_model_run(model.get(), inputs.data(), inputs.size(), &y, 1),
        expected, message);
    EXPECT_EQ(y, nullptr);
  }

  ModelPtr model;
  TensorPtr x;
};

TEST_F(RuntimeRunAddOne, ComputesValues) {
  mixer_tensor *input = x.get();
  mixer_tensor *output = nullptr;
  ASSERT_EQ(mixer_model_run(model.get(), &input, 1, &output, 1), MIXER_OK)
      << mixer_last_error();
  TensorPtr y(output);
  EXPECT_EQ(mixer_tensor_dtype(output), MIXER_DTYPE_F32);
  ASSERT_EQ(mixer_tensor_rank(output), 2u);
  EXPECT_EQ(mixer_tensor_shape(output)[0], 2);
  EXPECT_EQ(mixer_tensor_shape(output)[1], 4);
  ASSERT_EQ(mixer_tensor_num_elements(output), 8u);
  EXPECT_EQ(mixer_tensor_byte_size(output), 32u);
  auto *values = static_cast<const float *>(mixer_tensor_data(output));
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(values[i], static_cast<float>(i) + 1.0f) << "element " << i;
}

TEST_F(RuntimeRunAddOne, DynamicDimensionMayBeZero) {
  TensorPtr empty = makeTensor(MIXER_DTYPE_F32, {0, 4});
  mixer_tensor *input = empty.get();
  mixer_tensor *output = nullptr;
  ASSERT_EQ(mixer_model_run(model.get(), &input, 1, &output, 1), MIXER_OK)
      << mixer_last_error();
  EXPECT_EQ(mixer_tensor_num_elements(output), 0u);
  mixer_tensor_destroy(output);
}

TEST_F(RuntimeRunAddOne, OutputsOutliveTheModelHandle) {
  auto *liveBlocks = fixtureProbe<int64_t()>("add_one", "fixture_live_blocks");
  ASSERT_TRUE(liveBlocks);
  int64_t before = liveBlocks();
  mixer_tensor *input = x.get();
  mixer_tensor *output = nullptr;
  ASSERT_EQ(mixer_model_run(model.get(), &input, 1, &output, 1), MIXER_OK);
  EXPECT_EQ(liveBlocks(), before + 1);
  model.reset(); // unload while the output lives
  EXPECT_EQ(static_cast<const float *>(mixer_tensor_data(output))[7], 8.0f);
  mixer_tensor_destroy(output); // gives the block back through release()
  EXPECT_EQ(liveBlocks(), before);
}

TEST_F(RuntimeRunAddOne, RejectsWrongCounts) {
  expectRunError({}, MIXER_ERROR_INVALID_ARGUMENT,
                 "mixer_model_run: 0 inputs given, the model takes 1");
  expectRunError({x.get(), x.get()}, MIXER_ERROR_INVALID_ARGUMENT,
                 "mixer_model_run: 2 inputs given, the model takes 1");
  mixer_tensor *input = x.get();
  mixer_tensor *outputs[2];
  expectError(mixer_model_run(model.get(), &input, 1, outputs, 2),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_run: room for 2 outputs, the model returns 1");
  EXPECT_EQ(outputs[0], nullptr);
  EXPECT_EQ(outputs[1], nullptr);
}

TEST_F(RuntimeRunAddOne, RejectsNullPointers) {
  mixer_tensor *input = x.get();
  mixer_tensor *output = nullptr;
  expectError(mixer_model_run(nullptr, &input, 1, &output, 1),
              MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_run: model is null");
  expectError(mixer_model_run(model.get(), nullptr, 1, &output, 1),
              MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_run: inputs is null");
  expectError(mixer_model_run(model.get(), &input, 1, nullptr, 1),
              MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_run: outputs is null");
  expectRunError({nullptr}, MIXER_ERROR_INVALID_ARGUMENT, "input 0 is null");
}

TEST_F(RuntimeRunAddOne, RejectsWrongDtype) {
  TensorPtr ints = makeTensor(MIXER_DTYPE_I32, {2, 4});
  expectRunError({ints.get()}, MIXER_ERROR_DTYPE,
                 "input 'x' is i32, the model needs f32");
}

TEST_F(RuntimeRunAddOne, RejectsWrongRank) {
  TensorPtr flat = makeTensor(MIXER_DTYPE_F32, {8});
  expectRunError({flat.get()}, MIXER_ERROR_SHAPE,
                 "input 'x' has rank 1, the model needs rank 2");
}

TEST_F(RuntimeRunAddOne, RejectsWrongStaticDimension) {
  TensorPtr wide = makeTensor(MIXER_DTYPE_F32, {2, 5});
  expectRunError({wide.get()}, MIXER_ERROR_SHAPE,
                 "input 'x' dimension 1 is 5, the model needs 4");
}

TEST(RuntimeRun, ReportsAFailingRun) {
  ModelPtr model = loadFixture("run_fails");
  ASSERT_TRUE(model);
  TensorPtr x = makeTensor(MIXER_DTYPE_F32, {1, 4});
  mixer_tensor *input = x.get();
  mixer_tensor *output = reinterpret_cast<mixer_tensor *>(0x1);
  expectError(mixer_model_run(model.get(), &input, 1, &output, 1),
              MIXER_ERROR_RUNTIME,
              "run_fails.so: the model's run failed with code 3");
  EXPECT_EQ(output, nullptr);
}

TEST(RuntimeRun, RefusesOutputsThatContradictTheSignature) {
  ModelPtr model = loadFixture("bad_output_shape");
  ASSERT_TRUE(model);
  auto *liveBlocks =
      fixtureProbe<int64_t()>("bad_output_shape", "fixture_live_blocks");
  ASSERT_TRUE(liveBlocks);
  TensorPtr x = makeTensor(MIXER_DTYPE_F32, {1, 4});
  mixer_tensor *input = x.get();
  mixer_tensor *output = reinterpret_cast<mixer_tensor *>(0x1);
  expectError(mixer_model_run(model.get(), &input, 1, &output, 1),
              MIXER_ERROR_ABI,
              "bad_output_shape.so: output 'y' came back with dimension 1 = "
              "5, the signature says 4");
  EXPECT_EQ(output, nullptr);
  EXPECT_EQ(liveBlocks(), 0); // the block went back to the model
}

TEST(RuntimeRun, TwoInputsAndTwoOutputs) {
  ModelPtr model = loadFixture("two_inputs");
  ASSERT_TRUE(model);
  std::vector<int64_t> ids = {1, 2, 3, 4, 5, 6};
  float scale = 0.5f;
  int64_t idsShape[] = {2, 3};
  mixer_tensor *inputs[2] = {};
  ASSERT_EQ(
      mixer_tensor_wrap(MIXER_DTYPE_I64, 2, idsShape, ids.data(), &inputs[0]),
      MIXER_OK);
  ASSERT_EQ(mixer_tensor_wrap(MIXER_DTYPE_F32, 0, nullptr, &scale, &inputs[1]),
            MIXER_OK);
  TensorPtr idsTensor(inputs[0]), scaleTensor(inputs[1]);

  mixer_tensor *outputs[2] = {};
  ASSERT_EQ(mixer_model_run(model.get(), inputs, 2, outputs, 2), MIXER_OK)
      << mixer_last_error();
  TensorPtr scaled(outputs[0]), sum(outputs[1]);
  ASSERT_EQ(mixer_tensor_num_elements(outputs[0]), 6u);
  auto *scaledValues =
      static_cast<const float *>(mixer_tensor_data(outputs[0]));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(scaledValues[i], 0.5f * static_cast<float>(i + 1));
  EXPECT_EQ(mixer_tensor_rank(outputs[1]), 0u);
  EXPECT_EQ(*static_cast<const int64_t *>(mixer_tensor_data(outputs[1])), 21);
}

TEST(RuntimeRun, ChecksEveryInput) {
  ModelPtr model = loadFixture("two_inputs");
  ASSERT_TRUE(model);
  TensorPtr ids = makeTensor(MIXER_DTYPE_I64, {2, 3});
  TensorPtr wideIds = makeTensor(MIXER_DTYPE_I64, {2, 4});
  TensorPtr scale = makeTensor(MIXER_DTYPE_F32, {});
  mixer_tensor *outputs[2];
  mixer_tensor *wrongDim[2] = {wideIds.get(), scale.get()};
  expectError(mixer_model_run(model.get(), wrongDim, 2, outputs, 2),
              MIXER_ERROR_SHAPE,
              "input 'ids' dimension 1 is 4, the model needs 3");
  mixer_tensor *missing[2] = {ids.get(), nullptr};
  expectError(mixer_model_run(model.get(), missing, 2, outputs, 2),
              MIXER_ERROR_INVALID_ARGUMENT, "input 1 is null");
  mixer_tensor *wrongDtype[2] = {ids.get(), ids.get()};
  expectError(mixer_model_run(model.get(), wrongDtype, 2, outputs, 2),
              MIXER_ERROR_DTYPE, "input 'scale' is i64, the model needs f32");
}

} // namespace
