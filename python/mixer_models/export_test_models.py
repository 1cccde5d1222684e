"""Exports the small transformer models that Mixer's tests import.

Plain PyTorch definitions with random weights (seeded), exported with
torch.onnx.export (the TorchScript exporter, opset 17) with dynamic batch and
sequence axes. Run with Debian's python3 (python3-torch 1.13, CPU):

    /usr/bin/python3 python/mixer_models/export_test_models.py OUTDIR

Architectures (tiny sizes, same structure as the originals):
  bert_encoder   Post-LN encoder, erf-GELU, additive padding mask (BERT)
  gpt2_decoder   Pre-LN decoder, causal mask from a tril buffer, tanh-GELU
  gpt2_decoder_kv  the same with past key/value inputs and present outputs
  llama_decoder  RMSNorm, rotate-half RoPE, GQA via repeat_kv, SwiGLU
  vit_encoder    Conv patch embedding, CLS token, Pre-LN encoder
"""

import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HIDDEN, HEADS, LAYERS, FFN, VOCAB = 64, 4, 2, 128, 100


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.out = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ff1 = nn.Linear(HIDDEN, FFN)
        self.ff2 = nn.Linear(FFN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x, bias):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).split(HIDDEN, dim=-1)
        q, k, v = (t.view(b, s, HEADS, -1).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + bias
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = self.ln1(x + self.out(a))
        return self.ln2(x + self.ff2(F.gelu(self.ff1(x))))


class BertEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(64, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer() for _ in range(LAYERS))

    def forward(self, input_ids, attention_mask):
        s = input_ids.shape[1]
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        x = self.ln(self.tok(input_ids) + self.pos(pos))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


class GPT2Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.proj = nn.Linear(HIDDEN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN)
        self.fc = nn.Linear(HIDDEN, FFN)
        self.fc2 = nn.Linear(FFN, HIDDEN)
        self.register_buffer("tril", torch.tril(torch.ones(64, 64)).view(1, 1, 64, 64))

    def forward(self, x, past_k=None, past_v=None):
        b, s, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(HIDDEN, dim=-1)
        q, k, v = (t.view(b, s, HEADS, -1).transpose(1, 2) for t in (q, k, v))
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        t = k.shape[2]
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS)
        mask = self.tril[:, :, t - s:t, :t]
        scores = scores.masked_fill(mask == 0, float("-inf"))
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = x + self.proj(a)
        x = x + self.fc2(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x, k, v


class GPT2Decoder(nn.Module):
    def __init__(self, with_cache):
        super().__init__()
        self.with_cache = with_cache
        self.tok = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(64, HIDDEN)
        self.blocks = nn.ModuleList(GPT2Block() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(HIDDEN)
        self.head = nn.Linear(HIDDEN, VOCAB, bias=False)

    def forward(self, input_ids, *past):
        s = input_ids.shape[1]
        start = past[0].shape[2] if past else 0
        pos = torch.arange(start, start + s).unsqueeze(0)
        x = self.tok(input_ids) + self.pos(pos)
        presents = []
        for i, block in enumerate(self.blocks):
            pk, pv = (past[2 * i], past[2 * i + 1]) if past else (None, None)
            x, k, v = block(x, pk, pv)
            presents += [k, v]
        logits = self.head(self.ln(x))
        return (logits, *presents) if self.with_cache else logits


class RMSNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(HIDDEN) + 0.1 * torch.randn(HIDDEN))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(nn.Module):
    KV_HEADS = 2

    def __init__(self):
        super().__init__()
        d = HIDDEN // HEADS
        self.n1, self.n2 = RMSNorm(), RMSNorm()
        self.q = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.k = nn.Linear(HIDDEN, self.KV_HEADS * d, bias=False)
        self.v = nn.Linear(HIDDEN, self.KV_HEADS * d, bias=False)
        self.o = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.gate = nn.Linear(HIDDEN, FFN, bias=False)
        self.up = nn.Linear(HIDDEN, FFN, bias=False)
        self.down = nn.Linear(FFN, HIDDEN, bias=False)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        d = HIDDEN // HEADS
        h = self.n1(x)
        q = self.q(h).view(b, s, HEADS, d).transpose(1, 2)
        k = self.k(h).view(b, s, self.KV_HEADS, d).transpose(1, 2)
        v = self.v(h).view(b, s, self.KV_HEADS, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # repeat_kv as Hugging Face writes it: expand + reshape.
        g = HEADS // self.KV_HEADS
        k = k[:, :, None].expand(b, self.KV_HEADS, g, s, d).reshape(b, HEADS, s, d)
        v = v[:, :, None].expand(b, self.KV_HEADS, g, s, d).reshape(b, HEADS, s, d)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = x + self.o(a)
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class LlamaDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, HIDDEN)
        self.blocks = nn.ModuleList(LlamaBlock() for _ in range(LAYERS))
        self.norm = RMSNorm()
        self.head = nn.Linear(HIDDEN, VOCAB, bias=False)
        d = HIDDEN // HEADS
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        freqs = torch.outer(torch.arange(64).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos())
        self.register_buffer("sin_cached", emb.sin())

    def forward(self, input_ids):
        s = input_ids.shape[1]
        cos = self.cos_cached[:s][None, None]
        sin = self.sin_cached[:s][None, None]
        mask = torch.full((s, s), float("-inf")).triu(1)[None, None]
        x = self.tok(input_ids)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return self.head(self.norm(x))


class ViTBlock(nn.Module):
    """Pre-LN encoder block (nn.TransformerEncoderLayer's fused inference
    path does not export with torch 1.13)."""

    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(HIDDEN), nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.out = nn.Linear(HIDDEN, HIDDEN)
        self.ff1, self.ff2 = nn.Linear(HIDDEN, FFN), nn.Linear(FFN, HIDDEN)

    def forward(self, x):
        b, s, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(HIDDEN, dim=-1)
        q, k, v = (t.view(b, s, HEADS, -1).transpose(1, 2) for t in (q, k, v))
        a = ((q @ k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS)).softmax(-1) @ v
        x = x + self.out(a.transpose(1, 2).reshape(b, s, HIDDEN))
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, HIDDEN, kernel_size=8, stride=8)
        self.cls = nn.Parameter(torch.randn(1, 1, HIDDEN))
        self.pos = nn.Parameter(torch.randn(1, 17, HIDDEN))
        self.blocks = nn.ModuleList(ViTBlock() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(HIDDEN)

    def forward(self, pixels):
        x = self.patch(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.ln(x)[:, 0]


def export(model, args, names_in, names_out, dynamic, path):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=names_in,
                          output_names=names_out, dynamic_axes=dynamic,
                          opset_version=17, do_constant_folding=True)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    ids = torch.randint(0, VOCAB, (2, 16))
    seq = {0: "batch", 1: "seq"}
    export(BertEncoder(), (ids, torch.ones(2, 16, dtype=torch.int64)),
           ["input_ids", "attention_mask"], ["last_hidden_state"],
           {"input_ids": seq, "attention_mask": seq, "last_hidden_state": seq},
           os.path.join(out, "bert_encoder.onnx"))
    export(GPT2Decoder(False), (ids,), ["input_ids"], ["logits"],
           {"input_ids": seq, "logits": seq},
           os.path.join(out, "gpt2_decoder.onnx"))
    d = HIDDEN // HEADS
    past = tuple(torch.randn(2, HEADS, 5, d) for _ in range(2 * LAYERS))
    past_names = [f"past_{kv}_{i}" for i in range(LAYERS) for kv in "kv"]
    present_names = [f"present_{kv}_{i}" for i in range(LAYERS) for kv in "kv"]
    dyn = {"input_ids": seq, "logits": seq}
    dyn.update({n: {0: "batch", 2: "past"} for n in past_names})
    dyn.update({n: {0: "batch", 2: "total"} for n in present_names})
    export(GPT2Decoder(True), (ids[:, :1],) + past, ["input_ids"] + past_names,
           ["logits"] + present_names, dyn,
           os.path.join(out, "gpt2_decoder_kv.onnx"))
    export(LlamaDecoder(), (ids,), ["input_ids"], ["logits"],
           {"input_ids": seq, "logits": seq},
           os.path.join(out, "llama_decoder.onnx"))
    export(ViT(), (torch.randn(2, 3, 32, 32),), ["pixel_values"], ["pooled"],
           {"pixel_values": {0: "batch"}, "pooled": {0: "batch"}},
           os.path.join(out, "vit_encoder.onnx"))


if __name__ == "__main__":
    main()
