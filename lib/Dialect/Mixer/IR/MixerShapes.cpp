//===- MixerShapes.cpp - Shape rules of the mixer ops ---------------------===//

#include "mixer/Dialect/Mixer/IR/MixerShapes.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

#include <algorithm>

using mlir::ShapedType;

namespace mixer {

bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

bool headCountsCompatible(int64_t hq, int64_t hkv) {
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
    return (ShapedType::isDynamic(hq) || hq > 0) &&
           (ShapedType::isDynamic(hkv) || hkv > 0);
  if (hq <= 0 || hkv <= 0)
    return false;
  return hq % hkv == 0 || hkv % hq == 0;
}

int64_t attentionOutputHeads(int64_t hq, int64_t hkv) {
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
    return ShapedType::kDynamic;
  return std::max(hq, hkv);
}

llvm::SmallVector<int64_t, 4>
inferAttentionResultShape(llvm::ArrayRef<int64_t> query,
                          llvm::ArrayRef<int64_t> key,
                          llvm::ArrayRef<int64_t> value) {
  int64_t batch = query[0];
  for (int64_t b : {key[0], value[0]})
    if (ShapedType::isDynamic(batch))
      batch = b;
  return {batch, attentionOutputHeads(query[1], key[1]), query[2], value[3]};
}

std::optional<int64_t> findBroadcastMismatch(llvm::ArrayRef<int64_t> from,
                                             llvm::ArrayRef<int64_t> to) {
  int64_t excess = static_cast<int64_t>(from.size()) -
                   static_cast<int64_t>(to.size());
  for (int64_t i = 0, e = from.size(); i < e; ++i) {
    if (i < excess)
      return i;
    int64_t f = from[i], t = to[i - excess];
    if (f == 1 || dimsCompatible(f, t))
      continue;
    return i;
  }
  return std::nullopt;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

} // namespace mixer
