//===- TransformerOps.cpp - ONNX sequence mixers: attention, RoPE, scans --===//
//
// ONNX's own transformer ops (opset 23) map one to one onto mixer ops; the
// importer only adapts layouts ([batch, seq, heads * head_dim] inputs) and
// KV-cache concatenation, which are part of the ONNX op's definition. The
// ai.mixer domain's SelectiveScan (Mamba) is mixer.selective_scan itself.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/Dialect/Mixer/IR/MixerShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mixer;
using namespace mixer::onnx_import;

/// [B, S, H * D] -> [B, H, S, D].
static FailureOr<Value> splitHeads(NodeImporter &node, Value x, int64_t heads,
                                   StringRef attrName) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  auto type = cast<RankedTensorType>(x.getType());
  if (heads <= 0)
    return node.error() << "3-D inputs need the attribute " << attrName;
  int64_t hidden = type.getDimSize(2);
  if (ShapedType::isDynamic(hidden) || hidden % heads != 0)
    return node.error() << "hidden size " << hidden
                        << " is not a static multiple of " << attrName << "="
                        << heads;
  SmallVector<OpFoldResult> dims = {getDim(b, loc, x, 0), getDim(b, loc, x, 1),
                                    b.getIndexAttr(heads),
                                    b.getIndexAttr(hidden / heads)};
  return transpose(b, loc, reshapeTo(b, loc, x, dims), {0, 2, 1, 3});
}

/// [B, H, S, D] -> [B, S, H * D].
static Value mergeHeads(NodeImporter &node, Value x) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  auto type = cast<RankedTensorType>(x.getType());
  Value t = transpose(b, loc, x, {0, 2, 1, 3});
  OpFoldResult hidden =
      type.isDynamicDim(1) || type.isDynamicDim(3)
          ? OpFoldResult(arith::MulIOp::create(
                             b, loc, toIndexValue(b, loc, getDim(b, loc, t, 2)),
                             toIndexValue(b, loc, getDim(b, loc, t, 3)))
                             .getResult())
          : OpFoldResult(
                b.getIndexAttr(type.getDimSize(1) * type.getDimSize(3)));
  return reshapeTo(b, loc, t,
                   {getDim(b, loc, t, 0), getDim(b, loc, t, 1), hidden});
}

/// Hidden columns [offset, offset + size) of a [B, S, hidden] tensor: one
/// of the parts of a packed QKV tensor.
static Value sliceHidden(OpBuilder &b, Location loc, Value x, int64_t offset,
                         int64_t size) {
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(offset)};
  SmallVector<OpFoldResult> dims{getDim(b, loc, x, 0), getDim(b, loc, x, 1),
                                 b.getIndexAttr(size)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, dims, strides);
}

/// ONNX Attention's causal limit as an explicit mask: key j is visible to
/// query i iff j <= i + offset, with offset = nonpad_kv_seqlen[b] - seq_q when
/// `seqLens` is given and 0 otherwise (top-left aligned). Combined with the
/// user's `mask` (boolean: and; additive: -inf where hidden). Used where
/// mixer.attention's bottom-right `causal` would differ (seq_q != seq_kv).
static Value buildCausalMask(NodeImporter &node, Value q, Value k,
                             Value seqLens, Value mask) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  OpFoldResult batch = seqLens ? getDim(b, loc, q, 0) : b.getIndexAttr(1);
  SmallVector<OpFoldResult> dims{batch, b.getIndexAttr(1), getDim(b, loc, q, 2),
                                 getDim(b, loc, k, 2)};
  Value seqQ = toIndexValue(b, loc, dims[2]);
  Value init = createEmpty(b, loc, dims, b.getI1Type());
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (seqLens) {
    ins.push_back(seqLens);
    maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(0, ctx)));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Value allowed =
      linalg::GenericOp::create(
          b, loc, init.getType(), ins, init, maps,
          SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value i = linalg::IndexOp::create(nb, nloc, 2);
            Value j = linalg::IndexOp::create(nb, nloc, 3);
            Value last = i;
            if (seqLens) {
              Value len = arith::IndexCastOp::create(nb, nloc,
                                                     nb.getIndexType(), args[0]);
              last = arith::AddIOp::create(
                  nb, nloc, i, arith::SubIOp::create(nb, nloc, len, seqQ));
            }
            Value ok = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sle,
                                             j, last);
            linalg::YieldOp::create(nb, nloc, ok);
          })
          .getResult(0);
  if (!mask)
    return allowed;
  Type maskElem = cast<RankedTensorType>(mask.getType()).getElementType();
  return *buildElementwise(
      node, {mask, allowed}, maskElem,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        if (maskElem.isInteger(1))
          return arith::AndIOp::create(nb, nloc, args[0], args[1]);
        Value negInf = arith::ConstantOp::create(
            nb, nloc, nb.getFloatAttr(maskElem, -INFINITY));
        return arith::SelectOp::create(nb, nloc, args[1], args[0], negInf);
      });
}

