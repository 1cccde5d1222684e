//===- CheckPhaseContract.cpp - --mixer-check-phase-contract --------------===//
//
// What each phase may leave for the next one (DESIGN.md's phases), checked
// at the boundary so that an op nothing lowers is reported where it stands.
//
//===----------------------------------------------------------------------===//

#include "mixer/Pipelines/Pipelines.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

namespace mixer {

#define GEN_PASS_DEF_CHECKPHASECONTRACT
#include "mixer/Pipelines/Passes.h.inc"

using namespace mlir;

namespace {

struct CheckPhaseContractPass
    : impl::CheckPhaseContractBase<CheckPhaseContractPass> {
  using Base::Base;

  void runOnOperation() override {
    bool afterLinalg;
    if (phase == "mixer") {
      afterLinalg = false;
    } else if (phase == "linalg") {
      afterLinalg = true;
    } else {
      emitError(getOperation()->getLoc())
          << "mixer-check-phase-contract: unknown phase='" << phase
          << "' (expected mixer or linalg)";
      return signalPassFailure();
    }
    // The dialects whose ops the next phase lowers.
    llvm::StringSet<> allowed = {"builtin", "func", "arith", "math",
                                 "tensor", "linalg"};
    allowed.insert(afterLinalg ? "scf" : "mixer");
    const char *expected =
        afterLinalg ? "builtin, func, arith, math, tensor, linalg and scf"
                    : "builtin, func, arith, math, tensor, linalg and mixer";
    bool failedContract = false;
    getOperation()->walk([&](Operation *op) {
      StringRef dialect = op->getName().getDialectNamespace();
      if (!allowed.contains(dialect)) {
        op->emitError() << "'" << op->getName()
                        << "' is not expected after the " << phase
                        << " phase: only ops of the " << expected
                        << " dialects go on to the next phase";
        failedContract = true;
      } else if (afterLinalg && isa<linalg::AggregatedOpInterface>(op)) {
        op->emitError() << "'" << op->getName()
                        << "' is left after the linalg phase: aggregate ops "
                           "must be decomposed (--mixer-decompose-aggregate-"
                           "ops)";
        failedContract = true;
      }
    });
    if (failedContract)
      signalPassFailure();
  }
};

} // namespace
} // namespace mixer
