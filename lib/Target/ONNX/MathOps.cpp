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

// The scalar bodies shared with the other handler files (Builders.h).
#define FLOAT_INT_BODY(name, fop, iop)                                         \
  Value mixer::onnx_import::name(OpBuilder &b, Location loc, ValueRange a) {   \
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
UNARY_BODY(tanhBody, math::TanhOp)
UNARY_BODY(erfBody, math::ErfOp)
UNARY_BODY(sinBody, math::SinOp)
UNARY_BODY(cosBody, math::CosOp)
UNARY_BODY(floorBody, math::FloorOp)
UNARY_BODY(ceilBody, math::CeilOp)
#undef UNARY_BODY

Value mixer::onnx_import::expBody(OpBuilder &b, Location loc, ValueRange a) {
  return math::ExpOp::create(b, loc, a[0]);
}
Value mixer::onnx_import::logBody(OpBuilder &b, Location loc, ValueRange a) {
  return math::LogOp::create(b, loc, a[0]);
}

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

/// Clip (opset 11): min(max(x, lo), hi), each bound an optional
/// single-element input of x's type (sentence-transformers' mean pooling
/// clamps its token count with it).
static LogicalResult importClip(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 3)))
    return failure();
  Value result = node.input(0);
  Type element = getElementTypeOrSelf(result);
  int64_t rank = node.inputRank(0);
  for (unsigned i : {1u, 2u}) {
    Value bound = node.optionalInput(i);
    if (!bound)
      continue;
    auto type = cast<RankedTensorType>(bound.getType());
    const char *which = i == 1 ? "min" : "max";
    if (type.getElementType() != element)
      return node.error() << "the " << which << " bound has element type "
                          << type.getElementType() << ", the input "
                          << element;
    if (!type.hasStaticShape() || type.getNumElements() != 1 ||
        type.getRank() > rank)
      return node.error() << "the " << which << " bound must be a scalar, not "
                          << type;
    FailureOr<Value> r = buildElementwise(node, {result, bound}, element,
                                          i == 1 ? maxBody : minBody);
    if (failed(r))
      return failure();
    result = *r;
  }
  node.setOutput(0, result);
  return success();
}

/// Clip (opset 6): the bounds are float attributes (default: none).
static LogicalResult importClipAttributes(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value x = node.input(0);
  Type element = getElementTypeOrSelf(x);
  if (!isa<FloatType>(element))
    return node.error() << "element type " << element
                        << " is not supported by this op";
  float lo = node.floatAttr("min", -std::numeric_limits<float>::max());
  float hi = node.floatAttr("max", std::numeric_limits<float>::max());
  FailureOr<Value> r = buildElementwise(
      node, {x}, element, [&](OpBuilder &b, Location loc, ValueRange a) {
        Value low = createScalar(b, loc, element, lo);
        Value high = createScalar(b, loc, element, hi);
        return minBody(b, loc, {maxBody(b, loc, {a[0], low}), high});
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
  r.add(d, "Clip", 6, importClipAttributes);
  r.add(d, "Clip", 11, importClip);
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
}
