//===- MixerToLinalg.h - Lower mixer ops to linalg --------------*- C++ -*-===//
//
// The patterns behind --convert-mixer-to-linalg, one populate function per op
// family, so that other compilers can pick the families they want.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H
#define MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H

#include <cstdint>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mixer {

/// Tile sizes of the IO-aware attention: query rows per parallel task and
/// keys per step of its loop.
struct TiledAttentionOptions {
  int64_t queryTile = 32;
  int64_t keyTile = 128;
};

/// mixer.attention -> the FlashAttention-2 loop nest on tensors (scf.forall
/// over batch, heads and query tiles; online softmax over key tiles). Takes
/// precedence over the reference lowering where both are populated; 16-bit
/// attention is left to the reference lowering.
void populateTiledAttentionPatterns(mlir::RewritePatternSet &patterns,
                                    const TiledAttentionOptions &options);

/// mixer.attention -> linalg (reference form: materialized scores).
void populateAttentionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.layer_norm, mixer.rms_norm -> linalg.
void populateNormToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.rope -> linalg.
void populateRopeToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.selective_scan -> scf.for over time + linalg per step.
void populateScanToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.padding_plan, mixer.pack_tokens and mixer.unpack_tokens.
void populatePackingToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// mixer.token_importance, mixer.top_tokens and mixer.gather_tokens.
void populatePruningToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateMixerToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace mixer

#endif // MIXER_CONVERSION_MIXERTOLINALG_MIXERTOLINALG_H
