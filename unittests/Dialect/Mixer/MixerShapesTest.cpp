//===- MixerShapesTest.cpp - Tests of the mixer ops' shape rules ----------===//

#include "mixer/Dialect/Mixer/IR/MixerShapes.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

#include "gtest/gtest.h"

using mlir::ShapedType;
using namespace mixer;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST(MixerShapes, HeadCountsAcceptEveryDivisibleGrouping) {
  EXPECT_TRUE(headCountsCompatible(12, 12)); // MHA
  EXPECT_TRUE(headCountsCompatible(32, 8));  // GQA
  EXPECT_TRUE(headCountsCompatible(32, 1));  // MQA
  EXPECT_TRUE(headCountsCompatible(4, 16));  // SQA, fewer query heads
  EXPECT_TRUE(headCountsCompatible(1, 16));
}

TEST(MixerShapes, HeadCountsRejectNonDivisibleAndNonPositive) {
  EXPECT_FALSE(headCountsCompatible(6, 4));
  EXPECT_FALSE(headCountsCompatible(4, 6));
  EXPECT_FALSE(headCountsCompatible(0, 4));
  EXPECT_FALSE(headCountsCompatible(4, 0));
  EXPECT_FALSE(headCountsCompatible(-3, 3));
}

TEST(MixerShapes, HeadCountsDeferDynamicCountsToRunTime) {
  EXPECT_TRUE(headCountsCompatible(kDyn, 4));
  EXPECT_TRUE(headCountsCompatible(4, kDyn));
  EXPECT_FALSE(headCountsCompatible(kDyn, 0));
}

TEST(MixerShapes, AttentionOutputHasTheLargerHeadCount) {
  EXPECT_EQ(attentionOutputHeads(32, 8), 32);
  EXPECT_EQ(attentionOutputHeads(4, 16), 16);
  EXPECT_EQ(attentionOutputHeads(kDyn, 16), kDyn);
}

TEST(MixerShapes, InferAttentionResultShape) {
  auto shape = inferAttentionResultShape({2, 8, 128, 64}, {2, 2, 256, 64},
                                         {2, 2, 256, 80});
  EXPECT_EQ(shape, (llvm::SmallVector<int64_t, 4>{2, 8, 128, 80}));
  // Batch comes from whichever operand knows it; SQA keeps Hkv heads.
  shape = inferAttentionResultShape({kDyn, 2, kDyn, 64}, {3, 8, 16, 64},
                                    {3, 8, 16, 64});
  EXPECT_EQ(shape, (llvm::SmallVector<int64_t, 4>{3, 8, kDyn, 64}));
}

TEST(MixerShapes, BroadcastMismatchFindsTheOffendingDim) {
  EXPECT_EQ(findBroadcastMismatch({1, 1, 128, 128}, {2, 8, 128, 128}),
            std::nullopt);
  EXPECT_EQ(findBroadcastMismatch({128, 128}, {2, 8, 128, 128}), std::nullopt);
  EXPECT_EQ(findBroadcastMismatch({kDyn, 128}, {2, 8, 64, 128}), std::nullopt);
  EXPECT_EQ(findBroadcastMismatch({2, 1, 64, 128}, {2, 8, 128, 128}), 2);
  EXPECT_EQ(findBroadcastMismatch({3, 8, 128, 128}, {2, 8, 128, 128}), 0);
  EXPECT_EQ(findBroadcastMismatch({1, 1, 1, 8, 8}, {1, 1, 8, 8}), 0);
}

TEST(MixerShapes, NormalizeAxis) {
  EXPECT_EQ(normalizeAxis(-1, 3), 2);
  EXPECT_EQ(normalizeAxis(-3, 3), 0);
  EXPECT_EQ(normalizeAxis(2, 3), 2);
  EXPECT_EQ(normalizeAxis(3, 3), std::nullopt);
  EXPECT_EQ(normalizeAxis(-4, 3), std::nullopt);
  EXPECT_EQ(normalizeAxis(-1, 0), std::nullopt);
}

TEST(MixerShapes, DimsCompatible) {
  EXPECT_TRUE(dimsCompatible(4, 4));
  EXPECT_TRUE(dimsCompatible(kDyn, 4));
  EXPECT_TRUE(dimsCompatible(4, kDyn));
  EXPECT_FALSE(dimsCompatible(4, 5));
}

} // namespace
