//===- mixer-translate.cpp - Translations into and out of Mixer -----------===//
//
// mlir-translate with the ONNX importer (--import-onnx) and the upstream
// translations (e.g. --mlir-to-llvmir).
//
//===----------------------------------------------------------------------===//

#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  mixer::registerImportONNXTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Mixer translation driver\n"));
}
