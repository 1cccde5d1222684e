//===- MathOps.cpp - ONNX math ops: elementwise, matmul, reductions -------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>
#include <map>

using namespace mlir;
using namespace mixer::onnx_import;

static bool isFloat(Type t) { return isa<FloatType>(getElementTypeOrSelf(t)); }

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

namespace {
enum class Kind { FloatOnly, IntOnly, Any };
} // namespace

/// Imports an elementwise op whose result has the operands' element type.
template <unsigned MinInputs, unsigned MaxInputs, Kind kind,
          Value (*Body)(OpBuilder &, Location, ValueRange)>
static LogicalResult importElementwise(NodeImporter &node) {
  if (failed(node.checkNumInputs(MinInputs, MaxInputs)))
    return failure();
  SmallVector<Value> operands;
  for (unsigned i = 0, e = node.numInputs(); i < e; ++i)
    operands.push_back(node.input(i));
  Type element = getElementTypeOrSelf(operands[0].getType());
  for (Value v : operands)
    if (getElementTypeOrSelf(v.getType()) != element)
      return node.error() << "operands have different element types ("
                          << element << " and "
                          << getElementTypeOrSelf(v.getType()) << ")";
  if ((kind == Kind::FloatOnly && !isa<FloatType>(element)) ||
      (kind == Kind::IntOnly && !isa<IntegerType>(element)))
    return node.error() << "element type " << element
                        << " is not supported by this op";
  // Variadic ops (Min, Max, Sum, Mean) fold their operands pairwise.
  Value result = operands[0];
  if (operands.size() == 1 && MaxInputs == 1) {
    FailureOr<Value> r = buildElementwise(node, operands, element, Body);
    if (failed(r))
      return failure();
    result = *r;
  } else {
    for (Value next : ArrayRef<Value>(operands).drop_front(1)) {
      FailureOr<Value> r =
          buildElementwise(node, {result, next}, element, Body);
      if (failed(r))
        return failure();
      result = *r;
    }
  }
  node.setOutput(0, result);
  return success();
}

namespace {
enum class ShapeArith { Add, Sub, Mul, Div };
} // namespace

/// Integer Add/Sub/Mul/Div on shape values (e.g. `seq - 1` computed from
/// Shape) stay element by element, so the ops that consume them still see
/// symbolic dims. Returns failure if the operands are not shape values.
template <ShapeArith Op>
static LogicalResult foldShapeArithmetic(NodeImporter &node) {
  if (node.numInputs() != 2 ||
      !isa<IntegerType>(node.inputElementType(0)) ||
      (!node.inputValue(0).elements && !node.inputValue(1).elements))
    return failure();
  std::optional<SmallVector<OpFoldResult>> lhs = node.inputElements(0),
                                           rhs = node.inputElements(1);
  if (!lhs || !rhs ||
      (lhs->size() != rhs->size() && lhs->size() != 1 && rhs->size() != 1))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  size_t n = std::max(lhs->size(), rhs->size());
  SmallVector<OpFoldResult> result;
  for (size_t i = 0; i < n; ++i) {
    OpFoldResult x = (*lhs)[lhs->size() == 1 ? 0 : i];
    OpFoldResult y = (*rhs)[rhs->size() == 1 ? 0 : i];
    std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy && !(Op == ShapeArith::Div && *cy == 0)) {
      int64_t v = Op == ShapeArith::Add   ? *cx + *cy
                  : Op == ShapeArith::Sub ? *cx - *cy
                  : Op == ShapeArith::Mul ? *cx * *cy
                                          : *cx / *cy;
      result.push_back(b.getIndexAttr(v));
      continue;
    }
    Value vx = toIndexValue(b, loc, x), vy = toIndexValue(b, loc, y);
    if (!vx.getType().isIndex())
      vx = arith::IndexCastOp::create(b, loc, b.getIndexType(), vx);
    if (!vy.getType().isIndex())
      vy = arith::IndexCastOp::create(b, loc, b.getIndexType(), vy);
    Value v;
    switch (Op) {
    case ShapeArith::Add:
      v = arith::AddIOp::create(b, loc, vx, vy);
      break;
    case ShapeArith::Sub:
      v = arith::SubIOp::create(b, loc, vx, vy);
      break;
    case ShapeArith::Mul:
      v = arith::MulIOp::create(b, loc, vx, vy);
      break;
    case ShapeArith::Div:
      v = arith::DivSIOp::create(b, loc, vx, vy);
      break;
    }
    result.push_back(v);
  }
  int64_t rank = std::max(node.inputRank(0), node.inputRank(1));
  node.setOutputElements(0, result, node.inputElementType(0), rank);
  return success();
}

