//===- MixerModule.cpp - The mixer._mixer Python extension ----------------===//
//
// A thin layer over two C APIs: the compiler's (mixer-c/Compiler.h) and the
// runtime's (mixer/runtime/mixer_runtime.h). Tensors cross as Python buffers
// (no numpy C API, so any numpy works); mixer/__init__.py adds the numpy
// conveniences.
//
//===----------------------------------------------------------------------===//

#include "mixer-c/Compiler.h"
#include "mixer/runtime/mixer_runtime.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// The Python exception every failure raises (mixer.MixerError), with the
/// compiler's diagnostics or the runtime's message as its text.
PyObject *mixerError = nullptr;

[[noreturn]] void raise(const std::string &message) {
  PyErr_SetString(mixerError, message.c_str());
  throw py::error_already_set();
}

[[noreturn]] void raiseRuntime(const char *what) {
  raise(std::string(what) + ": " + mixer_last_error());
}

py::bytes compileModel(py::bytes model, const std::string &name,
                       const std::string &output, const std::string &target,
                       const std::string &cpu, bool parallel,
                       unsigned optLevel, bool remarks,
                       const std::vector<std::string> &inputShapes,
                       bool raiseAttention, bool raiseNorms,
                       bool raiseRope, bool shareKVHeads,
                       bool foldLayerNorm, bool foldNormAffine,
                       bool tileAttention, bool compressedRMSNorm,
                       int reduceQueryHeads, bool removeDeadHeads,
                       int mhaToGQA, bool removePadding,
                       const std::string &pruneTokens) {
  MixerCompileOptions options;
  mixerCompileOptionsInit(&options);
  options.target = target.c_str();
  options.cpu = cpu.c_str();
  options.parallel = parallel;
  options.optLevel = optLevel;
  options.remarks = remarks;
  options.raiseAttention = raiseAttention;
  options.raiseNorms = raiseNorms;
  options.raiseRope = raiseRope;
  options.shareKVHeads = shareKVHeads;
  options.foldLayerNormToRMSNorm = foldLayerNorm;
  options.foldNormAffine = foldNormAffine;
  options.compressedRMSNorm = compressedRMSNorm;
  options.tileAttention = tileAttention;
  options.reduceQueryHeads = reduceQueryHeads;
  options.removeDeadHeads = removeDeadHeads;
  options.mhaToGQA = mhaToGQA;
  options.removePadding = removePadding;
  options.pruneTokens = pruneTokens.c_str();
  std::vector<const char *> shapes;
  for (const std::string &shape : inputShapes)
    shapes.push_back(shape.c_str());
  options.inputShapes = shapes.data();
  options.numInputShapes = shapes.size();

  std::string source = model; // the bytes outlive the call
  std::string diagnostics;
  MlirLogicalResult result;
  {
    py::gil_scoped_release release;
    result = mixerCompile(
        mlirStringRefCreate(source.data(), source.size()),
        mlirStringRefCreate(name.data(), name.size()),
        mlirStringRefCreate(output.data(), output.size()), &options,
        [](MlirStringRef text, void *userData) {
          static_cast<std::string *>(userData)->append(text.data, text.length);
        },
        &diagnostics);
  }
  if (mlirLogicalResultIsFailure(result))
    raise(diagnostics.empty() ? "compilation failed" : diagnostics);
  return py::bytes(diagnostics); // remarks, if asked for
}

/// A tensor a run returned: the caller owns its memory, exposed as a buffer.
struct Output {
  mixer::runtime::TensorPtr tensor;
};

/// A loaded model.so.
class Model {
public:
  explicit Model(const std::string &path) {
    mixer_model *model = nullptr;
    if (mixer_model_load(path.c_str(), &model) != MIXER_OK)
      raiseRuntime("cannot load the model");
    handle.reset(model);
  }

  /// (name, dtype code, shape with -1 for dynamic dims) per input/output.
  std::vector<py::tuple> signature(bool inputs) const {
    std::vector<py::tuple> result;
    size_t count = inputs ? mixer_model_num_inputs(handle.get())
                          : mixer_model_num_outputs(handle.get());
    for (size_t i = 0; i < count; ++i) {
      mixer_tensor_info info;
      mixer_status status =
          inputs ? mixer_model_input_info(handle.get(), i, &info)
                 : mixer_model_output_info(handle.get(), i, &info);
      if (status != MIXER_OK)
        raiseRuntime("cannot read the signature");
      result.push_back(py::make_tuple(
          info.name, static_cast<int>(info.dtype),
          std::vector<int64_t>(info.shape, info.shape + info.rank)));
    }
    return result;
  }

  void setNumThreads(int threads) {
    if (mixer_model_set_num_threads(handle.get(), threads) != MIXER_OK)
      raiseRuntime("cannot set the thread count");
  }

