//===- NNOps.cpp - ONNX neural-network ops: norms, activations ------------===//

#include "Builders.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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
      failed(node.rejectOutput(1, "normalization statistics are training outputs")) ||
      failed(node.rejectOutput(2, "normalization statistics are training outputs")))
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

/// gelu(x) elementwise: exact (erf) or the tanh approximation.
static FailureOr<Value> buildGelu(NodeImporter &node, Value x, bool useTanh) {
  Type element = getElementTypeOrSelf(x);
  if (!isa<FloatType>(element))
    return node.error() << "input must be float";
  return buildElementwise(
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
}

/// x + y (+ z), broadcast; null operands are skipped.
static FailureOr<Value> addAll(NodeImporter &node, ArrayRef<Value> values) {
  Value sum;
  for (Value v : values) {
    if (!v)
      continue;
    if (!sum) {
      sum = v;
      continue;
    }
    FailureOr<Value> r =
        buildElementwise(node, {sum, v}, getElementTypeOrSelf(sum), addBody);
    if (failed(r))
      return failure();
    sum = *r;
  }
  return sum;
}

/// Gelu (opset 20): exact (erf) or tanh approximation.
static LogicalResult importGelu(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  std::string approximate = node.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return node.error() << "approximate='" << approximate
                        << "' is not one of none, tanh";
  FailureOr<Value> r = buildGelu(node, node.input(0), approximate == "tanh");
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

/// com.microsoft Gelu (erf), BiasGelu (erf of A + B) and FastGelu (tanh of
/// X + bias), as ONNX Runtime's transformer optimizer emits them.
template <bool UseTanh>
static LogicalResult importContribGelu(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  FailureOr<Value> x = addAll(node, {node.input(0), node.optionalInput(1)});
  if (failed(x))
    return failure();
  FailureOr<Value> r = buildGelu(node, *x, UseTanh);
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

/// com.microsoft SkipLayerNormalization / SkipSimplifiedLayerNormalization:
/// s = input + skip (+ bias); output = norm(s) * gamma (+ beta); output 3 is s.
template <typename NormOp, bool HasBeta>
static LogicalResult importSkipNorm(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, HasBeta ? 5 : 4)) ||
      failed(node.rejectOutput(1, "normalization statistics are training outputs")) ||
      failed(node.rejectOutput(2, "normalization statistics are training outputs")))
    return failure();
  Value beta = HasBeta ? node.optionalInput(3) : Value();
  Value bias = node.optionalInput(HasBeta ? 4 : 3);
  FailureOr<Value> sum = addAll(node, {node.input(0), node.input(1), bias});
  if (failed(sum))
    return failure();
  auto type = cast<RankedTensorType>(sum->getType());
  if (failed(checkNormalizedShape(node, node.input(2), "gamma", type,
                                  type.getRank() - 1)) ||
      failed(checkNormalizedShape(node, beta, "beta", type, type.getRank() - 1)))
    return failure();
  OpBuilder &b = node.builder();
  Value result = NormOp::create(
      b, node.loc(), type, *sum, node.input(2), beta, b.getI64IntegerAttr(-1),
      b.getF32FloatAttr(node.floatAttr("epsilon", 1e-12f)));
  node.setOutput(0, result);
  node.setOutput(3, *sum);
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

/// Conv (N-d, grouped, strided, dilated, explicit padding) as one
/// linalg.generic: out[n, m, o...] += X[n, g(m) * Cg + c, o * s + k * d] *
/// W[m, c, k...], after zero-padding X.
/// A convolution whose kernel tiles its input (ViT's patch embedding:
/// stride = kernel, no padding or dilation, one group, spatial dims that
/// the kernel divides) as a matrix product over the patches:
///
///   x [N, C, O1*k1, ...] -> [N, O1, ..., C, k1, ...] -> [N, P, C*k1*...]
///   times w [M, C, k1, ...] -> [C*k1*..., M], then -> [N, M, O1, ...]
///
/// which the GEMM code generator runs near peak where the general window
/// loop nest does not vectorize. Null when the convolution is not one.
static Value buildPatchConv(OpBuilder &b, Location loc, Value x, Value w,
                            int64_t group, ArrayRef<int64_t> strides,
                            ArrayRef<int64_t> dilations,
                            ArrayRef<int64_t> pads) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t spatial = xType.getRank() - 2;
  if (group != 1 || llvm::any_of(pads, [](int64_t p) { return p != 0; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d != 1; }) ||
      ShapedType::isDynamic(xType.getDimSize(1)) || !wType.hasStaticShape())
    return {};
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = xType.getDimSize(2 + i);
    if (strides[i] != kernel[i] || ShapedType::isDynamic(size) ||
        size % kernel[i] != 0)
      return {};
  }
  Type element = xType.getElementType();
  int64_t channels = xType.getDimSize(1), outChannels = wType.getDimSize(0);
  int64_t patchSize = channels, numPatches = 1;
  // [N, C, S1, ...] -> [N, C, O1, k1, O2, k2, ...].
  SmallVector<ReassociationIndices> split{{0}, {1}};
  SmallVector<OpFoldResult> splitShape{getDim(b, loc, x, 0),
                                       b.getIndexAttr(channels)};
  SmallVector<int64_t> splitDims{xType.getDimSize(0), channels};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t patches = xType.getDimSize(2 + i) / kernel[i];
    split.push_back({2 + 2 * i, 3 + 2 * i});
    splitShape.append({b.getIndexAttr(patches), b.getIndexAttr(kernel[i])});
    splitDims.append({patches, kernel[i]});
    patchSize *= kernel[i];
    numPatches *= patches;
  }
  Value tiles = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(splitDims, element), x, split, splitShape);
  // -> [N, O1, O2, ..., C, k1, k2, ...] -> [N, P, C*k1*...].
  SmallVector<int64_t> perm{0};
  for (int64_t i = 0; i < spatial; ++i)
    perm.push_back(2 + 2 * i);
  perm.push_back(1);
  for (int64_t i = 0; i < spatial; ++i)
    perm.push_back(3 + 2 * i);
  SmallVector<OpFoldResult> permutedShape;
  for (int64_t d : perm)
    permutedShape.push_back(splitShape[d]);
  Value permuted =
      linalg::TransposeOp::create(b, loc, tiles,
                                  createEmpty(b, loc, permutedShape, element),
                                  perm)
          ->getResult(0);
  ReassociationIndices patchDims, featureDims;
  for (int64_t i = 0; i < spatial; ++i)
    patchDims.push_back(1 + i);
  for (int64_t i = 0; i <= spatial; ++i)
    featureDims.push_back(1 + spatial + i);
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, permuted,
      SmallVector<ReassociationIndices>{{0}, patchDims, featureDims});
  // w [M, C, k...] -> [M, C*k*...] -> [C*k*..., M].
  ReassociationIndices wFeatures;
  for (int64_t i = 0; i <= spatial; ++i)
    wFeatures.push_back(1 + i);
  Value wRows = tensor::CollapseShapeOp::create(
      b, loc, w, SmallVector<ReassociationIndices>{{0}, wFeatures});
  Value wCols =
      linalg::TransposeOp::create(
          b, loc, wRows,
          createEmpty(b, loc,
                      {b.getIndexAttr(patchSize), b.getIndexAttr(outChannels)},
                      element),
          ArrayRef<int64_t>{1, 0})
          ->getResult(0);
  // [N, P, K] x [K, M] -> [N, P, M]   (loops n, p, m, k).
  MLIRContext *ctx = b.getContext();
  AffineExpr n, p, m, k;
  bindDims(ctx, n, p, m, k);
  SmallVector<OpFoldResult> productShape{getDim(b, loc, x, 0),
                                         b.getIndexAttr(numPatches),
                                         b.getIndexAttr(outChannels)};
  Value init = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0.0),
                                      createEmpty(b, loc, productShape, element))
                   .getResult(0);
  Value product =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{rows, wCols}, init,
          {AffineMap::get(4, 0, {n, p, k}, ctx),
           AffineMap::get(4, 0, {k, m}, ctx),
           AffineMap::get(4, 0, {n, p, m}, ctx)},
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::parallel, utils::IteratorType::reduction},
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value prod = arith::MulFOp::create(nb, nloc, args[0], args[1]);
            linalg::YieldOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, args[2], prod)
                              .getResult());
          })
          .getResult(0);
  // -> [N, M, P] -> [N, M, O1, ...].
  Value channelsFirst =
      linalg::TransposeOp::create(
          b, loc, product,
          createEmpty(b, loc,
                      {productShape[0], productShape[2], productShape[1]},
                      element),
          ArrayRef<int64_t>{0, 2, 1})
          ->getResult(0);
  SmallVector<int64_t> outDims{xType.getDimSize(0), outChannels};
  SmallVector<OpFoldResult> outShape{productShape[0],
                                     b.getIndexAttr(outChannels)};
  for (int64_t i = 0; i < spatial; ++i) {
    outDims.push_back(splitDims[2 + 2 * i]);
    outShape.push_back(splitShape[2 + 2 * i]);
  }
  ReassociationIndices outPatchDims;
  for (int64_t i = 0; i < spatial; ++i)
    outPatchDims.push_back(2 + i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(outDims, element), channelsFirst,
      SmallVector<ReassociationIndices>{{0}, {1}, outPatchDims}, outShape);
}