static LogicalResult importAttention(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 7)) ||
      failed(node.rejectOutput(3, "qk_matmul_output is a debugging output")))
    return failure();
  if (node.floatAttr("softcap", 0.0f) != 0.0f)
    return node.rejectAttr("softcap", "score soft-capping is unsupported");
  for (StringRef window : {"left_window_size", "right_window_size"})
    if (node.intAttr(window, -1) != -1)
      return node.rejectAttr(window, "sliding-window attention is not "
                                     "implemented");
  if (node.hasInput(4) != node.hasInput(5))
    return node.error() << "past_key and past_value must be given together";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value q = node.input(0), k = node.input(1), v = node.input(2);
  int64_t rank = cast<RankedTensorType>(q.getType()).getRank();
  if (rank != 3 && rank != 4)
    return node.error() << "Q must have rank 3 or 4, got " << rank;
  for (unsigned i = 1; i < 3; ++i)
    if (node.inputType(i).getRank() != rank)
      return node.error() << "Q, K and V must have the same rank";
  if (rank == 3) {
    FailureOr<Value> q4 = splitHeads(node, q, node.intAttr("q_num_heads", 0),
                                     "q_num_heads");
    FailureOr<Value> k4 = splitHeads(node, k, node.intAttr("kv_num_heads", 0),
                                     "kv_num_heads");
    FailureOr<Value> v4 = splitHeads(node, v, node.intAttr("kv_num_heads", 0),
                                     "kv_num_heads");
    if (failed(q4) || failed(k4) || failed(v4))
      return failure();
    q = *q4, k = *k4, v = *v4;
  }
  if (node.hasInput(4)) {
    // The KV cache: present = concat(past, new) along the sequence.
    k = tensor::ConcatOp::create(b, loc, 2, ValueRange{node.input(4), k});
    v = tensor::ConcatOp::create(b, loc, 2, ValueRange{node.input(5), v});
  }
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  if (!headCountsCompatible(qType.getDimSize(1), kType.getDimSize(1)))
    return node.error() << "query heads " << qType.getDimSize(1)
                        << " and key/value heads " << kType.getDimSize(1)
                        << ": one must divide the other";
  auto resultType = RankedTensorType::get(
      inferAttentionResultShape(qType.getShape(), kType.getShape(),
                                vType.getShape()),
      qType.getElementType());
  if (Value mask = node.optionalInput(3)) {
    auto mType = cast<RankedTensorType>(mask.getType());
    int64_t maskKV = mType.getShape().back(), kv = kType.getDimSize(2);
    if (!ShapedType::isDynamic(maskKV) && !ShapedType::isDynamic(kv) &&
        maskKV != kv && maskKV != 1)
      return node.error() << "attn_mask covers " << maskKV
                          << " key positions but there are " << kv
                          << " (masks shorter than the total sequence are "
                             "not supported)";
  }
  FloatAttr scale;
  if (const onnx::AttributeProto *attr = node.attribute("scale"))
    scale = b.getF32FloatAttr(attr->f());
  Value seqLens = node.optionalInput(6);
  Value mask = node.optionalInput(3);
  // ONNX's causal frontier is past_key's length with a cache (bottom-right,
  // as mixer.attention's `causal`), else top-left or per nonpad_kv_seqlen:
  // those become an explicit mask unless seq_q == seq_kv makes them equal.
  bool causal = node.intAttr("is_causal", 0) != 0;
  bool sameLength = !qType.isDynamicDim(2) &&
                    qType.getDimSize(2) == kType.getDimSize(2);
  if (causal && !node.hasInput(4) && (seqLens || !sameLength)) {
    mask = buildCausalMask(node, q, k, seqLens, mask);
    causal = false;
  }
  auto op = AttentionOp::create(b, loc, resultType, q, k, v, mask, seqLens,
                                /*offsets=*/Value(), scale, causal);
  Value y = op.getResult();
  node.setOutput(0, rank == 3 ? mergeHeads(node, y) : y);
  node.setOutput(1, k);
  node.setOutput(2, v);
  return success();
}

