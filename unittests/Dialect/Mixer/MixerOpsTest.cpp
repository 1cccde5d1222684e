//===- MixerOpsTest.cpp - Building mixer ops from C++ ---------------------===//
//
// What an embedding compiler does: build mixer ops with the generated
// builders, verify them, and query their helpers.
//
//===----------------------------------------------------------------------===//

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace mixer;

namespace {

class MixerOpsTest : public ::testing::Test {
protected:
  MixerOpsTest() : builder(&context) {
    context.loadDialect<MixerDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  /// A block whose arguments have the given types, to feed the ops.
  SmallVector<Value> arguments(ArrayRef<Type> types) {
    Block *block = new Block();
    module->getBody()->getParent()->push_back(block);
    SmallVector<Location> locs(types.size(), builder.getUnknownLoc());
    block->addArguments(types, locs);
    builder.setInsertionPointToEnd(block);
    return SmallVector<Value>(block->getArguments());
  }

  /// Verifies `op` and returns the first diagnostic, or "" if it verified.
  std::string verifyAndCapture(Operation *op) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    if (succeeded(mlir::verify(op)))
      return "";
    return message;
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(MixerOpsTest, BuildsGroupedQueryAttention) {
  auto args = arguments({tensor({1, 32, 16, 64}), tensor({1, 8, 16, 64}),
                         tensor({1, 8, 16, 64})});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(),
                                tensor({1, 32, 16, 64}), args[0], args[1],
                                args[2], /*mask=*/Value(), /*seq_lens=*/Value(),
                                /*offsets=*/Value(), /*scale=*/nullptr, /*causal=*/true);
  EXPECT_EQ(verifyAndCapture(op), "");
  EXPECT_EQ(op.getNumQueryHeads(), 32);
  EXPECT_EQ(op.getNumKVHeads(), 8);
  FailureOr<double> scale = op.getEffectiveScale();
  ASSERT_TRUE(succeeded(scale));
  EXPECT_DOUBLE_EQ(*scale, 1.0 / 8.0);
}

TEST_F(MixerOpsTest, ExplicitScaleWins) {
  auto args = arguments({tensor({1, 4, 16, 64}), tensor({1, 16, 16, 64}),
                         tensor({1, 16, 16, 64})});
  auto op = AttentionOp::create(
      builder, builder.getUnknownLoc(), tensor({1, 16, 16, 64}), args[0],
      args[1], args[2], Value(), Value(), Value(), builder.getF32FloatAttr(0.5f),
      false);
  EXPECT_EQ(verifyAndCapture(op), "");
  EXPECT_DOUBLE_EQ(*op.getEffectiveScale(), 0.5);
}

TEST_F(MixerOpsTest, ScaleIsUnknownForDynamicHeadDim) {
  int64_t dyn = ShapedType::kDynamic;
  auto args = arguments({tensor({1, 4, 16, dyn}), tensor({1, 4, 16, dyn}),
                         tensor({1, 4, 16, dyn})});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(),
                                tensor({1, 4, 16, dyn}), args[0], args[1],
                                args[2], Value(), Value(), Value(), nullptr, false);
  EXPECT_EQ(verifyAndCapture(op), "");
  EXPECT_TRUE(failed(op.getEffectiveScale()));
}

TEST_F(MixerOpsTest, VerifierNamesTheHeadDimension) {
  auto args = arguments({tensor({1, 6, 16, 64}), tensor({1, 4, 16, 64}),
                         tensor({1, 4, 16, 64})});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(),
                                tensor({1, 6, 16, 64}), args[0], args[1],
                                args[2], Value(), Value(), Value(), nullptr, false);
  std::string message = verifyAndCapture(op);
  EXPECT_NE(message.find("query heads (dim 1) = 6"), std::string::npos)
      << message;
  EXPECT_NE(message.find("one must divide the other"), std::string::npos)
      << message;
}

TEST_F(MixerOpsTest, NormAxisIsNormalized) {
  auto args = arguments({tensor({2, 8, 384}), tensor({8, 384})});
  auto op = LayerNormOp::create(builder, builder.getUnknownLoc(),
                                tensor({2, 8, 384}), args[0], args[1], Value(),
                                builder.getI64IntegerAttr(-2), builder.getF32FloatAttr(1e-5f));
  EXPECT_EQ(verifyAndCapture(op), "");
  EXPECT_EQ(op.getNormalizedAxis(), 1);
}

TEST_F(MixerOpsTest, NormRejectsWeightOfWrongShape) {
  auto args = arguments({tensor({2, 8, 384}), tensor({512})});
  auto op = RMSNormOp::create(builder, builder.getUnknownLoc(),
                              tensor({2, 8, 384}), args[0], args[1], Value(),
                              builder.getI64IntegerAttr(-1),
                              builder.getF32FloatAttr(1e-6f));
  std::string message = verifyAndCapture(op);
  EXPECT_NE(message.find("weight must have shape"), std::string::npos)
      << message;
}

} // namespace
