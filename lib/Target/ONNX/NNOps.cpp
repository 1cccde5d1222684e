//===- NNOps.cpp - ONNX neural-network ops: norms, activations ------------===//

#include "Builders.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mixer;
using namespace mixer::onnx_import;

/// Checks that an optional affine operand of a normalization has exactly the
/// normalized shape (the mixer ops do not broadcast it).
static LogicalResult checkNormalizedShape(NodeImporter &node, Value value,
                                          StringRef name,
                                          RankedTensorType input,
                                          int64_t axis) {
  if (!value)
    return success();
  auto type = cast<RankedTensorType>(value.getType());
  ArrayRef<int64_t> expected = input.getShape().drop_front(axis);
  if (type.getShape() == expected)
    return success();
  if (type.getRank() == static_cast<int64_t>(expected.size()) &&
      llvm::all_of(llvm::zip(type.getShape(), expected), [](auto p) {
        return ShapedType::isDynamic(std::get<0>(p)) ||
               ShapedType::isDynamic(std::get<1>(p)) ||
               std::get<0>(p) == std::get<1>(p);
      }))
    return success();
  return node.error() << name << " must have the normalized shape (input "
                      << "dims from axis " << axis
                      << " on); broadcasting it is not supported";
}

template <typename NormOp, bool HasBias>
static LogicalResult importNorm(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, HasBias ? 3 : 2)) ||
      failed(node.rejectOutput(1, "mean output of a training graph")) ||
      failed(node.rejectOutput(2, "inverse std-dev output of a training graph")))
    return failure();
  Value x = node.input(0), scale = node.input(1), bias = node.optionalInput(2);
  auto type = cast<RankedTensorType>(x.getType());
  if (!isa<FloatType>(type.getElementType()))
    return node.error() << "input must be float";
  int64_t axis = node.intAttr("axis", -1);
  int64_t normalized = axis < 0 ? axis + type.getRank() : axis;
  if (normalized < 0 || normalized >= type.getRank())
    return node.error() << "axis " << axis << " is out of range for rank "
                        << type.getRank();
  if (failed(checkNormalizedShape(node, scale, "Scale", type, normalized)) ||
      failed(checkNormalizedShape(node, bias, "B", type, normalized)))
    return failure();
  OpBuilder &b = node.builder();
  Value result = NormOp::create(b, node.loc(), type, x, scale, bias,
                                b.getI64IntegerAttr(axis),
                                b.getF32FloatAttr(node.floatAttr("epsilon", 1e-5f)));
  node.setOutput(0, result);
  return success();
}

/// Gelu (opset 20): exact (erf) or tanh approximation.
static LogicalResult importGelu(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  std::string approximate = node.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return node.error() << "approximate='" << approximate
                        << "' is not one of none, tanh";
  bool useTanh = approximate == "tanh";
  Value x = node.input(0);
  Type element = getElementTypeOrSelf(x);
  if (!isa<FloatType>(element))
    return node.error() << "input must be float";
  FailureOr<Value> r = buildElementwise(
      node, x, element, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Type t = a[0].getType();
        Value half = createScalar(b, loc, t, 0.5);
        Value one = createScalar(b, loc, t, 1.0);
        Value inner;
        if (useTanh) {
          // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
          Value x3 = arith::MulFOp::create(
              b, loc, a[0], arith::MulFOp::create(b, loc, a[0], a[0]));
          Value poly = arith::AddFOp::create(
              b, loc, a[0],
              arith::MulFOp::create(b, loc, createScalar(b, loc, t, 0.044715),
                                    x3));
          inner = math::TanhOp::create(
              b, loc,
              arith::MulFOp::create(
                  b, loc, createScalar(b, loc, t, std::sqrt(2.0 / M_PI)), poly));
        } else {
          // 0.5 x (1 + erf(x / sqrt(2)))
          inner = math::ErfOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, a[0],
                                    createScalar(b, loc, t, M_SQRT1_2)));
        }
        Value sum = arith::AddFOp::create(b, loc, one, inner);
        return arith::MulFOp::create(
            b, loc, half, arith::MulFOp::create(b, loc, a[0], sum));
      });
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

/// Dropout at inference is the identity, and its mask keeps everything.
static LogicalResult importDropout(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 3)))
    return failure();
  if (node.hasInput(2)) {
    std::optional<SmallVector<int64_t>> training = node.constantInts(2);
    if (!training || (*training)[0] != 0)
      return node.error() << "training_mode must be a constant false";
  }
  node.setOutput(0, node.input(0));
  if (node.outputUsed(1)) {
    OpBuilder &b = node.builder();
    Value x = node.input(0);
    Value empty = createEmpty(b, node.loc(), getDims(b, node.loc(), x),
                              b.getI1Type());
    Value keep = createScalar(b, node.loc(), b.getI1Type(), 1);
    node.setOutput(1, linalg::FillOp::create(b, node.loc(), keep, empty)
                          .getResult(0));
  }
  return success();
}

void mixer::onnx_import::populateNNHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "LayerNormalization", 17, importNorm<LayerNormOp, true>);
  r.add(d, "RMSNormalization", 23, importNorm<RMSNormOp, false>);
  r.add(d, "Gelu", 20, importGelu);
  r.add(d, "Dropout", 7, importDropout);
}