/// Conv's output: `result` ([N, M, spatial...]) plus the optional bias [M].
static LogicalResult setConvOutput(NodeImporter &node, Value result,
                                   int64_t outChannels) {
  OpBuilder &b = node.builder();
  auto type = cast<RankedTensorType>(result.getType());
  if (Value bias = node.optionalInput(2)) {
    SmallVector<OpFoldResult> biasDims(type.getRank() - 1, b.getIndexAttr(1));
    biasDims[0] = b.getIndexAttr(outChannels);
    FailureOr<Value> sum = buildElementwise(
        node, {result, reshapeTo(b, node.loc(), bias, biasDims)},
        type.getElementType(),
        [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nloc, a[0], a[1]);
        });
    if (failed(sum))
      return failure();
    result = *sum;
  }
  node.setOutput(0, result);
  return success();
}

static LogicalResult importConv(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 3)))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value x = node.input(0), w = node.input(1);
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  Type element = xType.getElementType();
  int64_t rank = xType.getRank(), spatial = rank - 2;
  if (rank < 3 || wType.getRank() != rank)
    return node.error() << "X and W must have the same rank >= 3";
  if (!isa<FloatType>(element) || wType.getElementType() != element)
    return node.error() << "X and W must be float of the same type";
  std::string autoPad = node.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID")
    return node.rejectAttr("auto_pad", "only NOTSET and VALID are supported");
  int64_t group = node.intAttr("group", 1);
  SmallVector<int64_t> strides = node.intsAttr("strides").value_or(
      SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations = node.intsAttr("dilations").value_or(
      SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = node.intsAttr("pads").value_or(
      SmallVector<int64_t>(2 * spatial, 0));
  if (autoPad == "VALID")
    pads.assign(2 * spatial, 0);
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return node.error() << "strides, dilations and pads must match the "
                        << spatial << " spatial dims";
  int64_t outChannels = wType.getDimSize(0), groupChannels = wType.getDimSize(1);
  if (ShapedType::isDynamic(outChannels) || ShapedType::isDynamic(groupChannels) ||
      group <= 0 || outChannels % group != 0)
    return node.error() << "W must have static dims with M divisible by "
                           "group";
  int64_t inChannels = xType.getDimSize(1);
  if (!ShapedType::isDynamic(inChannels) && inChannels != group * groupChannels)
    return node.error() << "X has " << inChannels << " channels, W expects "
                        << group * groupChannels << " (group " << group << ")";
  for (int64_t i = 0; i < spatial; ++i)
    if (wType.isDynamicDim(2 + i))
      return node.error() << "the kernel size must be static";

  if (Value patches =
          buildPatchConv(b, loc, x, w, group, strides, dilations, pads))
    return setConvOutput(node, patches, outChannels);

  // Zero-pad the spatial dims.
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
        high(rank, b.getIndexAttr(0));
    for (int64_t i = 0; i < spatial; ++i) {
      low[2 + i] = b.getIndexAttr(pads[i]);
      high[2 + i] = b.getIndexAttr(pads[spatial + i]);
    }
    x = tensor::PadOp::create(b, loc, RankedTensorType(), x, low, high,
                              createScalar(b, loc, element, 0.0));
  }

  // Output dims: (in - d * (k - 1) - 1) / s + 1 over the padded input.
  SmallVector<OpFoldResult> outDims = {getDim(b, loc, x, 0),
                                       b.getIndexAttr(outChannels)};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t span = dilations[i] * (wType.getDimSize(2 + i) - 1) + 1;
    OpFoldResult in = getDim(b, loc, x, 2 + i);
    if (std::optional<int64_t> c = getConstantIntValue(in)) {
      if (*c < span)
        return node.error() << "spatial dim " << i << " (" << *c
                            << " after padding) is smaller than the kernel";
      outDims.push_back(b.getIndexAttr((*c - span) / strides[i] + 1));
      continue;
    }
    Value v = arith::SubIOp::create(b, loc, toIndexValue(b, loc, in),
                                    arith::ConstantIndexOp::create(b, loc, span));
    v = arith::DivUIOp::create(b, loc, v,
                               arith::ConstantIndexOp::create(b, loc, strides[i]));
    outDims.push_back(arith::AddIOp::create(
                          b, loc, v, arith::ConstantIndexOp::create(b, loc, 1))
                          .getResult());
  }

  // Loops: n, m, o_0..o_{s-1} (parallel), c, k_0..k_{s-1} (reduction).
  MLIRContext *ctx = b.getContext();
  int64_t numLoops = 2 + 2 * spatial + 1;
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
  int64_t cLoop = 2 + spatial;
  AffineExpr channel =
      group == 1 ? dim(cLoop)
                 : dim(1).floorDiv(outChannels / group) * groupChannels +
                       dim(cLoop);
  SmallVector<AffineExpr> xExprs = {dim(0), channel}, wExprs = {dim(1), dim(cLoop)},
                          outExprs = {dim(0), dim(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    xExprs.push_back(dim(2 + i) * strides[i] + dim(cLoop + 1 + i) * dilations[i]);
    wExprs.push_back(dim(cLoop + 1 + i));
    outExprs.push_back(dim(2 + i));
  }
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::reduction);
  for (int64_t i = 0; i < 2 + spatial; ++i)
    iterators[i] = utils::IteratorType::parallel;
  Value zero = createScalar(b, loc, element, 0.0);
  Value init = linalg::FillOp::create(b, loc, zero,
                                      createEmpty(b, loc, outDims, element))
                   .getResult(0);
  Value result =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{x, w}, init,
          {AffineMap::get(numLoops, 0, xExprs, ctx),
           AffineMap::get(numLoops, 0, wExprs, ctx),
           AffineMap::get(numLoops, 0, outExprs, ctx)},
          iterators,
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value prod = arith::MulFOp::create(nb, nloc, args[0], args[1]);
            Value sum = arith::AddFOp::create(nb, nloc, args[2], prod);
            linalg::YieldOp::create(nb, nloc, sum);
          })
          .getResult(0);
  return setConvOutput(node, result, outChannels);
}

void mixer::onnx_import::populateNNHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "LayerNormalization", 17, importNorm<LayerNormOp, true>);
  r.add(d, "RMSNormalization", 23, importNorm<RMSNormOp, false>);
  r.add(d, "Gelu", 20, importGelu);
  r.add(d, "Dropout", 7, importDropout);
  r.add(d, "Conv", 1, importConv);
  // ONNX Runtime registers SimplifiedLayerNormalization (RMSNorm) in the
  // default domain; its other fused ops live in com.microsoft.
  r.add(d, "SimplifiedLayerNormalization", 1, importNorm<RMSNormOp, false>);
  StringRef ms = kMicrosoftDomain;
  r.add(ms, "Gelu", 1, importContribGelu<false>);
  r.add(ms, "BiasGelu", 1, importContribGelu<false>);
  r.add(ms, "FastGelu", 1, importContribGelu<true>);
  r.add(ms, "SkipLayerNormalization", 1, importSkipNorm<LayerNormOp, true>);
  r.add(ms, "SkipSimplifiedLayerNormalization", 1,
        importSkipNorm<RMSNormOp, false>);
}
