//===- mixer-translate.cpp - Translations into and out of Mixer -----------===//
//
// mlir-translate with the upstream translations (e.g. --mlir-to-llvmir). The
// ONNX importer registers itself here as --import-onnx.
//
//===----------------------------------------------------------------------===//

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Mixer translation driver\n"));
}
