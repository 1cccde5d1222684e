"""The mixer Python package against onnxruntime, on the shipped models.

Run by integration_test/python.test (the README's test command) with the
package that the CMake build assembled; `pip install ./python` installs the
same files.
"""

import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import mixer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "test", "Target", "ONNX", "Models")


def model_path(name):
    return os.path.join(MODELS, name + ".onnx")


def bert_inputs(batch=2, seq=16, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.ones((batch, seq), np.int64)
    mask[1:, seq // 2:] = 0
    return {"input_ids": rng.integers(0, 100, (batch, seq)), "attention_mask": mask}


def reference(name, feeds):
    session = ort.InferenceSession(model_path(name), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


@pytest.fixture(scope="module")
def bert():
    return mixer.compile(model_path("bert_encoder"))


def test_signature(bert):
    assert [s.name for s in bert.inputs] == ["input_ids", "attention_mask"]
    assert bert.inputs[0].dtype == np.int64
    assert bert.inputs[0].shape == (None, None)
    assert bert.outputs[0].name == "last_hidden_state"
    assert bert.outputs[0].shape == (None, None, 64)
    assert "input_ids: int64 [?x?]" in repr(bert)


@pytest.mark.parametrize("seq", [1, 7, 16])
def test_bert_matches_onnxruntime(bert, seq):
    feeds = bert_inputs(seq=seq)
    got = bert.run(feeds)["last_hidden_state"]
    want = reference("bert_encoder", feeds)["last_hidden_state"]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_positional_inputs_and_conversion(bert):
    feeds = bert_inputs()
    by_name = bert.run(feeds)["last_hidden_state"]
    # A sequence in signature order; int32 arrays are converted to int64.
    positional = bert.run([feeds["input_ids"].astype(np.int32),
                           feeds["attention_mask"]])["last_hidden_state"]
    np.testing.assert_array_equal(by_name, positional)


@pytest.mark.parametrize("name", ["gpt2_decoder", "llama_decoder"])
def test_decoders_from_bytes_and_proto(name):
    feeds = {"input_ids": np.random.default_rng(1).integers(0, 100, (2, 9))}
    want = reference(name, feeds)
    from_bytes = mixer.compile(open(model_path(name), "rb").read())
    from_proto = mixer.compile(onnx.load(model_path(name)))
    for compiled in (from_bytes, from_proto):
        got = compiled.run(feeds)
        for output, value in want.items():
            np.testing.assert_allclose(got[output], value, rtol=1e-4, atol=1e-4)


def test_load_and_options(tmp_path):
    library = tmp_path / "vit.so"
    mixer.compile(model_path("vit_encoder"), output=str(library), cpu="avx2",
                  parallel=False, input_shape={"pixel_values": (3, 3, 32, 32)})
    assert library.exists()
    model = mixer.load(library)
    assert model.inputs[0].shape == (3, 3, 32, 32)
    pixels = np.random.default_rng(2).standard_normal((3, 3, 32, 32)).astype(np.float32)
    want = reference("vit_encoder", {"pixel_values": pixels})
    np.testing.assert_allclose(model(pixels)[model.outputs[0].name],
                               want[model.outputs[0].name], rtol=1e-4, atol=1e-4)
    model.set_num_threads(1)


@pytest.mark.parametrize("options", [
    {"compressed_rmsnorm": True},
    {"fold_norm_affine": False, "fold_layernorm_to_rmsnorm": False},
])
def test_norm_rewrite_keywords(options, capfd):
    feeds = {"input_ids": np.random.default_rng(3).integers(0, 100, (2, 7))}
    want = reference("gpt2_decoder", feeds)
    got = mixer.compile(model_path("gpt2_decoder"), remarks=True,
                        **options).run(feeds)
    remarks = capfd.readouterr().out
    folded = "into compressed RMSNorm" if options.get("compressed_rmsnorm") \
        else "into RMSNorm"
    assert (folded in remarks) == options.get("fold_layernorm_to_rmsnorm", True)
    for output, value in want.items():
        np.testing.assert_allclose(got[output], value, rtol=1e-4, atol=1e-4)


def test_compile_errors_carry_diagnostics(tmp_path):
    with pytest.raises(mixer.MixerError, match="not a valid ONNX model"):
        mixer.compile(b"not a model")
    with pytest.raises(mixer.MixerError, match="cannot read"):
        mixer.compile(str(tmp_path / "missing.onnx"))
    with pytest.raises(mixer.MixerError, match="unknown CPU 'pentium9000'"):
        mixer.compile(model_path("bert_encoder"), cpu="pentium9000")
    with pytest.raises(mixer.MixerError, match="target 'tpu' is unsupported"):
        mixer.compile(model_path("bert_encoder"), target="tpu")
    # A node the importer refuses: the message names it.
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Unique", ["x"], ["y"], name="my_unique")], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [4])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None])])
    with pytest.raises(mixer.MixerError, match="my_unique"):
        mixer.compile(onnx.helper.make_model(graph))


def test_run_errors(bert, tmp_path):
    with pytest.raises(mixer.MixerError, match="missing: attention_mask"):
        bert.run({"input_ids": np.zeros((1, 4), np.int64)})
    with pytest.raises(mixer.MixerError, match="takes 2 inputs, got 1"):
        bert.run([np.zeros((1, 4), np.int64)])
    with pytest.raises(mixer.MixerError, match="rank"):
        bert.run({"input_ids": np.zeros((4,), np.int64),
                  "attention_mask": np.zeros((4,), np.int64)})
    corrupt = tmp_path / "corrupt.so"
    corrupt.write_bytes(b"\x7fELF garbage")
    with pytest.raises(mixer.MixerError, match="cannot load the model"):
        mixer.load(corrupt)
