//===- ContractionOps.cpp - ONNX MatMul, Gemm, Einsum ---------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

#include <map>

using namespace mlir;
using namespace mixer::onnx_import;

//===----------------------------------------------------------------------===//
// MatMul, Gemm
//===----------------------------------------------------------------------===//

FailureOr<Value> mixer::onnx_import::buildMatMul(NodeImporter &node, Value a,
                                                 Value b) {
  OpBuilder &builder = node.builder();
  Location loc = node.loc();
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  if (aType.getRank() == 0 || bType.getRank() == 0)
    return node.error() << "operands must have rank >= 1";
  if (aType.getElementType() != bType.getElementType())
    return node.error() << "operands have different element types";
  Type element = aType.getElementType();
  bool aVector = aType.getRank() == 1, bVector = bType.getRank() == 1;
  int64_t aBatch = std::max<int64_t>(aType.getRank() - 2, 0);
  int64_t bBatch = std::max<int64_t>(bType.getRank() - 2, 0);
  int64_t batch = std::max(aBatch, bBatch);
  // Loops: batch..., m (unless A is a vector), n (unless B is), k.
  int64_t m = batch, n = batch + (aVector ? 0 : 1), k = n + (bVector ? 0 : 1);
  int64_t numLoops = k + 1;
  MLIRContext *ctx = builder.getContext();
  auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };

  int64_t kA = aType.getDimSize(aType.getRank() - 1);
  int64_t kB = bType.getDimSize(bVector ? 0 : bType.getRank() - 2);
  if (!ShapedType::isDynamic(kA) && !ShapedType::isDynamic(kB) && kA != kB)
    return node.error() << "contraction dims differ: A has " << kA
                        << ", B has " << kB;

  SmallVector<OpFoldResult> outDims;
  SmallVector<AffineExpr> aExprs, bExprs, outExprs;
  for (int64_t d = 0; d < batch; ++d) {
    int64_t ad = d - (batch - aBatch), bd = d - (batch - bBatch);
    int64_t aSize = ad >= 0 ? aType.getDimSize(ad) : 1;
    int64_t bSize = bd >= 0 ? bType.getDimSize(bd) : 1;
    if (aSize != 1 && bSize != 1 && !ShapedType::isDynamic(aSize) &&
        !ShapedType::isDynamic(bSize) && aSize != bSize)
      return node.error() << "batch dims do not broadcast: " << aSize
                          << " and " << bSize;
    bool useA = ad >= 0 && aSize != 1;
    outDims.push_back(useA ? getDim(builder, loc, a, ad)
                           : (bd >= 0 ? getDim(builder, loc, b, bd)
                                      : builder.getIndexAttr(1)));
    if (ad >= 0)
      aExprs.push_back(aSize == 1 && (bSize != 1) ? getAffineConstantExpr(0, ctx)
                                                   : dim(d));
    if (bd >= 0)
      bExprs.push_back(bSize == 1 && (aSize != 1) ? getAffineConstantExpr(0, ctx)
                                                   : dim(d));
    outExprs.push_back(dim(d));
  }
  if (!aVector) {
    aExprs.push_back(dim(m));
    outExprs.push_back(dim(m));
    outDims.push_back(getDim(builder, loc, a, aType.getRank() - 2));
  }
  aExprs.push_back(dim(k));
  bExprs.push_back(dim(k));
  if (!bVector) {
    bExprs.push_back(dim(n));
    outExprs.push_back(dim(n));
    outDims.push_back(getDim(builder, loc, b, bType.getRank() - 1));
  }
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Value zero = createScalar(builder, loc, element, 0.0);
  Value init = linalg::FillOp::create(builder, loc, zero,
                                      createEmpty(builder, loc, outDims, element))
                   .getResult(0);
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, aExprs, ctx),
                                 AffineMap::get(numLoops, 0, bExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      builder, loc, init.getType(), ValueRange{a, b}, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value prod = mulBody(nb, nloc, {args[0], args[1]});
        linalg::YieldOp::create(nb, nloc, addBody(nb, nloc, {args[2], prod}));
      });
  return generic.getResult(0);
}

