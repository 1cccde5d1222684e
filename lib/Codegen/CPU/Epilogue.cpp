//===- Epilogue.cpp - Elementwise consumers fused into kernel stores ------===//

#include "Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace mixer {
namespace {

/// The buffer a view of it comes from.
Value getRootBuffer(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
    buffer = view.getViewSource();
  return buffer;
}

bool hasUnitInnerStride(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.getRank() > 0 &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// Whether every op of the body maps elementwise onto vectors.
bool hasVectorizableBody(linalg::GenericOp op) {
  for (Operation &inner : op.getBody()->without_terminator()) {
    if (!isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) ||
        inner.getNumRegions() != 0 ||
        (!inner.hasTrait<OpTrait::Elementwise>() &&
         !isa<arith::ConstantOp>(inner)))
      return false;
    for (Type type : inner.getResultTypes())
      if (!type.isIntOrIndexOrFloat() || type.isIndex())
        return false;
  }
  return true;
}

/// Whether `operand` of `op` is read along the innermost loop either
/// contiguously (its last dim) or not at all (broadcast).
bool isVectorReadable(linalg::GenericOp op, OpOperand &operand) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (!map.isProjectedPermutation())
    return false;
  unsigned inner = op.getNumLoops() - 1;
  if (!map.isFunctionOfDim(inner))
    return true;
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  return last && last.getPosition() == inner &&
         hasUnitInnerStride(operand.get());
}

} // namespace

std::optional<Epilogue> findEpilogue(linalg::LinalgOp contraction) {
  Value output = contraction.getDpsInitOperand(0)->get();
  if (!output.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  linalg::GenericOp consumer;
  for (Operation *user : output.getUsers()) {
    if (user == contraction.getOperation() ||
        isa<memref::DeallocOp, memref::DimOp>(user))
      continue;
    if (auto fill = dyn_cast<linalg::FillOp>(user))
      if (fill->isBeforeInBlock(contraction))
        continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || consumer)
      return std::nullopt;
    consumer = generic;
  }
  if (!consumer || consumer->getBlock() != contraction->getBlock() ||
      !contraction->isBeforeInBlock(consumer) ||
      !consumer.hasPureBufferSemantics() || consumer.getNumDpsInits() != 1 ||
      consumer.getNumLoops() != consumer.getNumParallelLoops() ||
      !hasVectorizableBody(consumer))
    return std::nullopt;
  // What lies between (allocations, views, index computations for the
  // consumer's operands) moves above the contraction, where the kernel reads
  // those operands; moved in order, every op still follows its operands.
  SmallVector<Operation *> between;
  for (Operation *op = contraction->getNextNode(); op != consumer;
       op = op->getNextNode()) {
    if (!isMemoryEffectFree(op) && !isa<memref::AllocOp, memref::AllocaOp>(op))
      return std::nullopt;
    between.push_back(op);
  }

  // The accumulator input: once, at the position the consumer writes.
  OpOperand *init = consumer.getDpsInitOperand(0);
  if (!consumer.getMatchingIndexingMap(init).isIdentity() ||
      !hasUnitInnerStride(init->get()) ||
      consumer.getNumLoops() !=
          cast<MemRefType>(output.getType()).getRank())
    return std::nullopt;
  std::optional<unsigned> accumulator;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (input->get() == output) {
      if (accumulator ||
          !consumer.getMatchingIndexingMap(input).isIdentity())
        return std::nullopt;
      accumulator = input->getOperandNumber();
      continue;
    }
    if (!isVectorReadable(consumer, *input))
      return std::nullopt;
  }
  // The body reading its own output would need the old values.
  if (!accumulator || !consumer.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;

  // The result must not overwrite what the contraction is still reading.
  Value result = getRootBuffer(init->get());
  if (result != output) {
    if (!result.getDefiningOp<memref::AllocOp>())
      return std::nullopt;
    for (OpOperand *input : contraction.getDpsInputOperands())
      if (getRootBuffer(input->get()) == result)
        return std::nullopt;
  }
  for (Operation *op : between)
    op->moveBefore(contraction);
  return Epilogue{consumer, *accumulator};
}

void emitEpilogueStore(OpBuilder &b, Location loc, const Epilogue &epilogue,
                       ArrayRef<Value> position, Value acc, Value mask) {
  linalg::GenericOp op = epilogue.op;
  int64_t width = cast<VectorType>(acc.getType()).getDimSize(0);
  auto vectorOf = [&](Type type) { return VectorType::get({width}, type); };
  auto at = [&](OpOperand *operand) {
    SmallVector<Value> indices;
    for (AffineExpr expr : op.getMatchingIndexingMap(operand).getResults())
      indices.push_back(position[cast<AffineDimExpr>(expr).getPosition()]);
    return indices;
  };
  auto splat = [&](Value scalar) -> Value {
    return vector::BroadcastOp::create(b, loc, vectorOf(scalar.getType()),
                                       scalar);
  };

  IRMapping mapping;
  unsigned inner = op.getNumLoops() - 1;
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    if (input->getOperandNumber() == epilogue.accumulatorInput) {
      mapping.map(arg, acc);
      continue;
    }
    if (!op.getMatchingIndexingMap(input).isFunctionOfDim(inner)) {
      mapping.map(arg, splat(memref::LoadOp::create(b, loc, input->get(),
                                                    at(input))));
      continue;
    }
    VectorType type = vectorOf(arg.getType());
    if (!mask) {
      mapping.map(arg, vector::LoadOp::create(b, loc, type, input->get(),
                                              at(input)));
      continue;
    }
    Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    mapping.map(arg, vector::MaskedLoadOp::create(b, loc, type, input->get(),
                                                  at(input), mask, zero));
  }
  for (Operation &inner : op.getBody()->without_terminator()) {
    if (isa<arith::ConstantOp>(inner)) {
      mapping.map(inner.getResult(0), splat(b.clone(inner)->getResult(0)));
      continue;
    }
    OperationState state(loc, inner.getName());
    for (Value operand : inner.getOperands())
      state.addOperands(mapping.contains(operand) ? mapping.lookup(operand)
                                                  : splat(operand));
    for (Type type : inner.getResultTypes())
      state.addTypes(vectorOf(type));
    state.addAttributes(inner.getAttrs());
    Operation *vectorOp = b.create(state);
    mapping.map(inner.getResults(), vectorOp->getResults());
  }
  Value result = mapping.lookup(op.getBody()->getTerminator()->getOperand(0));
  OpOperand *init = op.getDpsInitOperand(0);
  if (mask)
    vector::MaskedStoreOp::create(b, loc, init->get(), at(init), mask, result);
  else
    vector::StoreOp::create(b, loc, result, init->get(), at(init));
}

} // namespace mixer