  /// Runs on C-contiguous buffers, one per input in signature order, each
  /// with its dtype code and shape; returns the outputs.
  std::vector<Output> run(const std::vector<py::buffer> &buffers,
                          const std::vector<int> &dtypes,
                          const std::vector<std::vector<int64_t>> &shapes) {
    std::vector<py::buffer_info> views;
    std::vector<mixer::runtime::TensorPtr> owners;
    std::vector<mixer_tensor *> inputs;
    for (size_t i = 0; i < buffers.size(); ++i) {
      views.push_back(buffers[i].request());
      mixer_tensor *tensor = nullptr;
      if (mixer_tensor_wrap(static_cast<mixer_dtype>(dtypes[i]),
                            shapes[i].size(), shapes[i].data(), views[i].ptr,
                            &tensor) != MIXER_OK)
        raiseRuntime("bad input");
      owners.emplace_back(tensor);
      inputs.push_back(tensor);
    }
    size_t numOutputs = mixer_model_num_outputs(handle.get());
    std::vector<mixer_tensor *> outputs(numOutputs, nullptr);
    mixer_status status;
    {
      py::gil_scoped_release release;
      status = mixer_model_run(handle.get(), inputs.data(), inputs.size(),
                               outputs.data(), outputs.size());
    }
    if (status != MIXER_OK)
      raiseRuntime("the run failed");
    std::vector<Output> result;
    for (mixer_tensor *tensor : outputs)
      result.push_back(Output{mixer::runtime::TensorPtr(tensor)});
    return result;
  }

private:
  mixer::runtime::ModelPtr handle;
};

/// The struct-module format and size of a dtype code (bf16 as raw uint16).
std::pair<std::string, size_t> bufferFormat(mixer_dtype dtype) {
  switch (dtype) {
  case MIXER_DTYPE_F32: return {"f", 4};
  case MIXER_DTYPE_F64: return {"d", 8};
  case MIXER_DTYPE_F16: return {"e", 2};
  case MIXER_DTYPE_BF16: return {"H", 2};
  case MIXER_DTYPE_I8: return {"b", 1};
  case MIXER_DTYPE_U8: return {"B", 1};
  case MIXER_DTYPE_I16: return {"h", 2};
  case MIXER_DTYPE_U16: return {"H", 2};
  case MIXER_DTYPE_I32: return {"i", 4};
  case MIXER_DTYPE_U32: return {"I", 4};
  case MIXER_DTYPE_I64: return {"q", 8};
  case MIXER_DTYPE_U64: return {"Q", 8};
  case MIXER_DTYPE_BOOL: return {"?", 1};
  }
  return {"B", 1};
}

} // namespace

PYBIND11_MODULE(_mixer, m) {
  m.doc() = "Mixer's compiler and runtime (use the mixer package instead)";
  mixerError = PyErr_NewException("mixer.MixerError", PyExc_RuntimeError,
                                  nullptr);
  m.attr("MixerError") = py::handle(mixerError);

  m.def("compile", &compileModel, py::arg("model"), py::arg("name"),
        py::arg("output"), py::arg("target"), py::arg("cpu"),
        py::arg("parallel"), py::arg("opt_level"), py::arg("remarks"),
        py::arg("input_shapes"), py::arg("raise_attention") = true,
        py::arg("raise_norms") = true, py::arg("raise_rope") = true,
        py::arg("share_kv_heads") = true,
        py::arg("fold_layernorm_to_rmsnorm") = true,
        py::arg("fold_norm_affine") = true,
        py::arg("tile_attention") = true,
        py::arg("compressed_rmsnorm") = false, py::arg("reduce_query_heads") = 0,
        py::arg("remove_dead_heads") = false, py::arg("mha_to_gqa") = 0,
        py::arg("remove_padding") = false, py::arg("prune_tokens") = "",
        "Compiles model bytes (ONNX, or MLIR text when name ends in .mlir) "
        "to the shared library `output`; returns the remarks as text.");

  py::class_<Output>(m, "Output", py::buffer_protocol())
      .def_property_readonly("dtype",
                             [](const Output &o) {
                               return static_cast<int>(
                                   mixer_tensor_dtype(o.tensor.get()));
                             })
      .def_buffer([](Output &o) {
        mixer_tensor *t = o.tensor.get();
        auto [format, size] = bufferFormat(mixer_tensor_dtype(t));
        size_t rank = mixer_tensor_rank(t);
        std::vector<py::ssize_t> shape(mixer_tensor_shape(t),
                                       mixer_tensor_shape(t) + rank);
        std::vector<py::ssize_t> strides(rank, static_cast<py::ssize_t>(size));
        for (size_t d = rank; d-- > 1;)
          strides[d - 1] = strides[d] * shape[d];
        return py::buffer_info(mixer_tensor_data(t),
                               static_cast<py::ssize_t>(size), format,
                               static_cast<py::ssize_t>(rank), shape, strides,
                               /*readonly=*/false);
      });

  py::class_<Model>(m, "Model")
      .def(py::init<const std::string &>(), py::arg("path"))
      .def("inputs", [](const Model &model) { return model.signature(true); })
      .def("outputs",
           [](const Model &model) { return model.signature(false); })
      .def("set_num_threads", &Model::setNumThreads, py::arg("threads"))
      .def("run", &Model::run, py::arg("buffers"), py::arg("dtypes"),
           py::arg("shapes"));
}