static LogicalResult importMatMul(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  FailureOr<Value> r = buildMatMul(node, node.input(0), node.input(1));
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

/// Y = alpha * A' * B' + beta * C, A' and B' optionally transposed.
static LogicalResult importGemm(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 3)))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value a = node.input(0), bm = node.input(1);
  if (cast<RankedTensorType>(a.getType()).getRank() != 2 ||
      cast<RankedTensorType>(bm.getType()).getRank() != 2)
    return node.error() << "A and B must be 2-D";
  if (node.intAttr("transA", 0))
    a = transpose(b, loc, a, {1, 0});
  if (node.intAttr("transB", 0))
    bm = transpose(b, loc, bm, {1, 0});
  FailureOr<Value> y = buildMatMul(node, a, bm);
  if (failed(y))
    return failure();
  Type element = getElementTypeOrSelf(*y);
  float alpha = node.floatAttr("alpha", 1.0f), beta = node.floatAttr("beta", 1.0f);
  Value result = *y;
  if (alpha != 1.0f) {
    Value alphaTensor = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({}, element),
        createScalar(b, loc, element, alpha));
    result = *buildElementwise(node, {result, alphaTensor}, element, mulBody);
  }
  if (Value c = node.optionalInput(2)) {
    if (beta != 1.0f) {
      Value betaTensor = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({}, element),
          createScalar(b, loc, element, beta));
      c = *buildElementwise(node, {c, betaTensor}, element, mulBody);
    }
    FailureOr<Value> sum = buildElementwise(node, {result, c}, element, addBody);
    if (failed(sum))
      return failure();
    result = *sum;
  }
  node.setOutput(0, result);
  return success();
}

/// Einsum without ellipses or repeated indices within one operand: one
/// linalg.generic whose loops are the equation's letters.
static LogicalResult importEinsum(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 8)))
    return failure();
  std::string equation;
  for (char c : node.stringAttr("equation", ""))
    if (c != ' ')
      equation.push_back(c);
  if (equation.find("...") != std::string::npos)
    return node.rejectAttr("equation", "ellipses ('...') are unsupported");
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  unsigned n = node.numInputs();
  if (terms.size() != n)
    return node.error() << "equation '" << equation << "' has " << terms.size()
                        << " operands, the node " << n;
  std::string output;
  if (eq.contains("->")) {
    output = rhs.str();
  } else {
    // Implicit output: the letters that appear once, in alphabetical order.
    std::map<char, int> counts;
    for (char c : lhs)
      if (c != ',')
        ++counts[c];
    for (auto [c, count] : counts)
      if (count == 1)
        output.push_back(c);
  }
  std::string letters;
  for (char c : lhs.str() + output)
    if (c != ',' && letters.find(c) == std::string::npos)
      letters.push_back(c);
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  std::map<char, OpFoldResult> sizes;
  Type element;
  for (unsigned i = 0; i < n; ++i) {
    Value v = node.input(i);
    auto type = cast<RankedTensorType>(v.getType());
    element = type.getElementType();
    if (static_cast<int64_t>(terms[i].size()) != type.getRank())
      return node.error() << "operand " << i << " has rank " << type.getRank()
                          << ", the equation gives it " << terms[i].size()
                          << " indices";
    SmallVector<AffineExpr> exprs;
    for (auto [d, c] : llvm::enumerate(terms[i])) {
      if (terms[i].count(c) > 1)
        return node.rejectAttr("equation",
                               "repeated indices within one operand (diagonals) "
                               "are unsupported");
      exprs.push_back(getAffineDimExpr(letters.find(c), ctx));
      if (!sizes.count(c) || getConstantIntValue(sizes[c]) == 1)
        sizes[c] = getDim(b, loc, v, d);
    }
    inputs.push_back(v);
    maps.push_back(AffineMap::get(letters.size(), 0, exprs, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outDims;
  for (char c : output) {
    if (!sizes.count(c))
      return node.error() << "output index '" << c << "' is not an input index";
    outExprs.push_back(getAffineDimExpr(letters.find(c), ctx));
    outDims.push_back(sizes[c]);
  }
  maps.push_back(AffineMap::get(letters.size(), 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators;
  for (char c : letters)
    iterators.push_back(output.find(c) == std::string::npos
                            ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  Value init = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0.0),
                                      createEmpty(b, loc, outDims, element))
                   .getResult(0);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value prod = args[0];
        for (Value v : args.drop_front().drop_back())
          prod = mulBody(nb, nloc, {prod, v});
        Value sum = addBody(nb, nloc, {args.back(), prod});
        linalg::YieldOp::create(nb, nloc, sum);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

void mixer::onnx_import::populateContractionHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "MatMul", 1, importMatMul);
  r.add(d, "Gemm", 7, importGemm);
  r.add(d, "Einsum", 12, importEinsum);
}