template <ShapeArith Op, Value (*Body)(OpBuilder &, Location, ValueRange)>
static LogicalResult importArithmetic(NodeImporter &node) {
  if (succeeded(foldShapeArithmetic<Op>(node)))
    return success();
  return importElementwise<2, 2, Kind::Any, Body>(node);
}

/// Imports a comparison or logical op producing i1.
template <Value (*Body)(OpBuilder &, Location, ValueRange)>
static LogicalResult importPredicate(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value lhs = node.input(0), rhs = node.input(1);
  if (getElementTypeOrSelf(lhs) != getElementTypeOrSelf(rhs))
    return node.error() << "operands have different element types";
  FailureOr<Value> r =
      buildElementwise(node, {lhs, rhs}, node.builder().getI1Type(), Body);
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

#define FLOAT_INT_BODY(name, fop, iop)                                         \
  static Value name(OpBuilder &b, Location loc, ValueRange a) {                \
    if (isFloat(a[0].getType()))                                               \
      return fop::create(b, loc, a[0], a[1]);                                  \
    return iop::create(b, loc, a[0], a[1]);                                    \
  }
FLOAT_INT_BODY(addBody, arith::AddFOp, arith::AddIOp)
FLOAT_INT_BODY(subBody, arith::SubFOp, arith::SubIOp)
FLOAT_INT_BODY(mulBody, arith::MulFOp, arith::MulIOp)
FLOAT_INT_BODY(divBody, arith::DivFOp, arith::DivSIOp)
FLOAT_INT_BODY(minBody, arith::MinimumFOp, arith::MinSIOp)
FLOAT_INT_BODY(maxBody, arith::MaximumFOp, arith::MaxSIOp)
#undef FLOAT_INT_BODY

#define UNARY_BODY(name, op)                                                   \
  static Value name(OpBuilder &b, Location loc, ValueRange a) {                \
    return op::create(b, loc, a[0]);                                           \
  }
UNARY_BODY(sqrtBody, math::SqrtOp)
UNARY_BODY(expBody, math::ExpOp)
UNARY_BODY(logBody, math::LogOp)
UNARY_BODY(tanhBody, math::TanhOp)
UNARY_BODY(erfBody, math::ErfOp)
UNARY_BODY(sinBody, math::SinOp)
UNARY_BODY(cosBody, math::CosOp)
UNARY_BODY(floorBody, math::FloorOp)
UNARY_BODY(ceilBody, math::CeilOp)
#undef UNARY_BODY

static Value powBody(OpBuilder &b, Location loc, ValueRange a) {
  return math::PowFOp::create(b, loc, a[0], a[1]);
}
static Value negBody(OpBuilder &b, Location loc, ValueRange a) {
  if (isFloat(a[0].getType()))
    return arith::NegFOp::create(b, loc, a[0]);
  Value zero = createScalar(b, loc, a[0].getType(), 0);
  return arith::SubIOp::create(b, loc, zero, a[0]);
}
static Value absBody(OpBuilder &b, Location loc, ValueRange a) {
  if (isFloat(a[0].getType()))
    return math::AbsFOp::create(b, loc, a[0]);
  return math::AbsIOp::create(b, loc, a[0]);
}
static Value reciprocalBody(OpBuilder &b, Location loc, ValueRange a) {
  Value one = createScalar(b, loc, a[0].getType(), 1.0);
  return arith::DivFOp::create(b, loc, one, a[0]);
}
static Value sigmoidBody(OpBuilder &b, Location loc, ValueRange a) {
  Value one = createScalar(b, loc, a[0].getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}
static Value reluBody(OpBuilder &b, Location loc, ValueRange a) {
  Value zero = createScalar(b, loc, a[0].getType(), 0.0);
  if (isFloat(a[0].getType()))
    return arith::MaximumFOp::create(b, loc, a[0], zero);
  return arith::MaxSIOp::create(b, loc, a[0], zero);
}
static Value softplusBody(OpBuilder &b, Location loc, ValueRange a) {
  // log(1 + exp(x)) computed as max(x, 0) + log1p(exp(-|x|)) to not overflow.
  Value zero = createScalar(b, loc, a[0].getType(), 0.0);
  Value absX = math::AbsFOp::create(b, loc, a[0]);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, absX));
  return arith::AddFOp::create(b, loc,
                               arith::MaximumFOp::create(b, loc, a[0], zero),
                               math::Log1pOp::create(b, loc, e));
}
static Value notBody(OpBuilder &b, Location loc, ValueRange a) {
  Value one = createScalar(b, loc, a[0].getType(), 1);
  return arith::XOrIOp::create(b, loc, a[0], one);
}
static Value andBody(OpBuilder &b, Location loc, ValueRange a) {
  return arith::AndIOp::create(b, loc, a[0], a[1]);
}
static Value orBody(OpBuilder &b, Location loc, ValueRange a) {
  return arith::OrIOp::create(b, loc, a[0], a[1]);
}
static Value xorBody(OpBuilder &b, Location loc, ValueRange a) {
  return arith::XOrIOp::create(b, loc, a[0], a[1]);
}

