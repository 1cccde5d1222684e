//===- Utils.cpp - Helpers shared by the mixer rewrites -------------------===//

#include "Utils.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

std::optional<SmallVector<float>> mixer::readF32Constant(Attribute attr) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isF32())
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    ArrayRef<char> bytes = resource.getData();
    if (bytes.size() != elements.getNumElements() * sizeof(float))
      return std::nullopt;
    SmallVector<float> values(elements.getNumElements());
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(elements))
    return llvm::to_vector(dense.getValues<float>());
  return std::nullopt;
}
