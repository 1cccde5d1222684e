//===- Report.cpp - mixer-compile --report --------------------------------===//

#include "Report.h"

#include "../mixer-run/Values.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Dialect/Mixer/IR/MixerOps.h"
#include "mixer/runtime/mixer_runtime.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <vector>

using namespace mlir;
using mixer::runtime::ModelPtr;
using mixer::runtime::TensorPtr;

namespace mixer::report {

ModelSummary summarize(ModuleOp module) {
  ModelSummary summary;
  if (auto info = module->getAttrOfType<StringAttr>(kReportInfoAttrName))
    summary.reportInfo = info.str();
  module->walk([&](Operation *op) {
    if (isa<linalg::SoftmaxOp>(op))
      ++summary.softmaxOps;
    else if (isa<LayerNormOp>(op))
      ++summary.layerNorms;
    else if (isa<RMSNormOp, CompressedRMSNormOp>(op))
      ++summary.rmsNorms;
    auto attention = dyn_cast<AttentionOp>(op);
    if (!attention)
      return;
    ++summary.attentionOps;
    if (attention.getOffsets())
      ++summary.packedAttentionOps;
    int64_t hq = attention.getNumQueryHeads(), hkv = attention.getNumKVHeads();
    int64_t heads = attention.getType().getDimSize(1);
    int64_t d = attention.getQuery().getType().getDimSize(3);
    int64_t dv = attention.getValue().getType().getDimSize(3);
    if (hq != hkv)
      ++summary.groupedAttentionOps;
    auto count = [](int64_t n) {
      return ShapedType::isDynamic(n) ? std::string("?") : std::to_string(n);
    };
    ++summary.headCounts[count(hq) + ":" + count(hkv)];
    if (ShapedType::isDynamic(heads)) {
      summary.flopsPerPair.reset();
      return;
    }
    summary.scoreMatrices += heads;
    if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv))
      summary.flopsPerPair.reset();
    else if (summary.flopsPerPair)
      *summary.flopsPerPair += 2 * heads * (d + dv);
  });
  return summary;
}

