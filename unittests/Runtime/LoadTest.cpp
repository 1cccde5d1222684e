//===- LoadTest.cpp - Tests of loading and inspecting a model.so ----------===//

#include "RuntimeTestSupport.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <string>
#include <unistd.h>

using namespace mixer::testing;

namespace {

/// Expects loading fixture `name` to fail with `expected` and `message`.
void expectLoadError(const std::string &name, mixer_status expected,
                     const std::string &message) {
  mixer_model *model = reinterpret_cast<mixer_model *>(0x1);
  expectError(mixer_model_load(fixturePath(name).c_str(), &model), expected,
              message);
  EXPECT_EQ(model, nullptr);
}

TEST(RuntimeLoad, ReadsTheSignature) {
  ModelPtr model = loadFixture("two_inputs");
  ASSERT_TRUE(model);
  ASSERT_EQ(mixer_model_num_inputs(model.get()), 2u);
  ASSERT_EQ(mixer_model_num_outputs(model.get()), 2u);

  mixer_tensor_info info;
  ASSERT_EQ(mixer_model_input_info(model.get(), 0, &info), MIXER_OK);
  EXPECT_STREQ(info.name, "ids");
  EXPECT_EQ(info.dtype, MIXER_DTYPE_I64);
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], -1);
  EXPECT_EQ(info.shape[1], 3);
  ASSERT_EQ(mixer_model_input_info(model.get(), 1, &info), MIXER_OK);
  EXPECT_STREQ(info.name, "scale");
  EXPECT_EQ(info.rank, 0u);
  ASSERT_EQ(mixer_model_output_info(model.get(), 1, &info), MIXER_OK);
  EXPECT_STREQ(info.name, "stats/sum");
  EXPECT_EQ(info.dtype, MIXER_DTYPE_I64);
}