/// mixer.rope on [batch, heads, seq, head_dim] `x`, with the `interleaved`
/// and `rotary_embedding_dim` attributes that ONNX and ORT share.
static Value createRope(NodeImporter &node, Value x, Value cos, Value sin,
                        Value positions) {
  OpBuilder &b = node.builder();
  int64_t rotaryDim = node.intAttr("rotary_embedding_dim", 0);
  IntegerAttr rotaryAttr =
      rotaryDim > 0 ? b.getI64IntegerAttr(rotaryDim) : IntegerAttr();
  RopeStyle style = node.intAttr("interleaved", 0) ? RopeStyle::interleaved
                                                    : RopeStyle::rotate_half;
  return RopeOp::create(b, node.loc(), x.getType(), x, cos, sin, positions,
                        style, rotaryAttr);
}

static LogicalResult importRotaryEmbedding(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 4)))
    return failure();
  Value x = node.input(0);
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (rank != 3 && rank != 4)
    return node.error() << "X must have rank 3 or 4, got " << rank;
  if (rank == 3) {
    FailureOr<Value> x4 =
        splitHeads(node, x, node.intAttr("num_heads", 0), "num_heads");
    if (failed(x4))
      return failure();
    x = *x4;
  }
  Value y = createRope(node, x, node.input(1), node.input(2),
                       node.optionalInput(3));
  node.setOutput(0, rank == 3 ? mergeHeads(node, y) : y);
  return success();
}

static LogicalResult buildContribAttention(NodeImporter &node, Value q, Value k,
                                           Value v, int64_t heads,
                                           Value padding, Value attnBias,
                                           StringRef paddingName);

/// com.microsoft MultiHeadAttention with separate 3-D query, key and value
/// ([batch, seq, heads * head_dim]): optional packed bias ([3 * hidden],
/// added to Q, K, V), key_padding_mask ([batch, kv_seq], nonzero keeps) and
/// attention_bias (additive, broadcast to [batch, heads, q_seq, kv_seq]);
/// `unidirectional` is causal attention.
static LogicalResult importMultiHeadAttention(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 6)) ||
      failed(node.rejectOutput(1, "present key/value outputs (KV cache) are "
                                  "unsupported for this contrib op")) ||
      failed(node.rejectOutput(2, "present key/value outputs (KV cache) are "
                                  "unsupported for this contrib op")))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  int64_t heads = node.intAttr("num_heads", 0);
  Value q = node.input(0), k = node.input(1), v = node.input(2);
  for (unsigned i = 0; i < 3; ++i)
    if (node.inputType(i).getRank() != 3)
      return node.error() << "only separate 3-D query, key and value "
                             "([batch, seq, hidden]) are supported";
  if (Value bias = node.optionalInput(3)) {
    auto bType = cast<RankedTensorType>(bias.getType());
    int64_t hidden = node.inputType(0).getDimSize(2);
    int64_t vHidden = node.inputType(2).getDimSize(2);
    if (bType.getRank() != 1 || ShapedType::isDynamic(hidden) ||
        ShapedType::isDynamic(vHidden) ||
        bType.getDimSize(0) != 2 * hidden + vHidden)
      return node.error() << "bias must have shape [2 * hidden + v_hidden]";
    Type element = bType.getElementType();
    auto add = [&](Value x, int64_t offset, int64_t size) -> FailureOr<Value> {
      Value slice = tensor::ExtractSliceOp::create(
          b, loc, bias, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      return buildElementwise(node, {x, slice}, element,
                              [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                                return arith::AddFOp::create(nb, nloc, a[0], a[1]);
                              });
    };
    FailureOr<Value> qb = add(q, 0, hidden), kb = add(k, hidden, hidden),
                     vb = add(v, 2 * hidden, vHidden);
    if (failed(qb) || failed(kb) || failed(vb))
      return failure();
    q = *qb, k = *kb, v = *vb;
  }
  return buildContribAttention(node, q, k, v, heads, node.optionalInput(4),
                               node.optionalInput(5), "key_padding_mask");
}