static std::string formatHeadCounts(const ModelSummary &summary) {
  std::string text;
  for (auto [heads, count] : summary.headCounts) {
    if (!text.empty())
      text += ", ";
    text += heads + " x" + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

void printExactRewrites(raw_ostream &os, const ModelSummary &imported,
                        const ModelSummary &exact) {
  int64_t raised = exact.attentionOps - imported.attentionOps;
  os << "  raise-attention:   " << raised << " attention blocks raised, "
     << exact.softmaxOps << " softmax ops left decomposed"
     << (exact.softmaxOps ? " (--remarks says why)" : "") << "\n";
  os << "  attention ops:     " << exact.attentionOps
     << " (query:K/V heads " << formatHeadCounts(exact) << "), "
     << exact.groupedAttentionOps << " with grouped heads (MQA/GQA/SQA)\n";
  int64_t norms = imported.layerNorms + imported.rmsNorms;
  os << "  norms:             " << imported.layerNorms << " LayerNorm + "
     << imported.rmsNorms << " RMSNorm imported -> " << exact.layerNorms
     << " LayerNorm + " << exact.rmsNorms << " RMSNorm";
  if (norms != exact.layerNorms + exact.rmsNorms)
    os << " (some were raised from decomposed forms)";
  os << "\n";
  if (exact.packedAttentionOps) {
    auto value = [&](StringRef key) {
      for (StringRef line : llvm::split(exact.reportInfo, '\n'))
        if (line.consume_front(key) && line.consume_front("="))
          return line.str();
      return std::string("?");
    };
    os << "  remove-padding:    " << exact.packedAttentionOps
       << " attention ops on packed tokens (mask '" << value("padding_mask")
       << "'); per valid token " << value("padding_token_flops")
       << " contraction FLOPs, per (query, key) pair "
       << value("padding_pair_flops")
       << " attention FLOPs (mixer-run --report: what a run skips)\n";
  }
}

void printHeadRewrites(raw_ostream &os, StringRef what,
                       const ModelSummary &before, const ModelSummary &after) {
  os << "  " << what << ":\n";
  os << "    attention ops:   query:K/V heads " << formatHeadCounts(before)
     << " -> " << formatHeadCounts(after) << "\n";
  os << "    score matrices:  " << before.scoreMatrices << " -> "
     << after.scoreMatrices << " per batch element";
  if (before.scoreMatrices)
    os << " (x" << llvm::format("%.3f", static_cast<double>(after.scoreMatrices) /
                                      before.scoreMatrices)
       << ")";
  os << "\n";
  if (before.flopsPerPair && after.flopsPerPair && *before.flopsPerPair)
    os << "    attention FLOPs: " << *before.flopsPerPair << " -> "
       << *after.flopsPerPair << " per (query, key) pair (x"
       << llvm::format("%.3f", static_cast<double>(*after.flopsPerPair) /
                             *before.flopsPerPair)
       << ")\n";
  else
    os << "    attention FLOPs: scale with the score matrices (a head dim "
          "is dynamic)\n";
}

void printTokenPruning(raw_ostream &os, StringRef options,
                       const ModelSummary &after) {
  auto value = [&](StringRef key) {
    for (StringRef line : llvm::split(after.reportInfo, '\n'))
      if (line.consume_front(key) && line.consume_front("="))
        return line.str();
    return std::string();
  };
  os << "  prune-tokens=\"" << options << "\" (lossy):\n";
  os << "    tokens:          " << value("prune_tokens") << "\n";
  auto [before, rest] = StringRef(value("prune_flops")).split(' ');
  double b = 0, a = 0;
  if (!before.getAsDouble(b) && !rest.getAsDouble(a) && b > 0)
    os << "    FLOPs:           " << llvm::format("%.4g", b) << " -> "
       << llvm::format("%.4g", a) << " per run (x"
       << llvm::format("%.3f", a / b)
       << "; contractions and attention, importance included, dynamic dims "
          "counted as 1)\n";
}

namespace {

bool load(const std::string &path, ModelPtr &model, std::string &error) {
  mixer_model *raw = nullptr;
  if (mixer_model_load(path.c_str(), &raw)) {
    error = mixer_last_error();
    return false;
  }
  model.reset(raw);
  return true;
}

} // namespace

bool printDeviation(raw_ostream &os, const std::string &referencePath,
                    const std::string &rewrittenPath, int64_t dynamicDim,
                    std::string &error) {
  ModelPtr reference, rewritten;
  if (!load(referencePath, reference, error) ||
      !load(rewrittenPath, rewritten, error))
    return false;
  // The same inputs as mixer-run's random ones.
  run::Random random(run::kRandomSeed);
  std::vector<TensorPtr> inputs(mixer_model_num_inputs(reference.get()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!run::randomInput(*reference, i, dynamicDim, random, inputs[i], error))
      return false;
  std::vector<TensorPtr> expected, actual;
  if (!run::runModel(*reference, inputs, expected, error) ||
      !run::runModel(*rewritten, inputs, actual, error))
    return false;
  os << "  deviation from the exact model on a reproducible input (mixer-run's "
        "random values, dynamic dims = "
     << dynamicDim << "):\n";
  for (size_t o = 0; o < expected.size(); ++o) {
    mixer_tensor_info info;
    mixer_model_output_info(reference.get(), o, &info);
    const mixer_tensor &a = *actual[o], &b = *expected[o];
    size_t n = mixer_tensor_num_elements(&b);
    if (mixer_tensor_num_elements(&a) != n) {
      error = std::string("output '") + info.name +
              "' changed its number of elements";
      return false;
    }
    double maxDiff = 0, sumDiff = 0, maxRef = 0;
    size_t numNonFinite = 0;
    for (size_t i = 0; i < n; ++i) {
      double x = run::elementAsDouble(a, i), y = run::elementAsDouble(b, i);
      double diff = std::fabs(x - y);
      if (!std::isfinite(diff)) {
        numNonFinite += !(x == y);
        continue;
      }
      maxDiff = std::fmax(maxDiff, diff);
      sumDiff += diff;
      maxRef = std::fmax(maxRef, std::fabs(y));
    }
    run::Comparison cosine = run::compare(a, b, /*rtol=*/0, /*atol=*/0);
    os << "    '" << info.name << "' "
       << run::formatShape(mixer_tensor_rank(&b), mixer_tensor_shape(&b))
       << ": max |diff| " << llvm::format("%.3g", maxDiff) << ", mean |diff| "
       << llvm::format("%.3g", n ? sumDiff / n : 0.0) << " (max |reference| "
       << llvm::format("%.3g", maxRef) << "), cosine similarity ";
    if (cosine.rows > 1)
      os << "min " << llvm::format("%.4f", cosine.minCosine) << " mean "
         << llvm::format("%.4f", cosine.meanCosine) << " over " << cosine.rows
         << " rows";
    else
      os << llvm::format("%.4f", cosine.minCosine);
    if (numNonFinite)
      os << ", " << numNonFinite << " elements differ in NaN/inf";
    os << "\n";
  }
  return true;
}

} // namespace mixer::report
