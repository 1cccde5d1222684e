"""Type stubs of the mixer._mixer extension (python/src/MixerModule.cpp)."""

from typing import List, Sequence, Tuple

class MixerError(RuntimeError): ...

def compile(model: bytes, name: str, output: str, target: str, cpu: str,
            parallel: bool, opt_level: int, remarks: bool,
            input_shapes: Sequence[str], raise_attention: bool = True,
            raise_norms: bool = True, raise_rope: bool = True,
            share_kv_heads: bool = True, fold_layernorm_to_rmsnorm: bool = True,
            fold_norm_affine: bool = True,
            tile_attention: bool = True, compressed_rmsnorm: bool = False,
            reduce_query_heads: int = 0,
            remove_dead_heads: bool = False, mha_to_gqa: int = 0) -> bytes: ...

class Output:
    """A tensor returned by a run; exposes its memory as a buffer."""
    @property
    def dtype(self) -> int: ...

class Model:
    def __init__(self, path: str) -> None: ...
    def inputs(self) -> List[Tuple[str, int, List[int]]]: ...
    def outputs(self) -> List[Tuple[str, int, List[int]]]: ...
    def set_num_threads(self, threads: int) -> None: ...
    def run(self, buffers: Sequence[object], dtypes: Sequence[int],
            shapes: Sequence[Sequence[int]]) -> List[Output]: ...
