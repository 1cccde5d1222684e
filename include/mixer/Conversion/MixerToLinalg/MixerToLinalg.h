//===- MixerToLinalg.h - Lower mixer ops to linalg --------------*- C++ -*-===//
//
// The patterns behind --convert-mixer-to-linalg, one populate function per op
// family, so that other compilers can pick the families they want.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H
#define MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mixer {

/// mixer.attention -> linalg (reference form: materialized scores).
void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.layer_norm, mixer.rms_norm -> linalg.
void populateNormToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.rope -> linalg.
void populateRopeToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.selective_scan -> scf.for over time + linalg per step.
void populateScanToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateMixerToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace mixer

#endif // MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H
