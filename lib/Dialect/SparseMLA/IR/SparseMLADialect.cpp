//===- SparseMLADialect.cpp - sparse_mla dialect --------------------------===//

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Target/HardwareLimits.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sparse_mla;

#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOpsDialect.cpp.inc"

void SparseMLADialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLAOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// sparse_mla.kernel_info
//===----------------------------------------------------------------------===//

namespace {
/// Checks one field of a dictionary, naming it in the diagnostic.
template <typename AttrT>
LogicalResult need(Operation *op, DictionaryAttr dict, StringRef where,
                   StringRef name, StringRef what, AttrT &out) {
  Attribute attr = dict.get(name);
  out = dyn_cast_or_null<AttrT>(attr);
  if (!out) {
    InFlightDiagnostic diag = op->emitError()
                              << "sparse_mla.kernel_info: " << where << "'"
                              << name << "' must be " << what << ", but is ";
    if (attr)
      diag << attr;
    else
      diag << "missing";
    return diag;
  }
  return success();
}

LogicalResult needInt(Operation *op, DictionaryAttr dict, StringRef where,
                      StringRef name, int64_t min) {
  IntegerAttr attr;
  if (failed(need(op, dict, where, name, "an integer", attr)))
    return failure();
  if (!attr.getType().isSignlessInteger(64) || attr.getInt() < min)
    return op->emitError() << "sparse_mla.kernel_info: " << where << "'"
                           << name << "' must be an i64 >= " << min
                           << ", but is " << attr;
  return success();
}
} // namespace

LogicalResult SparseMLADialect::verifyOperationAttribute(Operation *op,
                                                         NamedAttribute attr) {
  if (attr.getName() == "sparse_mla.by_value_params") {
    // Indices of lowered kernel arguments passed by value (see
    // sparse-mla-by-value-params).
    auto list = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!list || !isa<FunctionOpInterface>(op) ||
        llvm::any_of(list.asArrayRef(), [](int64_t i) { return i < 0; }))
      return op->emitError() << "sparse_mla.by_value_params must be an "
                                "array<i64> of argument indices >= 0 on a "
                                "function";
    return success();
  }
  if (attr.getName() != "sparse_mla.kernel_info")
    return op->emitError() << "unknown sparse_mla attribute '"
                           << attr.getName().getValue() << "'";
  if (op->getName().getStringRef() != "gpu.launch_func")
    return op->emitError()
           << "sparse_mla.kernel_info belongs on a gpu.launch_func";
  auto info = dyn_cast<DictionaryAttr>(attr.getValue());
  if (!info)
    return op->emitError() << "sparse_mla.kernel_info must be a dictionary";

  StringAttr entry;
  DenseI64ArrayAttr block;
  ArrayAttr grid, params;
  DictionaryAttr problem;
  if (failed(need(op, info, "", "entry", "a string", entry)) ||
      failed(need(op, info, "", "block", "an array<i64> of 3 sizes", block)) ||
      failed(needInt(op, info, "", "dynamic_shared_memory", 0)) ||
      failed(need(op, info, "", "grid", "an array of 3 dictionaries", grid)) ||
      failed(need(op, info, "", "params", "an array of names", params)) ||
      failed(need(op, info, "", "op", "a dictionary", problem)))
    return failure();
  if (block.size() != 3 || llvm::any_of(block.asArrayRef(),
                                        [](int64_t v) { return v < 1; }))
    return op->emitError() << "sparse_mla.kernel_info: 'block' must hold 3 "
                              "positive sizes, but is "
                           << block;
  if (grid.size() != 3)
    return op->emitError() << "sparse_mla.kernel_info: 'grid' must have 3 "
                              "terms, but has "
                           << grid.size();
  for (Attribute term : grid) {
    auto dict = dyn_cast<DictionaryAttr>(term);
    if (!dict)
      return op->emitError() << "sparse_mla.kernel_info: grid term " << term
                             << " must be a dictionary";
    if (failed(needInt(op, dict, "grid term ", "multiplier", 1)))
      return failure();
    if (Attribute dim = dict.get("dim")) {
      auto name = dyn_cast<StringAttr>(dim);
      if (!name || !llvm::is_contained({"B", "S", "Skv"}, name.getValue()))
        return op->emitError() << "sparse_mla.kernel_info: grid term 'dim' "
                                  "must be \"B\", \"S\" or \"Skv\", but is "
                               << dim;
    }
  }
  for (Attribute name : params)
    if (!isa<StringAttr>(name))
      return op->emitError() << "sparse_mla.kernel_info: 'params' must hold "
                                "names, but holds "
                             << name;
  if (Attribute alignment = info.get("row_alignment")) {
    auto dict = dyn_cast<DictionaryAttr>(alignment);
    if (!dict)
      return op->emitError() << "sparse_mla.kernel_info: 'row_alignment' "
                                "must be a dictionary, but is "
                             << alignment;
    for (NamedAttribute entry : dict) {
      auto bytes = dyn_cast<IntegerAttr>(entry.getValue());
      if (!bytes || bytes.getInt() < 1 || bytes.getInt() > 256 ||
          !llvm::isPowerOf2_64(bytes.getInt()) ||
          !llvm::is_contained(params, entry.getName()))
        return op->emitError()
               << "sparse_mla.kernel_info: 'row_alignment' entry '"
               << entry.getName().getValue()
               << "' must name a parameter and give a power of two up to "
                  "256 bytes";
    }
  }
  if (Attribute ctas = info.get("ctas_per_sm")) {
    auto count = dyn_cast<IntegerAttr>(ctas);
    if (!count || count.getInt() < 1 || count.getInt() > hw::kMaxCtasPerSM)
      return op->emitError() << "sparse_mla.kernel_info: 'ctas_per_sm' must "
                                "be an integer in [1, "
                             << hw::kMaxCtasPerSM << "], but is " << ctas;
  }
  for (StringRef field : {"H", "G", "Dqk", "Dv", "topk", "kv_stride"})
    if (failed(needInt(op, problem, "op ", field, 1)))
      return failure();
  for (StringRef field : {"B", "S", "Skv"}) {
    Attribute size = problem.get(field);
    if (!size || !(isa<UnitAttr>(size) ||
                   (isa<IntegerAttr>(size) &&
                    cast<IntegerAttr>(size).getType().isSignlessInteger(64) &&
                    cast<IntegerAttr>(size).getInt() >= 0)))
      return op->emitError() << "sparse_mla.kernel_info: op '" << field
                             << "' must be an i64 >= 0 or unit (dynamic)";
  }
  FloatAttr scale;
  BoolAttr causal, hasMax;
  StringAttr schedule;
  if (failed(need(op, problem, "op ", "sm_scale", "a float", scale)) ||
      failed(need(op, problem, "op ", "causal", "a bool", causal)) ||
      failed(need(op, problem, "op ", "has_max_logits", "a bool", hasMax)) ||
      failed(need(op, problem, "op ", "schedule", "a string", schedule)))
    return failure();
  return success();
}