template <arith::CmpFPredicate F, arith::CmpIPredicate I>
static Value compareBody(OpBuilder &b, Location loc, ValueRange a) {
  if (isFloat(a[0].getType()))
    return arith::CmpFOp::create(b, loc, F, a[0], a[1]);
  return arith::CmpIOp::create(b, loc, I, a[0], a[1]);
}

/// Pow: float base; the exponent may have another type (opset 12) and is
/// converted to the base's.
static LogicalResult importPow(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value base = node.input(0);
  Type element = getElementTypeOrSelf(base);
  if (!isa<FloatType>(element))
    return node.error() << "integer powers are not supported (base type "
                        << element << ")";
  Value exponent = castTensor(node, node.input(1), element);
  FailureOr<Value> r = buildElementwise(node, {base, exponent}, element, powBody);
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

/// Equal on shape values, as exporters emit to handle Reshape's -1: constants
/// compare; a dim (never negative) differs from any negative constant.
static LogicalResult foldShapeEqual(NodeImporter &node) {
  if (node.numInputs() != 2 ||
      (!node.inputValue(0).elements && !node.inputValue(1).elements))
    return failure();
  std::optional<SmallVector<OpFoldResult>> lhs = node.inputElements(0),
                                           rhs = node.inputElements(1);
  if (!lhs || !rhs ||
      (lhs->size() != rhs->size() && lhs->size() != 1 && rhs->size() != 1))
    return failure();
  SmallVector<OpFoldResult> result;
  OpBuilder &b = node.builder();
  for (size_t i = 0, n = std::max(lhs->size(), rhs->size()); i < n; ++i) {
    std::optional<int64_t> x = getConstantIntValue((*lhs)[lhs->size() == 1 ? 0 : i]);
    std::optional<int64_t> y = getConstantIntValue((*rhs)[rhs->size() == 1 ? 0 : i]);
    if (x && y)
      result.push_back(b.getIntegerAttr(b.getI1Type(), *x == *y));
    else if ((x && *x < 0) || (y && *y < 0))
      result.push_back(b.getIntegerAttr(b.getI1Type(), 0));
    else
      return failure();
  }
  node.setOutputElements(0, result, b.getI1Type(),
                         std::max(node.inputRank(0), node.inputRank(1)));
  return success();
}

static LogicalResult importEqual(NodeImporter &node) {
  if (succeeded(foldShapeEqual(node)))
    return success();
  return importPredicate<compareBody<arith::CmpFPredicate::OEQ,
                                     arith::CmpIPredicate::eq>>(node);
}

/// Where over shape values with a known condition picks elements.
static LogicalResult foldShapeWhere(NodeImporter &node) {
  if (!node.inputValue(0).elements)
    return failure();
  std::optional<SmallVector<int64_t>> cond = node.constantInts(0);
  std::optional<SmallVector<OpFoldResult>> x = node.inputElements(1),
                                           y = node.inputElements(2);
  if (!cond || !x || !y)
    return failure();
  size_t n = std::max({cond->size(), x->size(), y->size()});
  for (size_t size : {cond->size(), x->size(), y->size()})
    if (size != n && size != 1)
      return failure();
  SmallVector<OpFoldResult> result;
  for (size_t i = 0; i < n; ++i)
    result.push_back((*cond)[cond->size() == 1 ? 0 : i]
                         ? (*x)[x->size() == 1 ? 0 : i]
                         : (*y)[y->size() == 1 ? 0 : i]);
  node.setOutputElements(0, result, node.inputElementType(1),
                         std::max({node.inputRank(0), node.inputRank(1),
                                   node.inputRank(2)}));
  return success();
}

static LogicalResult importWhere(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 3)))
    return failure();
  if (succeeded(foldShapeWhere(node)))
    return success();
  Value cond = node.input(0), x = node.input(1), y = node.input(2);
  if (!getElementTypeOrSelf(cond).isInteger(1))
    return node.error() << "condition must be bool";
  FailureOr<Value> r = buildElementwise(
      node, {cond, x, y}, getElementTypeOrSelf(x),
      [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
      });
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

