"""Mamba models in plain PyTorch, exported to ONNX for Mixer.

The selective scan has no ONNX op, so exporters either unroll the recurrence
(a traced Python loop: one set of nodes per token, fixed length) or fail.
This module exports it as Mixer's custom op `ai.mixer::SelectiveScan`
(docs/ONNXMixerDomain.md), which `mixer-compile` turns into
`mixer.selective_scan`:

    model = MambaLM(d_model=256, n_layers=3, vocab=256)
    export_prefill(model, "mamba.onnx")          # logits + final states
    export_decode(model, "mamba_decode.onnx")    # one token, states in/out
    export_prefill(model, "mamba_unrolled.onnx", custom_op=False, seq=8)

In eager PyTorch, `selective_scan` is a loop over time (the reference); only
while exporting does it become the custom op. The TorchScript exporter of
Debian's python3-torch (1.13) is the one used and tested; run with
/usr/bin/python3. `python/mixer_models/export_mamba_models.py` writes the
models the tests use.

Decode state, per layer: `conv_state` [batch, d_inner, d_conv - 1] (the last
d_conv - 1 inputs of the causal conv) and `ssm_state` [batch, d_inner,
d_state]. The prefill model outputs both after the prompt; the decode model
takes them with one token and returns them advanced by that token, so a
step costs the same at any position.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MIXER_DOMAIN = "ai.mixer"


def selective_scan_reference(x, delta, A, B, C, D, z, delta_bias, state):
    """The recurrence of mixer.selective_scan, a loop over time.

    x, delta, z: [b, l, c]; A: [c, n]; B, C: [b, l, n]; D, delta_bias: [c];
    state: [b, c, n] or None. Returns (y [b, l, c], final state [b, c, n]).
    """
    dt = F.softplus(delta + delta_bias)
    h = (torch.zeros(x.shape[0], x.shape[2], A.shape[1], dtype=x.dtype)
         if state is None else state)
    ys = []
    for t in range(x.shape[1]):
        dt_t = dt[:, t, :, None]                                  # [b, c, 1]
        h = torch.exp(dt_t * A) * h + dt_t * B[:, t, None, :] * x[:, t, :, None]
        ys.append((h * C[:, t, None, :]).sum(-1) + D * x[:, t])
    y = torch.stack(ys, 1)
    return y * F.silu(z), h


class _SelectiveScan(torch.autograd.Function):
    """Exports as ai.mixer::SelectiveScan; runs the reference otherwise."""

    @staticmethod
    def forward(ctx, x, delta, A, B, C, D, z, delta_bias, state):
        return selective_scan_reference(x, delta, A, B, C, D, z, delta_bias,
                                        state)

    @staticmethod
    def symbolic(g, x, delta, A, B, C, D, z, delta_bias, state):
        inputs = [x, delta, A, B, C, D, z, delta_bias]
        if state is not None and not (hasattr(state, "node")
                                      and state.node().mustBeNone()):
            inputs.append(state)
        return g.op(f"{MIXER_DOMAIN}::SelectiveScan", *inputs,
                    delta_softplus_i=1, outputs=2)


# True while exporting with the custom op; False exports the traced loop.
_use_custom_op = True


def selective_scan(x, delta, A, B, C, D, z, delta_bias, state=None):
    if torch.onnx.is_in_onnx_export() and _use_custom_op:
        return _SelectiveScan.apply(x, delta, A, B, C, D, z, delta_bias, state)
    return selective_scan_reference(x, delta, A, B, C, D, z, delta_bias, state)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * \
            self.weight


class MambaBlock(nn.Module):
    """Mamba's mixer (Gu & Dao, the mamba_simple.Mamba layout)."""

    def __init__(self, d_model, d_state=16, d_conv=4, expand=2):
        super().__init__()
        self.d_inner = expand * d_model
        self.d_state, self.d_conv = d_state, d_conv
        self.dt_rank = math.ceil(d_model / 16)
        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=False)
        self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, d_conv,
                                groups=self.d_inner, padding=d_conv - 1)
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state,
                                bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=False)
        # Mamba's initialization: dt in [1e-3, 0.1] through softplus's inverse,
        # A = -(1..d_state) per channel.
        dt = torch.exp(torch.rand(self.d_inner) * (math.log(0.1) - math.log(1e-3))
                       + math.log(1e-3))
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        self.A_log = nn.Parameter(torch.log(
            torch.arange(1, d_state + 1, dtype=torch.float32).repeat(self.d_inner, 1)))
        self.D = nn.Parameter(torch.ones(self.d_inner) + 0.1 * torch.randn(self.d_inner))
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=False)

    def _project(self, x):
        """x [b, l, d_inner] after the conv -> the scan's delta, B, C."""
        dt, B, C = self.x_proj(x).split(
            [self.dt_rank, self.d_state, self.d_state], dim=-1)
        return self.dt_proj(dt), B, C

    def forward(self, hidden):
        """hidden [b, l, d_model] -> (out, conv_state, ssm_state)."""
        length = hidden.shape[1]
        x, z = self.in_proj(hidden).chunk(2, dim=-1)
        xc = x.transpose(1, 2)                                   # [b, c, l]
        # The last d_conv - 1 inputs, zeros before the prompt. (A cat rather
        # than F.pad: torch exports F.pad's pad list through a rank-2
        # Reshape/Slice(step -1) shape computation the importer cannot fold.)
        zeros = xc.new_zeros(xc.shape[0], xc.shape[1], self.d_conv - 1)
        history = torch.cat([zeros, xc], 2)
        conv_state = history[:, :, -(self.d_conv - 1):]
        x = F.silu(self.conv1d(xc)[:, :, :length]).transpose(1, 2)
        delta, B, C = self._project(x)
        A = -torch.exp(self.A_log)
        y, ssm_state = selective_scan(x, delta, A, B, C, self.D, z, self.dt_bias)
        return self.out_proj(y), conv_state, ssm_state

    def step(self, hidden, conv_state, ssm_state):
        """One token: hidden [b, 1, d_model], states in, states out."""
        x, z = self.in_proj(hidden).chunk(2, dim=-1)
        window = torch.cat([conv_state, x.transpose(1, 2)], dim=2)  # [b, c, k]
        x = F.silu(F.conv1d(window, self.conv1d.weight, self.conv1d.bias,
                            groups=self.d_inner)).transpose(1, 2)
        delta, B, C = self._project(x)
        A = -torch.exp(self.A_log)
        y, ssm_state = selective_scan(x, delta, A, B, C, self.D, z, self.dt_bias,
                                      ssm_state)
        return self.out_proj(y), window[:, :, 1:], ssm_state


