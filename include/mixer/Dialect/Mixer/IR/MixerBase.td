//===- MixerBase.td - The mixer dialect definition ---------*- tablegen -*-===//
//
// The `mixer` dialect: token mixers (attention, selective state-space scans) and
// their companions (normalizations, rotary embeddings) as first-class ops.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXERBASE_TD
#define MIXER_DIALECT_MIXER_IR_MIXERBASE_TD

include "mlir/IR/OpBase.td"

def Mixer_Dialect : Dialect {
  let name = "mixer";
  let cppNamespace = "::mixer";
  let summary = "Token mixers of transformer and state-space models";
  let description = [{
    The `mixer` dialect holds the operations that make a model a transformer or
    a state-space model: scaled dot-product attention with any head grouping
    (multi-head, grouped-query, multi-query, and fewer query than key/value
    heads), layer and RMS normalization, rotary position embeddings and
    Mamba's selective scan.

    The ops work on ranked tensors with value semantics. Layouts follow the
    convention of the attention literature: `[batch, heads, seq, head_dim]` for
    attention operands and `[batch, seq, channels]` for scans. Every op states
    its math in its description; the rewrites in `mixer/Dialect/Mixer/Transforms`
    and the lowerings in `mixer/Conversion` rely on exactly that math.
  }];
  let useDefaultAttributePrinterParser = 0;
}

class Mixer_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mixer_Dialect, mnemonic, traits>;

#endif // MIXER_DIALECT_MIXER_IR_MIXERBASE_TD