/// The attention of the com.microsoft ops once Q, K, V ([batch, seq,
/// hidden], biases added) are known: heads split, a 2-D padding mask
/// ([batch, kv_seq], nonzero keeps) or an additive attention bias, `scale`
/// and `unidirectional` (causal) from the node, heads merged back.
static LogicalResult buildContribAttention(NodeImporter &node, Value q, Value k,
                                           Value v, int64_t heads,
                                           Value padding, Value attnBias,
                                           StringRef paddingName) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  FailureOr<Value> q4 = splitHeads(node, q, heads, "num_heads");
  FailureOr<Value> k4 = splitHeads(node, k, heads, "num_heads");
  FailureOr<Value> v4 = splitHeads(node, v, heads, "num_heads");
  if (failed(q4) || failed(k4) || failed(v4))
    return failure();
  Value mask;
  if (padding) {
    auto pType = cast<RankedTensorType>(padding.getType());
    if (pType.getRank() != 2)
      return node.error() << "only a 2-D " << paddingName
                          << " ([batch, kv_seq]) is supported";
    // [batch, kv] nonzero -> keep, as an i1 mask of shape [batch, 1, 1, kv].
    Value keep = castTensor(node, padding, b.getI1Type());
    mask = reshapeTo(b, loc, keep,
                     {getDim(b, loc, keep, 0), b.getIndexAttr(1),
                      b.getIndexAttr(1), getDim(b, loc, keep, 1)});
  }
  if (attnBias) {
    if (mask)
      return node.error() << paddingName
                          << " together with attention_bias is not supported";
    mask = attnBias;
  }
  auto qType = cast<RankedTensorType>(q4->getType());
  auto resultType = RankedTensorType::get(
      inferAttentionResultShape(qType.getShape(),
                                cast<RankedTensorType>(k4->getType()).getShape(),
                                cast<RankedTensorType>(v4->getType()).getShape()),
      qType.getElementType());
  FloatAttr scale;
  if (const onnx::AttributeProto *attr = node.attribute("scale"))
    if (attr->f() != 0.0f)
      scale = b.getF32FloatAttr(attr->f());
  Value y = AttentionOp::create(b, loc, resultType, *q4, *k4, *v4, mask,
                                Value(), Value(), scale,
                                node.intAttr("unidirectional", 0) != 0);
  node.setOutput(0, mergeHeads(node, y));
  return success();
}

/// com.microsoft Attention (what ONNX Runtime's transformer optimizer fuses
/// BERT/GPT-2 attention into): inputs (input [batch, seq, in_hidden],
/// weights [in_hidden, 3 * hidden] packing the Q, K and V projections, bias
/// [3 * hidden], mask_index, past, attention_bias, past_sequence_length).
/// Handled: the packed projection (equal or explicit `qkv_hidden_sizes`),
/// a 2-D mask_index ([batch, seq], nonzero keeps), attention_bias, `scale`
/// and `unidirectional`. Refused by name: past/present (KV cache), other
/// mask_index forms, rotary, a shared past/present buffer.
static LogicalResult importContribAttention(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 7)) ||
      failed(node.rejectOutput(1, "the present output (KV cache) is "
                                  "unsupported for contrib Attention")))
    return failure();
  if (node.hasInput(4) || node.hasInput(6))
    return node.error() << "the past input (KV cache) is unsupported for "
                           "contrib Attention";
  if (node.intAttr("do_rotary", 0) != 0)
    return node.rejectAttr("do_rotary", "rotary embedding inside Attention is "
                                        "unsupported");
  if (node.intAttr("past_present_share_buffer", 0) != 0)
    return node.rejectAttr("past_present_share_buffer",
                           "a shared KV buffer is unsupported");
  int64_t heads = node.intAttr("num_heads", 0);
  if (node.inputType(0).getRank() != 3 || node.inputType(1).getRank() != 2)
    return node.error() << "input must be [batch, seq, hidden] and weights "
                           "[hidden, 3 * hidden]";
  int64_t packed = node.inputType(1).getDimSize(1);
  if (ShapedType::isDynamic(packed))
    return node.error() << "the weights' packed dim must be static";
  SmallVector<int64_t> sizes(3, packed / 3);
  if (std::optional<SmallVector<int64_t>> given = node.intsAttr("qkv_hidden_sizes"))
    sizes = *given;
  if (sizes.size() != 3 || sizes[0] != sizes[1] ||
      sizes[0] + sizes[1] + sizes[2] != packed || sizes[0] <= 0 || sizes[2] <= 0)
    return node.error() << "qkv_hidden_sizes must be 3 positive sizes (Q and K "
                           "equal) summing to the weights' " << packed
                        << " columns";
  FailureOr<Value> qkv = buildMatMul(node, node.input(0), node.input(1));
  if (failed(qkv))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  if (Value bias = node.optionalInput(2)) {
    auto bType = cast<RankedTensorType>(bias.getType());
    if (bType.getRank() != 1 || bType.getDimSize(0) != packed)
      return node.error() << "bias must have shape [" << packed << "]";
    FailureOr<Value> biased = buildElementwise(
        node, {*qkv, bias}, bType.getElementType(),
        [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nloc, a[0], a[1]);
        });
    if (failed(biased))
      return failure();
    qkv = biased;
  }
  auto part = [&](int64_t offset, int64_t size) {
    return sliceHidden(b, loc, *qkv, offset, size);
  };
  Value q = part(0, sizes[0]), k = part(sizes[0], sizes[1]),
        v = part(sizes[0] + sizes[1], sizes[2]);
  return buildContribAttention(node, q, k, v, heads, node.optionalInput(3),
                               node.optionalInput(5), "mask_index");
}