class MambaLM(nn.Module):
    """Embedding, Pre-RMSNorm residual Mamba blocks, tied LM head."""

    def __init__(self, d_model=256, n_layers=3, vocab=256, d_state=16):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_model)
        self.norms = nn.ModuleList(RMSNorm(d_model) for _ in range(n_layers))
        self.blocks = nn.ModuleList(MambaBlock(d_model, d_state)
                                    for _ in range(n_layers))
        self.norm_f = RMSNorm(d_model)

    def _logits(self, h):
        return self.norm_f(h) @ self.embedding.weight.t()

    def forward(self, input_ids):
        """-> logits, then (conv_state, ssm_state) of every layer."""
        h, states = self.embedding(input_ids), []
        for norm, block in zip(self.norms, self.blocks):
            out, conv_state, ssm_state = block(norm(h))
            h = h + out
            states += [conv_state, ssm_state]
        return (self._logits(h), *states)

    def step(self, input_ids, *states):
        """input_ids [b, 1] and every layer's states -> logits, new states."""
        h, new_states = self.embedding(input_ids), []
        for i, (norm, block) in enumerate(zip(self.norms, self.blocks)):
            out, conv_state, ssm_state = block.step(norm(h), states[2 * i],
                                                    states[2 * i + 1])
            h = h + out
            new_states += [conv_state, ssm_state]
        return (self._logits(h), *new_states)


def state_names(model, prefix):
    return [f"{prefix}{kind}_{i}" for i in range(len(model.blocks))
            for kind in ("conv_state", "ssm_state")]


class _Step(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *states):
        return self.model.step(input_ids, *states)


def _export(module, args, path, inputs, outputs, dynamic, custom_op):
    global _use_custom_op
    _use_custom_op = custom_op
    module.eval()
    try:
        with torch.no_grad():
            torch.onnx.export(module, args, path, input_names=inputs,
                              output_names=outputs, dynamic_axes=dynamic,
                              opset_version=17, do_constant_folding=True,
                              custom_opsets={MIXER_DOMAIN: 1})
    finally:
        _use_custom_op = True


def export_prefill(model, path, custom_op=True, seq=16, batch=2):
    """logits [b, l, vocab] and the states after the prompt. With the custom
    op, batch and sequence are dynamic; without it the recurrence is
    unrolled for `seq` tokens (standard ONNX ops only, fixed length)."""
    ids = torch.randint(0, model.embedding.num_embeddings, (batch, seq))
    outputs = ["logits"] + state_names(model, "")
    dynamic = {"input_ids": {0: "batch"}, "logits": {0: "batch"}}
    if custom_op:
        dynamic["input_ids"][1] = dynamic["logits"][1] = "seq"
    dynamic.update({n: {0: "batch"} for n in outputs[1:]})
    _export(model, (ids,), path, ["input_ids"], outputs, dynamic, custom_op)


def export_decode(model, path, batch=2):
    """One decode step: input_ids [b, 1] and `past_*` states -> logits
    [b, 1, vocab] and `present_*` states."""
    ids = torch.randint(0, model.embedding.num_embeddings, (batch, 1))
    states = []
    for block in model.blocks:
        states += [torch.randn(batch, block.d_inner, block.d_conv - 1),
                   torch.randn(batch, block.d_inner, block.d_state)]
    inputs = ["input_ids"] + state_names(model, "past_")
    outputs = ["logits"] + state_names(model, "present_")
    dynamic = {n: {0: "batch"} for n in inputs + outputs}
    _export(_Step(model), (ids, *states), path, inputs, outputs, dynamic, True)