TEST(RuntimeLoad, InfoRejectsBadArguments) {
  ModelPtr model = loadFixture("add_one");
  ASSERT_TRUE(model);
  mixer_tensor_info info;
  expectError(mixer_model_input_info(model.get(), 1, &info),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_input_info: index 1 is out of range, the model "
              "has 1 input(s)");
  expectError(mixer_model_output_info(model.get(), 0, nullptr),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_output_info: out is null");
  expectError(mixer_model_input_info(nullptr, 0, &info),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_input_info: model is null");
  EXPECT_EQ(mixer_model_num_inputs(nullptr), 0u);
  EXPECT_EQ(mixer_model_num_outputs(nullptr), 0u);
}

TEST(RuntimeLoad, FindsNames) {
  ModelPtr model = loadFixture("two_inputs");
  ASSERT_TRUE(model);
  size_t index = 99;
  ASSERT_EQ(mixer_model_find_input(model.get(), "scale", &index), MIXER_OK);
  EXPECT_EQ(index, 1u);
  ASSERT_EQ(mixer_model_find_output(model.get(), "stats/sum", &index),
            MIXER_OK);
  EXPECT_EQ(index, 1u);
  expectError(mixer_model_find_input(model.get(), "scaled", &index),
              MIXER_ERROR_INVALID_ARGUMENT,
              "the model has no input 'scaled'; its inputs: 'ids', 'scale'");
  expectError(mixer_model_find_output(model.get(), "a\nb", &index),
              MIXER_ERROR_INVALID_ARGUMENT,
              "no output 'a\\x0ab'; its outputs: 'scaled', 'stats/sum'");
  expectError(mixer_model_find_input(model.get(), nullptr, &index),
              MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_find_input: name is null");
}

TEST(RuntimeLoad, SetsThreads) {
  ModelPtr model = loadFixture("add_one");
  ASSERT_TRUE(model);
  auto *numThreads = fixtureProbe<int32_t()>("add_one", "fixture_num_threads");
  ASSERT_TRUE(numThreads);
  ASSERT_EQ(mixer_model_set_num_threads(model.get(), 3), MIXER_OK);
  EXPECT_EQ(numThreads(), 3);
  expectError(mixer_model_set_num_threads(model.get(), 0),
              MIXER_ERROR_INVALID_ARGUMENT, "0 threads; at least 1 is needed");
  EXPECT_EQ(numThreads(), 3);
  expectError(mixer_model_set_num_threads(nullptr, 2),
              MIXER_ERROR_INVALID_ARGUMENT, "model is null");
}

TEST(RuntimeLoad, RejectsNullArguments) {
  mixer_model *model = reinterpret_cast<mixer_model *>(0x1);
  expectError(mixer_model_load(nullptr, &model), MIXER_ERROR_INVALID_ARGUMENT,
              "mixer_model_load: path is null");
  EXPECT_EQ(model, nullptr);
  expectError(mixer_model_load(fixturePath("add_one").c_str(), nullptr),
              MIXER_ERROR_INVALID_ARGUMENT, "mixer_model_load: out is null");
  mixer_model_unload(nullptr);
}

TEST(RuntimeLoad, MissingFile) {
  expectLoadError("missing", MIXER_ERROR_IO,
                  fixturePath("missing") + ": No such file or directory");
}

TEST(RuntimeLoad, NotALibrary) {
  std::string path = ::testing::TempDir() + "not_a_library.so";
  FILE *file = std::fopen(path.c_str(), "w");
  ASSERT_TRUE(file);
  std::fputs("this is text, not ELF\n", file);
  std::fclose(file);
  mixer_model *model = nullptr;
  expectError(mixer_model_load(path.c_str(), &model), MIXER_ERROR_IO,
              path + ": cannot load the library: ");
  EXPECT_EQ(model, nullptr);
  std::remove(path.c_str());
}

TEST(RuntimeLoad, PathWithoutSlashIsAFileNotASearch) {
  char previous[4096];
  ASSERT_TRUE(getcwd(previous, sizeof(previous)));
  ASSERT_EQ(chdir(MIXER_FIXTURE_DIR), 0);
  mixer_model *found = nullptr, *searched = nullptr;
  mixer_status foundStatus = mixer_model_load("add_one.so", &found);
  std::string error = mixer_last_error();
  // dlopen("libc.so.6") would find the C library on the library path.
  mixer_status searchedStatus = mixer_model_load("libc.so.6", &searched);
  ASSERT_EQ(chdir(previous), 0);
  EXPECT_EQ(foundStatus, MIXER_OK) << error;
  EXPECT_EQ(searchedStatus, MIXER_ERROR_IO);
  EXPECT_EQ(searched, nullptr);
  mixer_model_unload(found);
}

TEST(RuntimeLoad, NoDescriptor) {
  expectLoadError("no_descriptor", MIXER_ERROR_ABI,
                  "no_descriptor.so: no symbol 'mixer_model_descriptor': not "
                  "a model compiled by mixer-compile");
}

TEST(RuntimeLoad, WrongABIVersion) {
  expectLoadError("abi_version_999", MIXER_ERROR_ABI,
                  "abi_version_999.so: ABI version 999, this runtime reads "
                  "version 1");
}

TEST(RuntimeLoad, NullFunctions) {
  expectLoadError("null_run", MIXER_ERROR_ABI,
                  "null_run.so: the descriptor's run function is null");
  expectLoadError("null_release", MIXER_ERROR_ABI,
                  "the descriptor's release function is null");
  expectLoadError("null_set_num_threads", MIXER_ERROR_ABI,
                  "the descriptor's set_num_threads function is null");
}

struct MalformedCase {
  const char *fixture;
  const char *message;
};

class RuntimeMalformedSignature
    : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(RuntimeMalformedSignature, IsAnABIError) {
  expectLoadError(GetParam().fixture, MIXER_ERROR_ABI, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Runtime, RuntimeMalformedSignature,
    ::testing::Values(
        MalformedCase{"null_signature",
                      "null_signature.so: the descriptor has a null "
                      "signature"},
        MalformedCase{"count_mismatch",
                      "count_mismatch.so: the signature lists 1 input(s) and 1 "
                      "output(s), the descriptor declares 2 and 1"},
        MalformedCase{"bad_keyword",
                      "bad_keyword.so: malformed signature, line 1: expected "
                      "'input' or 'output'"},
        MalformedCase{"bad_number",
                      "line 1: expected a number for the dimension"},
        MalformedCase{"huge_number",
                      "line 1: the dimension does not fit in 64 bits"},
        MalformedCase{"rank_too_big",
                      "line 1: the rank 33 is out of range [0, 32]"},
        MalformedCase{"negative_rank",
                      "line 1: the rank -1 is out of range [0, 32]"},
        MalformedCase{"bad_dim", "line 1: the dimension -2 is invalid: a "
                                 "size is >= 0, or -1 when dynamic"},
        MalformedCase{"unknown_dtype", "line 1: dtype 8 is not a mixer_dtype"},
        MalformedCase{"empty_name",
                      "line 1: the name length 0 is out of range"},
        MalformedCase{"name_past_end",
                      "line 2: the name of 9 bytes runs past the end of the "
                      "signature"},
        MalformedCase{"trailing_garbage",
                      "line 1: expected the end of the line after the name of "
                      "1 bytes"},
        MalformedCase{"input_after_output",
                      "line 2: an input after the outputs"}),
    [](const ::testing::TestParamInfo<MalformedCase> &info) {
      return std::string(info.param.fixture);
    });

} // namespace