/// com.microsoft GroupQueryAttention (ONNX Runtime GenAI's decoders):
/// query [batch, seq, num_heads * d] and key, value [batch, seq,
/// kv_num_heads * d] (or one packed QKV query), an optional KV cache
/// past_key / past_value [batch, kv_num_heads, past, d] that present_key /
/// present_value extend by the new tokens, seqlens_k ([batch]: each row's
/// total length - 1) and total_sequence_length (the longest total, which
/// only sizes ONNX Runtime's buffers). Causal as ONNX Runtime computes it:
/// row b's queries are its last tokens, query i sees the keys j <= i +
/// past_b and none at or beyond seqlens_k[b] + 1. That is mixer.attention's
/// bottom-right `causal` with seq_lens = seqlens_k + 1 where past_b is the
/// cache's length (a first prompt: 0, right padding hidden by seq_lens).
/// ONNX Runtime lets the rows of a cached batch hold different past lengths
/// in one buffer, which a concatenation cannot reproduce: with a cache the
/// batch must be one row (`--input-shape` specializes it). Refused by name:
/// do_rotary, softcap, local_window_size, smooth_softmax, position_ids,
/// attention_bias, head_sink, the qk output.
static LogicalResult importGroupQueryAttention(NodeImporter &node) {
  if (failed(node.checkNumInputs(7, 12)) ||
      failed(node.rejectOutput(3, "output_qk is a debugging output")))
    return failure();
  if (node.intAttr("do_rotary", 0) != 0)
    return node.rejectAttr("do_rotary",
                           "rotary embedding inside GroupQueryAttention is "
                           "unsupported (a separate RotaryEmbedding is)");
  if (node.floatAttr("softcap", 0.0f) != 0.0f)
    return node.rejectAttr("softcap", "score soft-capping is unsupported");
  if (node.intAttr("local_window_size", -1) != -1)
    return node.rejectAttr("local_window_size",
                           "sliding-window attention is unsupported");
  if (node.intAttr("smooth_softmax", 0) != 0)
    return node.rejectAttr("smooth_softmax", "smooth softmax is unsupported");
  const std::pair<unsigned, const char *> unsupported[] = {
      {9, "position_ids"}, {10, "attention_bias"}, {11, "head_sink"}};
  for (auto [i, name] : unsupported)
    if (node.hasInput(i))
      return node.error() << "the " << name << " input is unsupported";
  if (node.hasInput(1) != node.hasInput(2))
    return node.error() << "key and value must be given together";
  if (node.hasInput(3) != node.hasInput(4))
    return node.error() << "past_key and past_value must be given together";
  int64_t heads = node.intAttr("num_heads", 0);
  int64_t kvHeads = node.intAttr("kv_num_heads", 0);
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return node.error() << "num_heads (" << heads << ") and kv_num_heads ("
                        << kvHeads
                        << ") must be positive, num_heads a multiple of "
                           "kv_num_heads";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value q = node.input(0), k, v;
  if (node.inputType(0).getRank() != 3)
    return node.error() << "query must be [batch, seq, hidden]";
  if (node.hasInput(1)) {
    k = node.input(1);
    v = node.input(2);
    if (node.inputType(1).getRank() != 3 || node.inputType(2).getRank() != 3)
      return node.error() << "key and value must be [batch, seq, hidden]";
  } else {
    // Packed: [batch, seq, (num_heads + 2 kv_num_heads) * d].
    int64_t packed = node.inputType(0).getDimSize(2);
    int64_t parts = heads + 2 * kvHeads;
    if (ShapedType::isDynamic(packed) || packed % parts != 0)
      return node.error() << "the packed query's hidden size " << packed
                          << " is not a static multiple of num_heads + 2 * "
                             "kv_num_heads = "
                          << parts;
    int64_t d = packed / parts;
    k = sliceHidden(b, loc, q, heads * d, kvHeads * d);
    v = sliceHidden(b, loc, q, (heads + kvHeads) * d, kvHeads * d);
    q = sliceHidden(b, loc, q, 0, heads * d);
  }
  FailureOr<Value> q4 = splitHeads(node, q, heads, "num_heads");
  FailureOr<Value> k4 = splitHeads(node, k, kvHeads, "kv_num_heads");
  FailureOr<Value> v4 = splitHeads(node, v, kvHeads, "kv_num_heads");
  if (failed(q4) || failed(k4) || failed(v4))
    return failure();
  k = *k4, v = *v4;
  if (node.hasInput(3)) {
    RankedTensorType pastType = node.inputType(3);
    if (pastType.getRank() != 4 || node.inputType(4).getRank() != 4)
      return node.error() << "past_key and past_value must be [batch, "
                             "kv_num_heads, past, head_size]";
    bool emptyPast = pastType.getDimSize(2) == 0;
    if (!emptyPast && cast<RankedTensorType>(q.getType()).getDimSize(0) != 1)
      return node.error()
             << "a KV cache is supported for a batch of one row (rows may "
                "hold different past lengths in ONNX Runtime's buffer); "
                "specialize the batch to 1 with --input-shape";
    k = tensor::ConcatOp::create(b, loc, 2, ValueRange{node.input(3), k});
    v = tensor::ConcatOp::create(b, loc, 2, ValueRange{node.input(4), v});
  }
  Value seqlensK = node.input(5);
  auto lensType = cast<RankedTensorType>(seqlensK.getType());
  if (lensType.getRank() != 1 || !isa<IntegerType>(lensType.getElementType()))
    return node.error() << "seqlens_k must be a [batch] integer tensor";
  auto oneType = RankedTensorType::get({}, lensType.getElementType());
  Value one = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(
                  oneType, b.getIntegerAttr(lensType.getElementType(), 1)));
  FailureOr<Value> seqLens = buildElementwise(
      node, {seqlensK, one}, lensType.getElementType(), addBody);
  if (failed(seqLens))
    return failure();
  auto qType = cast<RankedTensorType>(q4->getType());
  auto resultType = RankedTensorType::get(
      inferAttentionResultShape(qType.getShape(),
                                cast<RankedTensorType>(k.getType()).getShape(),
                                cast<RankedTensorType>(v.getType()).getShape()),
      qType.getElementType());
  FloatAttr scale;
  if (const onnx::AttributeProto *attr = node.attribute("scale"))
    if (attr->f() != 0.0f)
      scale = b.getF32FloatAttr(attr->f());
  Value y = AttentionOp::create(b, loc, resultType, *q4, k, v, /*mask=*/Value(),
                                *seqLens, /*offsets=*/Value(), scale,
                                /*causal=*/true);
  node.setOutput(0, mergeHeads(node, y));
  node.setOutput(1, k);
  node.setOutput(2, v);
  return success();
}

