"""A numpy reference of attention-based token pruning (no onnx needed).

Notation: q [B, Hq, Sq, D], k [B, Hkv, Skv, D]; one of Hq, Hkv divides the
other and H = max(Hq, Hkv) output heads are formed. With Hq >= Hkv (MHA,
GQA, MQA) output head h pairs query head h with kv head h // (Hq / Hkv);
with Hq < Hkv query head h // (Hkv / Hq) with kv head h.

- Head-averaged attention (Zero-TPrune, ToP, EViT's CLS attention are rows
  or columns of it):

      P[b, h, i, j] = softmax_j(scale * q[b, h_q, i] . k[b, h_kv, j] + M)
      Abar[b, i, j] = (1 / H) * sum_h P[b, h, i, j]

  scale = 1 / sqrt(D) by default; M an additive float mask (broadcastable
  to [B, H, Sq, Skv], -inf hides a key) or a boolean one (True = keep).
  Computed in float64 with the row maximum subtracted; a row with no
  visible key is all zeros (not NaN).

- Zero-TPrune's importance (Wang et al., "Zero-TPrune: Zero-Shot Token
  Pruning through Leveraging of the Attention Graph in Pre-Trained
  Transformers", CVPR 2024), a weighted PageRank on the attention graph
  (token i gives its score to the tokens it attends to):

      s_0[b, i] = 1 / Sq
      s_{t+1}[b, j] = sum_i s_t[b, i] * Abar[b, i, j]

  s_1 is the column mean of Abar (the "attention received" score of
  ToMe / EViT-style pruning); t >= 2 needs Sq == Skv. Rows of Abar sum to
  1, so with nothing masked every s_t sums to 1.

- Selection: keep the first `protect` tokens (CLS, registers, a prompt's
  start) and the `count - protect` best scored others, ties to the lower
  index, in ascending order (the kept tokens stay in sequence order), then
  gather them along the token dim per batch row.

- ToMe token merging (Bolya et al., "Token Merging: Your ViT But Faster",
  ICLR 2023), bipartite soft matching on the key heads k [B, Hkv, N, D]
  of an attention, the first `protect` tokens excluded:

      m[b, i] = mean_h k[b, h, i],  m^[b, i] = m / ||m||  (0 stays 0)
      A = {i even, i >= protect},  B = {j odd, j >= protect}
      sim[b, i, j] = m^[b, i] . m^[b, j]  (i in A, j in B)
      best[b, i] = argmax_{j in B} sim  (ties: lowest j),  nm = that max

  r = min(merge, |A|, |B|) (0 when B is empty); the r tokens of A with the
  largest nm (ties: lower i) are merged into their best[i]; the others
  keep their order in M = N - r slots, dst[b, i] = the slot of i (kept)
  or of best[b, i] (merged). A tensor is merged along its token dim as the
  size-weighted mean per slot, the sizes by summing:

      x'[t] = sum_{dst[i] = t} s_i x_i / sum_{dst[i] = t} s_i,
      s'[t] = sum_{dst[i] = t} s_i

  (s = 1 before the first merge); later attentions add log s_j to the
  scores of key j (proportional attention) and sums over the tokens weight
  token j by s_j.

Run as a script for the self-check.
"""

import math

import numpy as np


def _pair_heads(hq, hkv):
    """(query head, kv head) index arrays for the H = max(hq, hkv) heads."""
    h = max(hq, hkv)
    if hq >= hkv:
        assert hq % hkv == 0, (hq, hkv)
        return np.arange(h), np.arange(h) // (hq // hkv)
    assert hkv % hq == 0, (hq, hkv)
    return np.arange(h) // (hkv // hq), np.arange(h)


