//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// The passes of the CPU pipeline between bufferization and the LLVM
// dialect: contractions become register-blocked vector kernels, every other
// linalg op becomes loops shaped for threads (outer dims) and LLVM's loop
// vectorizer (a contiguous innermost loop), and transcendental functions
// become polynomials that vectorize.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CODEGEN_CPU_PASSES
#define MIXER_CODEGEN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def VectorizeContractions : Pass<"mixer-cpu-vectorize-contractions"> {
  let summary = "Lower f32 contractions on buffers to register-blocked FMA "
                "kernels";
  let description = [{
    Every linalg op on buffers whose body is `acc + a * b` over f32 (matmul,
    batch matmul, the importer's `MatMul`/`Gemm`/`Einsum` generics) and whose
    output's innermost dim is the innermost, unit-stride dim of one input
    becomes an `scf.parallel` over its outer parallel dims and its register
    tiles. A tile holds `rows` x `vectors-per-row` vectors of `vector-width`
    lanes in registers for the whole reduction: per reduction step it loads
    `vectors-per-row` vectors of one input, broadcasts one element of the
    other per row and issues `rows * vectors-per-row` FMAs. Tiles at the
    edges run one row at a time with masked loads and stores, so any size,
    static or dynamic, is handled. A parallel iteration covers `row-block`
    rows of one column panel and walks the reduction in blocks of
    `reduction-block` steps, so that the block of B it reads stays in L1.
    A constant B (a weight) is packed into contiguous column panels at
    compile time.

    The reduction runs in the loop form's order, each step a fused
    multiply-add (one rounding instead of two). Contractions of another form
    (for instance an output whose innermost dim is a reduction's) are left to
    `--mixer-cpu-lower-to-loops`.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "16",
           "f32 lanes of a vector register (16 for AVX-512, 8 for AVX2)">,
    Option<"rows", "rows", "int64_t", "4",
           "output rows of a register tile">,
    Option<"vectorsPerRow", "vectors-per-row", "int64_t", "4",
           "vectors per row of a register tile">,
    Option<"maxRows", "max-rows", "int64_t", "8",
           "rows of a register tile narrowed to a small static output width">,
    Option<"rowBlock", "row-block", "int64_t", "64",
           "rows of one parallel iteration (L2 block of the scalar operand)">,
    Option<"reductionBlock", "reduction-block", "int64_t", "128",
           "reduction steps per pass over a row block (L1 block of B)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def FuseRowReductions : Pass<"mixer-cpu-fuse-row-reductions"> {
  let summary = "Tile row-wise reductions and their elementwise consumer "
                "together, a few rows at a time";
  let description = [{
    A normalization (and a softmax not inside attention) is a row-wise
    reduction whose per-row statistic is read, together with the row, by an
    elementwise op. Run op by op, that is two passes over memory. This pass
    tiles each such consumer along its row dims, `rows` rows at a time (so
    that a tile stays in L1), in an `scf.forall`, and fuses into it every
    producer whose only readers are in the group (the reductions, the
    per-row arithmetic, their fills): the consumer then reads each row
    right after the reductions did. Linear layers are never fused.
  }];
  let options = [
    Option<"tileBytes", "tile-bytes", "int64_t", "16384",
           "bytes of one input tile (rows of the reduced dims)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def LowerToLoops : Pass<"mixer-cpu-lower-to-loops"> {
  let summary = "Lower linalg ops on buffers to loops shaped for threads and "
                "vectors";
  let description = [{
    Every remaining linalg op on buffers becomes a loop nest in which
      - the loops are reordered, where it is legal for vectors, so that the
        innermost loop walks the output's last dim when every operand that
        uses that dim reads it as its last (contiguous) dim, itself or plus
        other dims (a reduction over a middle dim, `out[b, d] = sum_s
        x[b, s, d]`, runs `b, s, d`; a convolution window `x[c, l + k]`
        runs `c, k, l`);
      - a copy that permutes the innermost dim (`out[.., i, j] = in[.., j,
        i]`, a transpose) runs in 64 x 64 blocks of the two dims, parallel
        over the blocks, whole blocks with constant trip counts, so that
        both sides stay in cache (a plain nest reads a whole input row per
        element: 5x slower on a 2048 x 1536 transpose);
      - with `parallel`, the leading parallel dims form one `scf.parallel`
        (OpenMP work-sharing later); nested parallel loops and the last dim
        of a multi-dim one stay sequential `scf.for`, the innermost of which
        LLVM vectorizes;
      - with `reassociate`, the combining op of each reduction (`addf`,
        `mulf`, `maximumf`, ...) carries `fastmath<reassoc>`, so LLVM may
        vectorize a reduction along the innermost loop. Float sums then
        round differently from the sequential order (as every vectorized
        BLAS and onnxruntime do); `reassociate=false` keeps the order.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", "true",
           "distribute the outer parallel dims (scf.parallel)">,
    Option<"reassociate", "reassociate", "bool", "true",
           "allow reductions to be reassociated (vectorized)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def ApproximateMath : Pass<"mixer-cpu-approximate-math"> {
  let summary = "Replace f32 transcendental functions by vectorizable "
                "polynomials";
  let description = [{
    `math.exp`, `math.erf`, `math.tanh`, `math.log` and their relatives on
    f32 become MLIR's polynomial approximations (arith ops only, accurate to
    a few ulp), which LLVM vectorizes; libm calls would keep every loop that
    has one scalar.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

#endif // MIXER_CODEGEN_CPU_PASSES