static LogicalResult importCast(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  int64_t to = node.intAttr("to", 0);
  Type target = convertElementType(node.context(), to);
  if (!target)
    return node.error() << "cannot cast to unsupported data type "
                        << dataTypeName(to);
  node.setOutput(0, castTensor(node, node.input(0), target));
  return success();
}

static LogicalResult importCastLike(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  node.setOutput(0, castTensor(node, node.input(0),
                               getElementTypeOrSelf(node.input(1))));
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul, Gemm
//===----------------------------------------------------------------------===//

/// C[batch..., m, n] = sum_k A[batch..., m, k] * B[batch..., k, n] with
/// NumPy matmul semantics (1-D operands promoted and the added dim removed,
/// batch dims broadcast).
static FailureOr<Value> buildMatMul(NodeImporter &node, Value a, Value b) {
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

//===----------------------------------------------------------------------===//
// Reductions, softmax
//===----------------------------------------------------------------------===//

namespace {
enum class Reduce { Sum, Mean, Max, Min };
} // namespace

/// Reads the axes of a reduction: from the `axes` input (ReduceSum since 13,
/// the others since 18) or the `axes` attribute.
template <Reduce R>
static LogicalResult importReduce(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  SmallVector<int64_t> axes;
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(1);
    if (!given)
      return node.error() << "axes must be a constant";
    axes = *given;
  } else if (auto attr = node.intsAttr("axes")) {
    axes = *attr;
  }
  if (axes.empty()) {
    if (node.intAttr("noop_with_empty_axes", 0)) {
      node.setOutput(0, input);
      return success();
    }
    for (int64_t d = 0; d < type.getRank(); ++d)
      axes.push_back(d);
  }
  FailureOr<SmallVector<int64_t>> normalized =
      normalizeAxes(node, axes, type.getRank());
  if (failed(normalized))
    return failure();
  bool keepDims = node.intAttr("keepdims", 1) != 0;
  OpBuilder &b = node.builder();
  TypedAttr init;
  ScalarBodyFn combine = nullptr;
  bool isF = isa<FloatType>(element);
  auto combineSum = [](OpBuilder &nb, Location l, ValueRange a) {
    return addBody(nb, l, {a[0], a[1]});
  };
  auto combineMax = [](OpBuilder &nb, Location l, ValueRange a) {
    return maxBody(nb, l, {a[0], a[1]});
  };
  auto combineMin = [](OpBuilder &nb, Location l, ValueRange a) {
    return minBody(nb, l, {a[0], a[1]});
  };
  switch (R) {
  case Reduce::Sum:
  case Reduce::Mean:
    init = isF ? TypedAttr(b.getFloatAttr(element, 0.0))
               : TypedAttr(b.getIntegerAttr(element, 0));
    combine = combineSum;
    break;
  case Reduce::Max:
    init = isF ? TypedAttr(b.getFloatAttr(
                     element, -std::numeric_limits<double>::infinity()))
               : TypedAttr(b.getIntegerAttr(
                     element, APInt::getSignedMinValue(
                                  element.getIntOrFloatBitWidth())));
    combine = combineMax;
    break;
  case Reduce::Min:
    init = isF ? TypedAttr(b.getFloatAttr(
                     element, std::numeric_limits<double>::infinity()))
               : TypedAttr(b.getIntegerAttr(
                     element, APInt::getSignedMaxValue(
                                  element.getIntOrFloatBitWidth())));
    combine = combineMin;
    break;
  }
  Value result = buildReduction(node, input, *normalized, keepDims, init, combine);
  if (R == Reduce::Mean) {
    if (!isF)
      return node.error() << "ReduceMean needs a float input";
    // Divide by the number of reduced elements.
    Location loc = node.loc();
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t axis : *normalized)
      count = arith::MulIOp::create(
          b, loc, count, toIndexValue(b, loc, getDim(b, loc, input, axis)));
    Value countF = arith::UIToFPOp::create(
        b, loc, element,
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count));
    Value countTensor = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({}, element), countF);
    result = *buildElementwise(node, {result, countTensor}, element, divBody);
  }
  node.setOutput(0, result);
  return success();
}

