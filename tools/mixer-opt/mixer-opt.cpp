//===- mixer-opt.cpp - Mixer's optimizer driver ---------------------------===//
//
// mlir-opt with the mixer dialect, its passes and pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "mixer/InitAll.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mixer::registerAllDialects(registry);
  mixer::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Mixer optimizer driver\n", registry));
}