/// com.microsoft RotaryEmbedding: inputs (input, position_ids, cos_cache,
/// sin_cache); input is [batch, seq, hidden] (with num_heads) or
/// [batch, seq, heads, head_dim] (note: seq before heads, unlike ONNX's 4-D
/// form); position_ids is [batch, seq].
static LogicalResult importContribRotaryEmbedding(NodeImporter &node) {
  if (failed(node.checkNumInputs(4, 4)))
    return failure();
  if (node.intAttr("is_packed_batching", 0) != 0)
    return node.rejectAttr("is_packed_batching", "packed batches are unsupported");
  if (node.floatAttr("scale", 1.0f) != 1.0f)
    return node.rejectAttr("scale", "scaled position ids are unsupported");
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value x = node.input(0), positions = node.input(1);
  if (node.inputType(1).getRank() != 2)
    return node.error() << "position_ids must be [batch, seq] (a scalar "
                           "offset is unsupported)";
  int64_t rank = node.inputType(0).getRank();
  if (rank == 3) {
    FailureOr<Value> x4 =
        splitHeads(node, x, node.intAttr("num_heads", 0), "num_heads");
    if (failed(x4))
      return failure();
    x = *x4;
  } else if (rank == 4) {
    x = transpose(b, loc, x, {0, 2, 1, 3});
  } else {
    return node.error() << "input must have rank 3 or 4, got " << rank;
  }
  Value y = createRope(node, x, node.input(2), node.input(3), positions);
  node.setOutput(0, rank == 3 ? mergeHeads(node, y)
                              : transpose(b, loc, y, {0, 2, 1, 3}));
  return success();
}