/// Softmax / LogSoftmax along one axis (opset 13 semantics).
template <bool Log>
static LogicalResult importSoftmax(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  if (!isa<FloatType>(type.getElementType()))
    return node.error() << "input must be float";
  FailureOr<SmallVector<int64_t>> axis =
      normalizeAxes(node, {node.intAttr("axis", -1)}, type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value init = createEmpty(b, loc, getDims(b, loc, input), type.getElementType());
  Value softmax = linalg::SoftmaxOp::create(b, loc, type, input, init,
                                            (*axis)[0])
                      .getResult()[0];
  if (!Log) {
    node.setOutput(0, softmax);
    return success();
  }
  // log(softmax(x)) = x - max - log(sum(exp(x - max))), computed stably.
  Type element = type.getElementType();
  auto max = buildReduction(
      node, input, *axis, /*keepDims=*/true,
      b.getFloatAttr(element, -std::numeric_limits<double>::infinity()),
      [](OpBuilder &nb, Location l, ValueRange a) {
        return maxBody(nb, l, {a[0], a[1]});
      });
  Value shifted = *buildElementwise(node, {input, max}, element, subBody);
  Value exps = *buildElementwise(node, shifted, element, expBody);
  Value sum = buildReduction(node, exps, *axis, /*keepDims=*/true,
                             b.getFloatAttr(element, 0.0),
                             [](OpBuilder &nb, Location l, ValueRange a) {
                               return addBody(nb, l, {a[0], a[1]});
                             });
  Value logSum = *buildElementwise(node, sum, element, logBody);
  node.setOutput(0, *buildElementwise(node, {shifted, logSum}, element, subBody));
  return success();
}

/// CumSum along a constant axis: out[..i..] = sum over j <= i (j < i when
/// exclusive; reversed: j >= i) of x[..j..], as a masked reduction.
static LogicalResult importCumSum(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value x = node.input(0);
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<SmallVector<int64_t>> axisValue = node.constantInts(1);
  if (!axisValue || axisValue->size() != 1)
    return node.error() << "axis must be a constant scalar";
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, *axisValue, type.getRank());
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0], rank = type.getRank();
  bool exclusive = node.intAttr("exclusive", 0) != 0;
  bool reverse = node.intAttr("reverse", 0) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  // Loops: the rank dims of the output, then j (reduction) along `axis`.
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Type element = type.getElementType();
  Value init = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0.0),
                                      createEmpty(b, loc, getDims(b, loc, x),
                                                  element))
                   .getResult(0);
  // The j loop's bound comes from the input map (x[.., j, ..]).
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), x, init,
      {AffineMap::get(rank + 1, 0, inExprs, ctx),
       AffineMap::get(rank + 1, 0, outExprs, ctx)},
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, nloc, axis);
        Value j = linalg::IndexOp::create(nb, nloc, rank);
        arith::CmpIPredicate pred =
            reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                 : arith::CmpIPredicate::uge)
                    : (exclusive ? arith::CmpIPredicate::ult
                                 : arith::CmpIPredicate::ule);
        Value take = arith::CmpIOp::create(nb, nloc, pred, j, i);
        Value sum = addBody(nb, nloc, {args[1], args[0]});
        linalg::YieldOp::create(
            nb, nloc,
            arith::SelectOp::create(nb, nloc, take, sum, args[1]).getResult());
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// ArgMax / ArgMin along one axis: a reduction carrying (value, index).
template <bool Max>
static LogicalResult importArgReduce(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", 0)}, rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  bool keepDims = node.intAttr("keepdims", 1) != 0;
  bool selectLast = node.intAttr("select_last_index", 0) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> outDims;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    iterators.push_back(d == axis ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
    if (d != axis) {
      outDims.push_back(getDim(b, loc, input, d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  bool isF = isa<FloatType>(element);
  double start = Max ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
  TypedAttr initAttr =
      isF ? TypedAttr(b.getFloatAttr(element, start))
          : TypedAttr(b.getIntegerAttr(
                element, Max ? APInt::getSignedMinValue(
                                   element.getIntOrFloatBitWidth())
                             : APInt::getSignedMaxValue(
                                   element.getIntOrFloatBitWidth())));
  Value values = linalg::FillOp::create(
                     b, loc, arith::ConstantOp::create(b, loc, initAttr).getResult(),
                     createEmpty(b, loc, outDims, element))
                     .getResult(0);
  Value indices =
      linalg::FillOp::create(b, loc, createScalar(b, loc, b.getI64Type(), 0),
                             createEmpty(b, loc, outDims, b.getI64Type()))
          .getResult(0);
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{values.getType(), indices.getType()}, input,
      ValueRange{values, indices},
      {AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value better;
        if (isF)
          better = arith::CmpFOp::create(
              nb, nloc,
              Max ? (selectLast ? arith::CmpFPredicate::OGE
                                : arith::CmpFPredicate::OGT)
                  : (selectLast ? arith::CmpFPredicate::OLE
                                : arith::CmpFPredicate::OLT),
              args[0], args[1]);
        else
          better = arith::CmpIOp::create(
              nb, nloc,
              Max ? (selectLast ? arith::CmpIPredicate::sge
                                : arith::CmpIPredicate::sgt)
                  : (selectLast ? arith::CmpIPredicate::sle
                                : arith::CmpIPredicate::slt),
              args[0], args[1]);
        Value v = arith::SelectOp::create(nb, nloc, better, args[0], args[1]);
        Value idx = arith::SelectOp::create(nb, nloc, better, i, args[2]);
        linalg::YieldOp::create(nb, nloc, ValueRange{v, idx});
      });
  Value result = generic.getResult(1);
  if (keepDims) {
    SmallVector<OpFoldResult> kept;
    for (int64_t d = 0; d < rank; ++d)
      kept.push_back(d == axis ? b.getIndexAttr(1) : getDim(b, loc, input, d));
    result = reshapeTo(b, loc, result, kept);
  }
  node.setOutput(0, result);
  return success();
}

/// TopK along one axis with a constant k, exactly and without sorting
/// networks: rank[i] = #{j : x[j] beats x[i]} (ties broken by index, so
/// ranks are a permutation), then output p takes the element of rank p.
/// O(n^2 + n k) per row: correct for any size, cheap for short axes.
static LogicalResult importTopK(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value x = node.input(0);
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> kValue = node.constantInts(1);
  if (!kValue || kValue->size() != 1 || (*kValue)[0] < 0)
    return node.error() << "k must be a constant non-negative scalar";
  int64_t k = (*kValue)[0];
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", -1)}, rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  if (!type.isDynamicDim(axis) && k > type.getDimSize(axis))
    return node.error() << "k = " << k << " exceeds the axis size "
                        << type.getDimSize(axis);
  bool largest = node.intAttr("largest", 1) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  bool isF = isa<FloatType>(element);
  Type i64Type = b.getI64Type();

  // Loops (dims..., j): j runs along `axis` as the competitor of i.
  SmallVector<AffineExpr> selfExprs, otherExprs;
  for (int64_t d = 0; d < rank; ++d) {
    selfExprs.push_back(getAffineDimExpr(d, ctx));
    otherExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
  }
  AffineMap self = AffineMap::get(rank + 1, 0, selfExprs, ctx);
  AffineMap other = AffineMap::get(rank + 1, 0, otherExprs, ctx);
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Value ranks = linalg::FillOp::create(b, loc, createScalar(b, loc, i64Type, 0),
                                       createEmpty(b, loc, getDims(b, loc, x),
                                                   i64Type))
                    .getResult(0);
  ranks = linalg::GenericOp::create(
              b, loc, ranks.getType(), ValueRange{x, x}, ranks,
              {self, other, self}, iterators,
              [&](OpBuilder &nb, Location nloc, ValueRange a) {
                Value i = linalg::IndexOp::create(nb, nloc, axis);
                Value j = linalg::IndexOp::create(nb, nloc, rank);
                Value strictly, equal;
                if (isF) {
                  strictly = arith::CmpFOp::create(
                      nb, nloc,
                      largest ? arith::CmpFPredicate::OGT
                              : arith::CmpFPredicate::OLT,
                      a[1], a[0]);
                  equal = arith::CmpFOp::create(nb, nloc,
                                                arith::CmpFPredicate::OEQ, a[1],
                                                a[0]);
                } else {
                  strictly = arith::CmpIOp::create(
                      nb, nloc,
                      largest ? arith::CmpIPredicate::sgt
                              : arith::CmpIPredicate::slt,
                      a[1], a[0]);
                  equal = arith::CmpIOp::create(nb, nloc,
                                                arith::CmpIPredicate::eq, a[1],
                                                a[0]);
                }
                Value earlier = arith::CmpIOp::create(
                    nb, nloc, arith::CmpIPredicate::ult, j, i);
                Value beats = arith::OrIOp::create(
                    nb, nloc, strictly,
                    arith::AndIOp::create(nb, nloc, equal, earlier));
                Value one = arith::ExtUIOp::create(nb, nloc, nb.getI64Type(),
                                                   beats);
                linalg::YieldOp::create(
                    nb, nloc,
                    arith::AddIOp::create(nb, nloc, a[2], one).getResult());
              })
              .getResult(0);

  // Outputs (dims with axis -> k); loops (dims..., j) pick rank == p.
  SmallVector<OpFoldResult> outDims = getDims(b, loc, x);
  outDims[axis] = b.getIndexAttr(k);
  Value values = createEmpty(b, loc, outDims, element);
  Value indices = createEmpty(b, loc, outDims, i64Type);
  values = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0),
                                  values)
               .getResult(0);
  indices = linalg::FillOp::create(b, loc, createScalar(b, loc, i64Type, 0),
                                   indices)
                .getResult(0);
  auto pick = linalg::GenericOp::create(
      b, loc, TypeRange{values.getType(), indices.getType()},
      ValueRange{x, ranks}, ValueRange{values, indices},
      {other, other, self, self}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value p = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value j = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, rank));
        Value hit = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                          a[1], p);
        Value v = arith::SelectOp::create(nb, nloc, hit, a[0], a[2]);
        Value idx = arith::SelectOp::create(nb, nloc, hit, j, a[3]);
        linalg::YieldOp::create(nb, nloc, ValueRange{v, idx});
      });
  node.setOutput(0, pick.getResult(0));
  node.setOutput(1, pick.getResult(1));
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void mixer::onnx_import::populateMathHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  // Binary arithmetic (NumPy broadcasting since opset 7; types from 13/14).
  r.add(d, "Add", 7, importArithmetic<ShapeArith::Add, addBody>);
  r.add(d, "Sub", 7, importArithmetic<ShapeArith::Sub, subBody>);
  r.add(d, "Mul", 7, importArithmetic<ShapeArith::Mul, mulBody>);
  r.add(d, "Div", 7, importArithmetic<ShapeArith::Div, divBody>);
  r.add(d, "Pow", 7, importPow);
  r.add(d, "Min", 8, importElementwise<1, 64, Kind::Any, minBody>);
  r.add(d, "Max", 8, importElementwise<1, 64, Kind::Any, maxBody>);
  r.add(d, "Sum", 8, importElementwise<1, 64, Kind::Any, addBody>);
  // Unary math.
  r.add(d, "Sqrt", 6, importElementwise<1, 1, Kind::FloatOnly, sqrtBody>);
  r.add(d, "Reciprocal", 6,
        importElementwise<1, 1, Kind::FloatOnly, reciprocalBody>);
  r.add(d, "Neg", 6, importElementwise<1, 1, Kind::Any, negBody>);
  r.add(d, "Abs", 6, importElementwise<1, 1, Kind::Any, absBody>);
  r.add(d, "Exp", 6, importElementwise<1, 1, Kind::FloatOnly, expBody>);
  r.add(d, "Log", 6, importElementwise<1, 1, Kind::FloatOnly, logBody>);
  r.add(d, "Tanh", 6, importElementwise<1, 1, Kind::FloatOnly, tanhBody>);
  r.add(d, "Erf", 9, importElementwise<1, 1, Kind::FloatOnly, erfBody>);
  r.add(d, "Sigmoid", 6, importElementwise<1, 1, Kind::FloatOnly, sigmoidBody>);
  r.add(d, "Relu", 6, importElementwise<1, 1, Kind::Any, reluBody>);
  r.add(d, "Softplus", 1,
        importElementwise<1, 1, Kind::FloatOnly, softplusBody>);
  r.add(d, "Sin", 7, importElementwise<1, 1, Kind::FloatOnly, sinBody>);
  r.add(d, "Cos", 7, importElementwise<1, 1, Kind::FloatOnly, cosBody>);
  r.add(d, "Floor", 6, importElementwise<1, 1, Kind::FloatOnly, floorBody>);
  r.add(d, "Ceil", 6, importElementwise<1, 1, Kind::FloatOnly, ceilBody>);
  // Logic and comparisons.
  r.add(d, "Not", 1, importElementwise<1, 1, Kind::IntOnly, notBody>);
  r.add(d, "And", 7, importElementwise<2, 2, Kind::IntOnly, andBody>);
  r.add(d, "Or", 7, importElementwise<2, 2, Kind::IntOnly, orBody>);
  r.add(d, "Xor", 7, importElementwise<2, 2, Kind::IntOnly, xorBody>);
  r.add(d, "Equal", 7, importEqual);
  r.add(d, "Less", 7,
        importPredicate<compareBody<arith::CmpFPredicate::OLT,
                                    arith::CmpIPredicate::slt>>);
  r.add(d, "LessOrEqual", 12,
        importPredicate<compareBody<arith::CmpFPredicate::OLE,
                                    arith::CmpIPredicate::sle>>);
  r.add(d, "Greater", 7,
        importPredicate<compareBody<arith::CmpFPredicate::OGT,
                                    arith::CmpIPredicate::sgt>>);
  r.add(d, "GreaterOrEqual", 12,
        importPredicate<compareBody<arith::CmpFPredicate::OGE,
                                    arith::CmpIPredicate::sge>>);
  r.add(d, "Where", 9, importWhere);
  r.add(d, "Cast", 6, importCast);
  r.add(d, "CastLike", 15, importCastLike);
  // Contractions.
  r.add(d, "MatMul", 1, importMatMul);
  r.add(d, "Gemm", 7, importGemm);
  r.add(d, "Einsum", 12, importEinsum);
  // Reductions: axes became an input in opset 13 (ReduceSum) and 18 (rest).
  r.add(d, "ReduceSum", 1, importReduce<Reduce::Sum>);
  r.add(d, "ReduceMean", 1, importReduce<Reduce::Mean>);
  r.add(d, "ReduceMax", 1, importReduce<Reduce::Max>);
  r.add(d, "ReduceMin", 1, importReduce<Reduce::Min>);
  r.add(d, "CumSum", 11, importCumSum);
  r.add(d, "TopK", 10, importTopK);
  r.add(d, "ArgMax", 11, importArgReduce<true>);
  r.add(d, "ArgMin", 11, importArgReduce<false>);
  r.add(d, "Softmax", 13, importSoftmax<false>);
  r.add(d, "LogSoftmax", 13, importSoftmax<true>);
}
