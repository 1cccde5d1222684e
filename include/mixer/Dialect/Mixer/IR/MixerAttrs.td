//===- MixerAttrs.td - Attributes of the mixer dialect -----*- tablegen -*-===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXERATTRS_TD
#define MIXER_DIALECT_MIXER_IR_MIXERATTRS_TD

include "mlir/IR/EnumAttr.td"

def Mixer_RopeStyleRotateHalf : I32EnumAttrCase<"rotate_half", 0>;
def Mixer_RopeStyleInterleaved : I32EnumAttrCase<"interleaved", 1>;

/// Which pairs of features a rotary embedding rotates together.
def Mixer_RopeStyleAttr : I32EnumAttr<"RopeStyle",
    "pairing of the features that a rotary embedding rotates", [
      Mixer_RopeStyleRotateHalf, Mixer_RopeStyleInterleaved]> {
  let cppNamespace = "::mixer";
  let description = [{
    `rotate_half` (GPT-NeoX, LLaMA, Hugging Face): feature `i` pairs with
    feature `i + R/2`. `interleaved` (GPT-J, the RoFormer paper): feature `2i`
    pairs with feature `2i + 1`.
  }];
}

#endif // MIXER_DIALECT_MIXER_IR_MIXERATTRS_TD