def head_averaged_attention(q, k, mask=None, scale=None):
    """Abar [B, Sq, Skv] (float64): the softmax probabilities averaged over
    the H = max(Hq, Hkv) heads. mask: None, additive float or boolean
    (True = keep), broadcastable to [B, H, Sq, Skv]."""
    q, k = np.asarray(q, np.float64), np.asarray(k, np.float64)
    assert q.ndim == 4 and k.ndim == 4, (q.shape, k.shape)
    b, hq, sq, d = q.shape
    assert k.shape[0] == b and k.shape[3] == d, (q.shape, k.shape)
    skv = k.shape[2]
    qh, kh = _pair_heads(hq, k.shape[1])
    scale = 1 / math.sqrt(d) if scale is None else scale
    s = np.einsum("bhid,bhjd->bhij", q[:, qh], k[:, kh]) * scale
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask), (b, len(qh), sq, skv))
        if mask.dtype == np.bool_:
            s = np.where(mask, s, -np.inf)
        else:
            s = s + mask.astype(np.float64)
    top = s.max(-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0))
    total = e.sum(-1, keepdims=True)
    p = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return p.mean(1)


def zero_tprune_importance(q, k, mask=None, scale=None, iterations=3):
    """s_iterations [B, Skv] (float64) of Zero-TPrune's weighted PageRank on
    head_averaged_attention(q, k, mask, scale)."""
    assert iterations >= 1, iterations
    a = head_averaged_attention(q, k, mask, scale)
    sq, skv = a.shape[1:]
    assert iterations == 1 or sq == skv, (sq, skv, iterations)
    s = np.full(a.shape[:2], 1 / sq)
    for _ in range(iterations):
        s = np.einsum("bi,bij->bj", s, a)
    return s


def top_tokens(scores, count, protect):
    """int64 [B, count]: per row the first `protect` token indices plus the
    `count - protect` best scored other tokens (ties toward the lower
    index), ascending."""
    scores = np.asarray(scores)
    assert scores.ndim == 2, scores.shape
    assert 0 <= protect <= count <= scores.shape[1], (protect, count, scores.shape)
    # A stable sort of the negated scores keeps equal scores in index order.
    order = np.argsort(-scores[:, protect:], axis=1, kind="stable")[:, :count - protect] + protect
    first = np.broadcast_to(np.arange(protect), (scores.shape[0], protect))
    return np.sort(np.concatenate([first, order], axis=1), axis=1).astype(np.int64)


def gather_tokens(x, indices, dim):
    """x[b, ..., indices[b, t], ...] along `dim` (>= 1) per batch row b:
    dim's size becomes indices.shape[1]."""
    x, indices = np.asarray(x), np.asarray(indices)
    dim = dim % x.ndim
    assert dim >= 1 and indices.shape[0] == x.shape[0], (dim, x.shape, indices.shape)
    return np.stack([np.take(x[b], indices[b], axis=dim - 1) for b in range(x.shape[0])])


