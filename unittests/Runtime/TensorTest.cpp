//===- TensorTest.cpp - Tests of the runtime's tensors and dtypes ---------===//

#include "RuntimeTestSupport.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <vector>

using namespace mixer::testing;

namespace {

// ONNX's STRING: a code that no mixer_dtype has. (C++ leaves values past the
// enum's range undefined, so the tests stay inside it.)
constexpr auto kUnknownDtype = static_cast<mixer_dtype>(8);

TEST(RuntimeDtype, SizesAndNames) {
  struct Case {
    int code;
    size_t size;
    const char *name;
  } cases[] = {
      {MIXER_DTYPE_F32, 4, "f32"},
      {MIXER_DTYPE_U8, 1, "u8"},
      {MIXER_DTYPE_I8, 1, "i8"},
      {MIXER_DTYPE_U16, 2, "u16"},
      {MIXER_DTYPE_I16, 2, "i16"},
      {MIXER_DTYPE_I32, 4, "i32"},
      {MIXER_DTYPE_I64, 8, "i64"},
      {MIXER_DTYPE_BOOL, 1, "bool"},
      {MIXER_DTYPE_F16, 2, "f16"},
      {MIXER_DTYPE_F64, 8, "f64"},
      {MIXER_DTYPE_U32, 4, "u32"},
      {MIXER_DTYPE_U64, 8, "u64"},
      {MIXER_DTYPE_BF16, 2, "bf16"},
      {8, 0, "unknown"},
      {31, 0, "unknown"},
  };
  for (const Case &c : cases) {
    auto dtype = static_cast<mixer_dtype>(c.code);
    EXPECT_EQ(mixer_dtype_size(dtype), c.size) << c.name;
    EXPECT_STREQ(mixer_dtype_name(dtype), c.name);
  }
}

TEST(RuntimeStatus, Names) {
  EXPECT_STREQ(mixer_status_name(MIXER_OK), "MIXER_OK");
  EXPECT_STREQ(mixer_status_name(MIXER_ERROR_ABI), "MIXER_ERROR_ABI");
  EXPECT_STREQ(mixer_status_name(MIXER_ERROR_OUT_OF_MEMORY),
               "MIXER_ERROR_OUT_OF_MEMORY");
}

TEST(RuntimeTensor, CreateGivesZeroedAlignedMemory) {
  TensorPtr tensor = makeTensor(MIXER_DTYPE_F32, {2, 3});
  ASSERT_TRUE(tensor);
  EXPECT_EQ(mixer_tensor_dtype(tensor.get()), MIXER_DTYPE_F32);
  ASSERT_EQ(mixer_tensor_rank(tensor.get()), 2u);
  EXPECT_EQ(mixer_tensor_shape(tensor.get())[0], 2);
  EXPECT_EQ(mixer_tensor_shape(tensor.get())[1], 3);
  EXPECT_EQ(mixer_tensor_num_elements(tensor.get()), 6u);
  EXPECT_EQ(mixer_tensor_byte_size(tensor.get()), 24u);
  auto *data = static_cast<float *>(mixer_tensor_data(tensor.get()));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(data[i], 0.0f);
}

TEST(RuntimeTensor, CreateScalarAndEmpty) {
  mixer_tensor *scalar = nullptr;
  ASSERT_EQ(mixer_tensor_create(MIXER_DTYPE_I64, 0, nullptr, &scalar),
            MIXER_OK);
  EXPECT_EQ(mixer_tensor_num_elements(scalar), 1u);
  EXPECT_EQ(mixer_tensor_byte_size(scalar), 8u);
  mixer_tensor_destroy(scalar);

  TensorPtr empty = makeTensor(MIXER_DTYPE_F16, {0, 5});
  ASSERT_TRUE(empty);
  EXPECT_EQ(mixer_tensor_num_elements(empty.get()), 0u);
  EXPECT_EQ(mixer_tensor_byte_size(empty.get()), 0u);
  EXPECT_NE(mixer_tensor_data(empty.get()), nullptr);
}

TEST(RuntimeTensor, CreateRejectsBadArguments) {
  int64_t shape[] = {2, -3};
  int64_t huge[] = {INT64_MAX, INT64_MAX};
  int64_t wide[MIXER_MAX_RANK + 1] = {};
  mixer_tensor *tensor = reinterpret_cast<mixer_tensor *>(0x1);

  expectError(mixer_tensor_create(MIXER_DTYPE_F32, 1, shape, nullptr),
              MIXER_ERROR_INVALID_ARGUMENT, "mixer_tensor_create: out is null");
  expectError(mixer_tensor_create(kUnknownDtype, 1, shape, &tensor),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_tensor_create: 8 is not a mixer_dtype");
  EXPECT_EQ(tensor, nullptr);
  expectError(
      mixer_tensor_create(MIXER_DTYPE_F32, MIXER_MAX_RANK + 1, wide, &tensor),
      MIXER_ERROR_INVALID_ARGUMENT, "rank 33 exceeds MIXER_MAX_RANK");
  expectError(mixer_tensor_create(MIXER_DTYPE_F32, 2, nullptr, &tensor),
              MIXER_ERROR_INVALID_ARGUMENT, "shape is null for rank 2");
  expectError(mixer_tensor_create(MIXER_DTYPE_F32, 2, shape, &tensor),
              MIXER_ERROR_INVALID_ARGUMENT, "dimension 1 is -3");
  expectError(mixer_tensor_create(MIXER_DTYPE_F32, 2, huge, &tensor),
              MIXER_ERROR_OUT_OF_MEMORY, "byte size of the shape overflows");
  EXPECT_EQ(tensor, nullptr);
}

TEST(RuntimeTensor, WrapBorrowsCallerMemory) {
  std::vector<int32_t> values = {1, 2, 3, 4};
  int64_t shape[] = {4};
  mixer_tensor *tensor = nullptr;
  ASSERT_EQ(
      mixer_tensor_wrap(MIXER_DTYPE_I32, 1, shape, values.data(), &tensor),
      MIXER_OK);
  EXPECT_EQ(mixer_tensor_data(tensor), values.data());
  EXPECT_EQ(mixer_tensor_byte_size(tensor), 16u);
  mixer_tensor_destroy(tensor); // must not free `values`
  EXPECT_EQ(values[3], 4);
}

TEST(RuntimeTensor, WrapNeedsDataUnlessEmpty) {
  int64_t shape[] = {4};
  int64_t empty[] = {0};
  mixer_tensor *tensor = reinterpret_cast<mixer_tensor *>(0x1);
  expectError(mixer_tensor_wrap(MIXER_DTYPE_I32, 1, shape, nullptr, &tensor),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_tensor_wrap: data is null for 4 elements");
  EXPECT_EQ(tensor, nullptr);
  ASSERT_EQ(mixer_tensor_wrap(MIXER_DTYPE_I32, 1, empty, nullptr, &tensor),
            MIXER_OK);
  mixer_tensor_destroy(tensor);
}

TEST(RuntimeTensor, NullTensorAccessorsAreZero) {
  EXPECT_EQ(mixer_tensor_rank(nullptr), 0u);
  EXPECT_EQ(mixer_tensor_shape(nullptr), nullptr);
  EXPECT_EQ(mixer_tensor_data(nullptr), nullptr);
  EXPECT_EQ(mixer_tensor_num_elements(nullptr), 0u);
  EXPECT_EQ(mixer_tensor_byte_size(nullptr), 0u);
  mixer_tensor_destroy(nullptr);
}

} // namespace
