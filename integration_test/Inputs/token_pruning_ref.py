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
    print("token_pruning_ref: self-check passed")


if __name__ == "__main__":
    _self_check()