def cosine_similarity(a, b):
    """[N] (float64): the cosine of a[n] and b[n], 2-D [N, F] arrays; 0 for
    a zero row."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.ndim == 2 and a.shape == b.shape, (a.shape, b.shape)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide((a * b).sum(1), norms, out=np.zeros(len(a)), where=norms > 0)


def tome_similarity(k, protect):
    """(a, b, sim): ToMe's bipartite sets, a = the even token indices >=
    protect, b = the odd ones (int64, ascending), and sim [B, |a|, |b|]
    (float64), the cosine of the head-averaged keys of k [B, Hkv, N, D]
    (a zero metric vector has cosine 0 with everything)."""
    k = np.asarray(k, np.float64)
    assert k.ndim == 4, k.shape
    n = k.shape[2]
    assert 0 <= protect <= n, (protect, n)
    m = k.mean(1)
    norm = np.linalg.norm(m, axis=-1, keepdims=True)
    m = np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)
    tokens = np.arange(protect, n)
    a, b = tokens[tokens % 2 == 0], tokens[tokens % 2 == 1]
    return a, b, np.einsum("bid,bjd->bij", m[:, a], m[:, b])


def tome_merge_plan(k, merge, protect):
    """(dst, count): ToMe's bipartite soft matching on the key heads k
    [B, Hkv, N, D] merging (up to) `merge` tokens, the first `protect`
    never merged. dst int64 [B, N] is the output slot of each token, count
    = N - r the number of slots (r = min(merge, |A|, |B|), the same for
    every row); kept tokens fill the slots in their original order."""
    k = np.asarray(k, np.float64)
    batch, n = k.shape[0], k.shape[2]
    assert merge >= 0, merge
    a, b, sim = tome_similarity(k, protect)
    r = min(merge, len(a), len(b)) if len(b) else 0
    dst = np.empty((batch, n), np.int64)
    for row in range(batch):
        if r == 0:
            dst[row] = np.arange(n)
            continue
        best = b[np.argmax(sim[row], axis=1)]  # argmax: the first (lowest j) maximum
        nm = sim[row].max(axis=1)
        # A stable sort of -nm: equal values stay in index order.
        merged = np.zeros(n, bool)
        merged[a[np.argsort(-nm, kind="stable")[:r]]] = True
        slot = np.full(n, -1, np.int64)
        slot[~merged] = np.arange(n - r)
        dst[row] = slot
        dst[row, a[merged[a]]] = slot[best[merged[a]]]
    return dst, n - r


def merge_tokens(x, dst, count, weights=None, normalize=False, dim=1):
    """Scatter x along `dim` (>= 1) into `count` slots per batch row b:
    out[b, ..., t, ...] = sum_{i: dst[b, i] = t} w[b, i] x[b, ..., i, ...],
    divided by sum_{i: dst[b, i] = t} w[b, i] when `normalize` (a
    weighted mean; an empty slot is 0). w = weights [B, N], or ones.
    merge_tokens(x, dst, count, sizes, normalize=True) merges a tensor,
    merge_tokens(sizes, dst, count) gives the new sizes."""
    x, dst = np.asarray(x, np.float64), np.asarray(dst)
    dim = dim % x.ndim
    batch, n = dst.shape
    assert dim >= 1 and x.shape[0] == batch and x.shape[dim] == n, (dim, x.shape, dst.shape)
    assert ((dst >= 0) & (dst < count)).all(), (dst, count)
    w = np.ones((batch, n)) if weights is None else np.asarray(weights, np.float64)
    assert w.shape == (batch, n), (w.shape, dst.shape)
    xt = np.moveaxis(x, dim, 1)  # [B, N, ...]
    out = np.zeros((batch, count) + xt.shape[2:])
    total = np.zeros((batch, count))
    for row in range(batch):
        np.add.at(out[row], dst[row], w[row].reshape((n,) + (1,) * (xt.ndim - 2)) * xt[row])
        np.add.at(total[row], dst[row], w[row])
    if normalize:
        total = total.reshape(total.shape + (1,) * (xt.ndim - 2))
        out = np.divide(out, total, out=np.zeros_like(out), where=total != 0)
    return np.moveaxis(out, 1, dim)


def _self_check():
    rng = np.random.default_rng(0)
    close = np.testing.assert_allclose

    # 1 head, 3 tokens, D = 1, scale 1: q . k_j = q * (0, ln 2, ln 3), so
    # q = 1 gives exp 1:2:3, q = 0 uniform, q = 2 gives 1:4:9.
    q = np.array([1.0, 0.0, 2.0]).reshape(1, 1, 3, 1)
    k = np.array([0.0, math.log(2), math.log(3)]).reshape(1, 1, 3, 1)
    a_hand = np.array([[1 / 6, 2 / 6, 3 / 6], [1 / 3, 1 / 3, 1 / 3], [1 / 14, 4 / 14, 9 / 14]])
    a = head_averaged_attention(q, k, scale=1.0)
    close(a[0], a_hand, rtol=1e-12)
    s1 = a_hand.mean(0)
    close(zero_tprune_importance(q, k, scale=1.0, iterations=1)[0], s1, rtol=1e-12)
    close(zero_tprune_importance(q, k, scale=1.0, iterations=2)[0], s1 @ a_hand, rtol=1e-12)
    close(zero_tprune_importance(q, k, scale=1.0, iterations=3)[0], s1 @ a_hand @ a_hand, rtol=1e-12)
    # The default scale is 1 / sqrt(D).
    q4, k4 = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 4))
    close(head_averaged_attention(q4, k4), head_averaged_attention(q4, k4, scale=0.5))

    # Rows are probabilities; the importance sums to 1 with nothing masked.
    q, k = rng.standard_normal((2, 4, 7, 8)), rng.standard_normal((2, 4, 7, 8))
    a = head_averaged_attention(q, k)
    assert a.shape == (2, 7, 7) and (a >= 0).all()
    close(a.sum(-1), 1, rtol=1e-12)
    for t in (1, 2, 3, 5):
        close(zero_tprune_importance(q, k, iterations=t).sum(-1), 1, rtol=1e-12)
    # Large logits (max subtraction) stay finite.
    assert np.isfinite(head_averaged_attention(q * 1e3, k * 1e3)).all()

    # Per head by hand, with GQA / MQA and Hq < Hkv pairings.
    def by_hand(q, k, pairs, mask=None):
        out = []
        for hq, hk in pairs:
            s = q[:, hq] @ k[:, hk].transpose(0, 2, 1) / math.sqrt(q.shape[-1])
            if mask is not None:
                s = np.where(mask, s, -np.inf)
            p = np.exp(s - s.max(-1, keepdims=True))
            out.append(p / p.sum(-1, keepdims=True))
        return np.mean(out, 0)
    q8, k2 = rng.standard_normal((2, 8, 5, 4)), rng.standard_normal((2, 2, 6, 4))
    close(head_averaged_attention(q8, k2), by_hand(q8, k2, [(h, h // 4) for h in range(8)]), rtol=1e-12)
    q2, k8 = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 8, 6, 4))
    close(head_averaged_attention(q2, k8), by_hand(q2, k8, [(h // 4, h) for h in range(8)]), rtol=1e-12)

    # Masks: boolean and additive -inf agree; a causal mask; a padding mask
    # [B, 1, 1, Skv]; a row with no visible key is zeros.
    causal = np.tril(np.ones((7, 7), bool))
    a_bool = head_averaged_attention(q, k, causal)
    close(a_bool, head_averaged_attention(q, k, np.where(causal, 0.0, -np.inf)), rtol=1e-12)
    close(a_bool, by_hand(q, k, [(h, h) for h in range(4)], causal), rtol=1e-12)
    assert (a_bool[:, 0, 0] == 1).all() and (a_bool[np.broadcast_to(~causal, a_bool.shape)] == 0).all()
    pad = np.ones((2, 1, 1, 7), bool)
    pad[1, ..., 4:] = False
    a_pad = head_averaged_attention(q, k, pad)
    assert (a_pad[1, :, 4:] == 0).all()
    close(a_pad[1, :, :4], head_averaged_attention(q[1:, :, :, :], k[1:, :, :4])[0], rtol=1e-12)
    close(head_averaged_attention(q, k, np.where(pad, 0.0, -1e4)), a_pad, atol=1e-12)
    none_visible = np.ones((7, 7), bool)
    none_visible[2] = False
    a_none = head_averaged_attention(q, k, none_visible)
    assert np.isfinite(a_none).all() and (a_none[:, 2] == 0).all()
    close(np.delete(a_none.sum(-1), 2, axis=1), 1, rtol=1e-12)

    # top_tokens: protected tokens survive -inf; ties go to the lower index;
    # ascending order.
    scores = np.array([[-np.inf, 0.1, 0.9, 0.5, 0.9, 0.2],
                       [3.0, 1.0, 1.0, 1.0, 1.0, 2.0]])
    got = top_tokens(scores, 3, 1)
    assert got.dtype == np.int64 and got.tolist() == [[0, 2, 4], [0, 1, 5]], got
    assert top_tokens(scores, 4, 2).tolist() == [[0, 1, 2, 4], [0, 1, 2, 5]]
    assert top_tokens(scores, 2, 0).tolist() == [[2, 4], [0, 5]]
    assert top_tokens(scores, 6, 0).tolist() == [list(range(6))] * 2
    assert top_tokens(np.zeros((1, 5)), 3, 0).tolist() == [[0, 1, 2]]

    # gather_tokens on dims 1 and 2 against loops.
    x = rng.standard_normal((2, 6, 3))
    idx = np.array([[0, 2, 5], [1, 3, 4]])
    got = gather_tokens(x, idx, 1)
    assert got.shape == (2, 3, 3)
    for b in range(2):
        for t in range(3):
            assert (got[b, t] == x[b, idx[b, t]]).all()
    x = rng.standard_normal((2, 4, 6, 3))
    got = gather_tokens(x, idx, 2)
    assert got.shape == (2, 4, 3, 3)
    assert (got == gather_tokens(x, idx, -2)).all()
    for b in range(2):
        assert (got[b] == x[b][:, idx[b]]).all()

    # cosine_similarity.
    u = rng.standard_normal((3, 5))
    close(cosine_similarity(u, 2 * u), 1, rtol=1e-12)
    close(cosine_similarity(u, -u), -1, rtol=1e-12)
    close(cosine_similarity([[1, 0], [0, 0], [1, 1]], [[0, 1], [1, 1], [1, 0]]),
          [0, 0, 1 / math.sqrt(2)], atol=1e-12)

    # tome_merge_plan by hand: 1 row, 6 tokens, 1 head, D = 2, protect 1:
    # A = {2, 4}, B = {1, 3, 5}. Token 2 lies along token 3 (cosine 1; 0.6
    # with 5, 0 with 1), token 4 along token 1 (cosine 1; 0.8 with 5, 0
    # with 3); token 0 (protected) equals token 5.
    metric = np.array([[0.6, 0.8],   # 0: protected
                       [0.0, 1.0],   # 1: B
                       [2.0, 0.0],   # 2: A, best 3
                       [1.0, 0.0],   # 3: B
                       [0.0, 3.0],   # 4: A, best 1
                       [0.6, 0.8]])  # 5: B
    k = metric[None, None]
    # merge 1: both nm are 1, the tie goes to the lower index: 2 -> 3.
    dst, count = tome_merge_plan(k, 1, 1)
    assert dst.dtype == np.int64 and count == 5 and dst.tolist() == [[0, 1, 2, 2, 3, 4]], (dst, count)
    # merge 2: 2 -> 3 and 4 -> 1; kept 0, 1, 3, 5 in slots 0..3.
    dst, count = tome_merge_plan(k, 2, 1)
    assert count == 4 and dst.tolist() == [[0, 1, 2, 2, 1, 3]], (dst, count)
    # r is capped at |A| = 2; positive scales of a metric vector and
    # averaging over heads change nothing.
    two_heads = np.stack([metric * [[1], [2], [0.5], [1], [1], [3]],
                          metric * [[1], [2], [1.5], [1], [1], [3]]])[None]
    dst, count = tome_merge_plan(two_heads, 5, 1)
    assert count == 4 and dst.tolist() == [[0, 1, 2, 2, 1, 3]], (dst, count)
    # Token 2 less aligned with 3 (cosine 0.96): 4 -> 1 is the best merge.
    k2 = k.copy()
    k2[0, 0, 2] = [0.96, 0.28]
    dst, count = tome_merge_plan(k2, 1, 1)
    assert count == 5 and dst.tolist() == [[0, 1, 2, 3, 1, 4]], (dst, count)
    # A tie in best: token 2 [1, 1] is as close to 1 [0, 1] as to 3 [1, 0]
    # (cosine 1 / sqrt 2): the lowest j, 1. Token 4 [-1, 1] has the same
    # nm (to 1 and to 5 [-1, 0]): the lower i, 2, is merged.
    k3 = k.copy()
    k3[0, 0, 2], k3[0, 0, 4], k3[0, 0, 5] = [1.0, 1.0], [-1.0, 1.0], [-1.0, 0.0]
    dst, count = tome_merge_plan(k3, 1, 1)
    assert count == 5 and dst.tolist() == [[0, 1, 1, 2, 3, 4]], dst
    # protect 0: token 0 joins A; merging all of A: 0 -> 5, 2 -> 3, 4 -> 1.
    dst, count = tome_merge_plan(k, 3, 0)
    assert count == 3 and dst.tolist() == [[2, 0, 1, 1, 0, 2]], dst
    # protect 4: A = {4}, B = {5}: 4 -> 5 (cosine 0.8) whatever is asked.
    dst, count = tome_merge_plan(k, 3, 4)
    assert count == 5 and dst.tolist() == [[0, 1, 2, 3, 4, 4]], dst
    # Nothing to merge: an empty A or B, or merge 0.
    for merge, protect in ((3, 6), (0, 1), (2, 5)):
        dst, count = tome_merge_plan(k, merge, protect)
        assert count == 6 and dst.tolist() == [list(range(6))], (merge, protect, dst)
    # A zero metric vector has cosine 0 with everything.
    kz = k.copy()
    kz[0, 0, 2] = 0
    dst, count = tome_merge_plan(kz, 1, 1)
    assert dst.tolist() == [[0, 1, 2, 3, 1, 4]], dst
    # Batch rows are independent.
    dst, count = tome_merge_plan(np.concatenate([k, k2]), 1, 1)
    assert count == 5 and dst.tolist() == [[0, 1, 2, 2, 3, 4], [0, 1, 2, 3, 1, 4]], dst

    # merge_tokens: size-weighted means, sizes summed; an empty slot is 0;
    # dims 1, 2 and -2.
    x = rng.standard_normal((2, 6, 3))
    sizes = np.array([[1.0, 2, 3, 1, 1, 4], [1, 1, 1, 1, 1, 1]])
    dst = np.array([[0, 1, 2, 1, 1, 3], [0, 1, 2, 2, 3, 4]])
    got = merge_tokens(x, dst, 5, sizes, normalize=True)
    assert got.shape == (2, 5, 3)
    close(got[0, :4], [x[0, 0], (2 * x[0, 1] + x[0, 3] + x[0, 4]) / 4, x[0, 2], x[0, 5]], rtol=1e-12)
    assert (got[0, 4] == 0).all()
    close(got[1], [x[1, 0], x[1, 1], (x[1, 2] + x[1, 3]) / 2, x[1, 4], x[1, 5]], rtol=1e-12)
    assert merge_tokens(sizes, dst, 5).tolist() == [[1, 4, 3, 4, 0], [1, 1, 2, 1, 1]]
    close(merge_tokens(x, dst, 5)[1, 2], x[1, 2] + x[1, 3], rtol=1e-12)
    close(merge_tokens(x, dst, 5, sizes)[0, 1], 2 * x[0, 1] + x[0, 3] + x[0, 4], rtol=1e-12)
    close(merge_tokens(x, dst, 5, normalize=True)[0, 1], (x[0, 1] + x[0, 3] + x[0, 4]) / 3, rtol=1e-12)
    x4 = rng.standard_normal((2, 4, 6, 3))
    got = merge_tokens(x4, dst, 5, sizes, normalize=True, dim=2)
    assert got.shape == (2, 4, 5, 3)
    assert (got == merge_tokens(x4, dst, 5, sizes, normalize=True, dim=-2)).all()
    close(got, merge_tokens(x4.transpose(0, 2, 1, 3), dst, 5, sizes, normalize=True).transpose(0, 2, 1, 3),
          rtol=1e-12)
    # The identity plan is the identity.
    close(merge_tokens(x4, np.tile(np.arange(6), (2, 1)), 6, sizes, normalize=True, dim=2), x4, rtol=1e-12)
    # A plan merges a tensor as its size-weighted mean: with the sizes
    # summed, two merges equal one of the composed plan.
    d1, c1 = tome_merge_plan(k, 1, 1)
    d2 = np.array([[0, 1, 1, 2, 3]])
    once = merge_tokens(x4[:1], np.take_along_axis(d2, d1, 1), 4, sizes[:1], normalize=True, dim=2)
    s1 = merge_tokens(sizes[:1], d1, c1)
    twice = merge_tokens(merge_tokens(x4[:1], d1, c1, sizes[:1], normalize=True, dim=2), d2, 4, s1,
                         normalize=True, dim=2)
    close(twice, once, rtol=1e-12)
    print("token_pruning_ref: self-check passed")


if __name__ == "__main__":
    _self_check()