/// ai.mixer SelectiveScan (docs/ONNXMixerDomain.md): inputs (x, delta, A, B,
/// C, D?, z?, delta_bias?, initial_state?), attribute delta_softplus, outputs
/// (y, final_state?). The layouts are mixer.selective_scan's, whose verifier
/// checks the shapes at the node's location.
static LogicalResult importSelectiveScan(NodeImporter &node) {
  if (failed(node.checkNumInputs(5, 9)))
    return failure();
  if (node.numOutputs() < 1 || node.numOutputs() > 2)
    return node.error() << "expects 1 or 2 outputs (y, final_state), got "
                        << node.numOutputs();
  static constexpr const char *names[] = {
      "x", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state"};
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 9; ++i) {
    Value v = node.optionalInput(i);
    if (i < 5 && !v)
      return node.error() << "input " << i << " (" << names[i]
                          << ") is required";
    if (v && !isa<FloatType>(cast<RankedTensorType>(v.getType())
                                 .getElementType()))
      return node.error() << "input " << i << " (" << names[i]
                          << ") must be a float tensor";
    operands.push_back(v);
  }
  int64_t softplus = node.intAttr("delta_softplus", 0);
  if (softplus != 0 && softplus != 1)
    return node.error() << "delta_softplus must be 0 or 1, got " << softplus;
  for (unsigned i = 0; i < 5; ++i)
    if (cast<RankedTensorType>(operands[i].getType()).getRank() !=
        (i == 2 ? 2 : 3))
      return node.error() << "input " << i << " (" << names[i]
                          << ") must have rank " << (i == 2 ? 2 : 3);

  OpBuilder &b = node.builder();
  auto xType = cast<RankedTensorType>(operands[0].getType());
  auto aType = cast<RankedTensorType>(operands[2].getType());
  auto stateType = RankedTensorType::get(
      {xType.getDimSize(0), xType.getDimSize(2), aType.getDimSize(1)},
      xType.getElementType());
  auto scan = SelectiveScanOp::create(
      b, node.loc(), TypeRange{xType, stateType}, operands[0], operands[1],
      operands[2], operands[3], operands[4], operands[5], operands[6],
      operands[7], operands[8], softplus != 0);
  node.setOutput(0, scan.getY());
  if (node.outputUsed(1))
    node.setOutput(1, scan.getFinalState());
  return success();
}

void mixer::onnx_import::populateTransformerHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "Attention", 23, importAttention);
  r.add(d, "RotaryEmbedding", 23, importRotaryEmbedding);
  r.add(kMicrosoftDomain, "Attention", 1, importContribAttention);
  r.add(kMicrosoftDomain, "MultiHeadAttention", 1, importMultiHeadAttention);
  r.add(kMicrosoftDomain, "GroupQueryAttention", 1, importGroupQueryAttention);
  r.add(kMicrosoftDomain, "RotaryEmbedding", 1, importContribRotaryEmbedding);
  r.add(kMixerDomain, "SelectiveScan", 1, importSelectiveScan);
}
