//===- KernelPackage.cpp - lowered module -> kernel package ---------------===//
//
// Reads the output of `sparse-mla-to-nvvm` and produces what the runtime
// loads: the manifest from the launch's kernel_info and the kernel's types,
// the PTX and cubin by gpu-module-to-binary / the toolkit's ptxas.
//
//===----------------------------------------------------------------------===//

#include "SparseMLA/Target/KernelPackage.h"
#include "SparseMLA/Dialect/SparseMLA/IR/SparseMLA.h"
#include "SparseMLA/Target/HardwareLimits.h"
#include "SparseMLA/Version.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"

#include "sparse_mla/package.h"


using namespace mlir;
using namespace mlir::sparse_mla;
namespace hw = mlir::sparse_mla::hw;
namespace pkg = ::sparse_mla::pkg;

namespace {

constexpr StringLiteral kKernelInfoAttrName = "sparse_mla.kernel_info";

/// `value` with every memref.cast above it looked through.
Value stripCasts(Value value) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  return value;
}

/// Fills the manifest from the launch's kernel_info and the kernel's types.
/// The dialect verified kernel_info's shape when it was parsed
/// (SparseMLADialect::verifyOperationAttribute), so fields are read as is.
LogicalResult buildManifest(gpu::LaunchFuncOp launch, StringRef chip,
                            pkg::Manifest &m) {
  Location loc = launch.getLoc();
  auto info = launch->getAttrOfType<DictionaryAttr>(kKernelInfoAttrName);
  auto integer = [](DictionaryAttr dict, StringRef name) {
    return cast<IntegerAttr>(dict.get(name)).getInt();
  };
  auto block = cast<DenseI64ArrayAttr>(info.get("block"));
  auto params = cast<ArrayAttr>(info.get("params"));
  auto op = cast<DictionaryAttr>(info.get("op"));

  m.chip = chip.str();
  m.compiler = SPARSE_MLA_COMPILER_ID;
  m.kernel.entry = cast<StringAttr>(info.get("entry")).str();
  for (int i = 0; i < 3; ++i)
    m.kernel.block[i] = block[i];
  m.kernel.dynamicSharedMemory = integer(info, "dynamic_shared_memory");
  if (auto ctas = info.getAs<IntegerAttr>("ctas_per_sm"))
    m.kernel.ctasPerSm = ctas.getInt();
  for (auto [i, term] : llvm::enumerate(
           cast<ArrayAttr>(info.get("grid")).getAsRange<DictionaryAttr>())) {
    pkg::GridTerm &t = m.kernel.grid[i];
    t.multiplier = integer(term, "multiplier");
    StringRef dim;
    if (auto d = term.getAs<StringAttr>("dim"))
      dim = d.getValue();
    t.dim = llvm::StringSwitch<pkg::GridDim>(dim)
                .Case("B", pkg::GridDim::B)
                .Case("S", pkg::GridDim::S)
                .Case("Skv", pkg::GridDim::Skv)
                .Default(pkg::GridDim::None);
  }

  // Parameters: names from kernel_info, kinds and ranks from the operands.
  if (params.size() != launch.getKernelOperands().size())
    return emitError(loc) << "kernel_info names " << params.size()
                          << " parameters, the launch passes "
                          << launch.getKernelOperands().size();
  for (auto [name, value] :
       llvm::zip(params.getAsRange<StringAttr>(), launch.getKernelOperands())) {
    pkg::Param p;
    p.name = name.str();
    if (auto type = dyn_cast<MemRefType>(value.getType())) {
      p.kind = pkg::ParamKind::Memref;
      p.rank = type.getRank();
      Type elt = type.getElementType();
      p.element = elt.isBF16() ? pkg::kBF16
                  : elt.isF32() ? pkg::kF32
                                : pkg::kI32;
    } else if (auto plan =
                   value.getDefiningOp<mlir::sparse_mla::SplitPlanOp>()) {
      // The split plan the runtime chooses per launch (split_tail).
      if (!m.kernel.splitEntry.empty() &&
          m.kernel.splitEntry != plan.getEntry())
        return emitError(loc) << "kernel parameter '" << name.getValue()
                              << "': a second split plan";
      m.kernel.splitEntry = plan.getEntry().str();
      m.kernel.splitMaxParts = plan.getMaxParts();
      m.kernel.splitWorkspaceBytesPerCta = plan.getWorkspaceBytesPerCta();
      unsigned result = cast<OpResult>(value).getResultNumber();
      p.kind = result == 0   ? pkg::ParamKind::SplitTiles
               : result == 1 ? pkg::ParamKind::SplitParts
                             : pkg::ParamKind::Workspace;
    } else if (value.getType().isInteger(32)) {
      p.kind = pkg::ParamKind::I32;
    } else if (value.getType().isF32()) {
      p.kind = pkg::ParamKind::F32; // scale_log2
    } else if (auto map =
                   value.getDefiningOp<mlir::sparse_mla::TensorMapOp>()) {
      // A tensor map the runtime encodes from the operand the launch passes
      // as the map's source.
      p.kind = pkg::ParamKind::TensorMap;
      pkg::TensorMapSpec spec;
      spec.param = static_cast<int64_t>(m.kernel.params.size());
      for (auto [other, operand] : llvm::zip(params.getAsRange<StringAttr>(),
                                             launch.getKernelOperands())) {
        // The same memref on both sides, through any memref.cast (e.g. of
        // a bufferized function argument to the kernel's layout).
        if (stripCasts(operand) == stripCasts(map.getSource()) &&
            isa<MemRefType>(operand.getType()))
          spec.tensor = other.str();
      }
      if (spec.tensor.empty())
        return emitError(loc) << "tensor map parameter '" << name.getValue()
                              << "' describes a memref the launch does not "
                                 "pass";
      spec.box.assign(map.getBox().begin(), map.getBox().end());
      spec.swizzle = map.getSwizzle();
      m.kernel.tensorMaps.push_back(spec);
    } else {
      return emitError(loc) << "kernel parameter '" << name.getValue()
                            << "' has a type the package ABI does not know: "
                            << value.getType();
    }
    if (auto align = info.getAs<DictionaryAttr>("row_alignment"))
      if (auto bytes = align.getAs<IntegerAttr>(name.getValue()))
        p.rowAlignment = bytes.getInt();
    m.kernel.params.push_back(p);
  }

  // B, S, Skv: a size when static, a unit attribute when dynamic.
  auto dim = [&](StringRef name) -> std::optional<int64_t> {
    if (auto attr = op.getAs<IntegerAttr>(name))
      return attr.getInt();
    return std::nullopt;
  };
  m.op.H = integer(op, "H");
  m.op.G = integer(op, "G");
  m.op.Dqk = integer(op, "Dqk");
  m.op.Dv = integer(op, "Dv");
  m.op.topk = integer(op, "topk");
  m.op.kvStride = integer(op, "kv_stride");
  m.op.B = dim("B");
  m.op.S = dim("S");
  m.op.Skv = dim("Skv");
  m.op.smScale = cast<FloatAttr>(op.get("sm_scale")).getValueAsDouble();
  m.op.causal = cast<BoolAttr>(op.get("causal")).getValue();
  m.op.hasMaxLogits = cast<BoolAttr>(op.get("has_max_logits")).getValue();
  m.op.schedule = cast<StringAttr>(op.get("schedule")).str();

  std::string err;
  if (!pkg::checkManifest(m, err))
    return emitError(loc) << "invalid manifest: " << err;
  return success();
}

/// Fails with a diagnostic where the gpu.module `kernelModule` holds an op
/// its NVVM target's PTX ISA (`+ptxNN` in its features) cannot express:
/// LLVM's NVPTX backend would abort on it ("Cannot select").
LogicalResult checkPtxIsa(ModuleOp module, StringRef kernelModule) {
  auto gpuModule = SymbolTable::lookupNearestSymbolFrom<gpu::GPUModuleOp>(
      module, StringAttr::get(module.getContext(), kernelModule));
  ArrayAttr targets = gpuModule ? gpuModule.getTargetsAttr() : ArrayAttr();
  if (!targets)
    return success(); // diagnosed by the serialization itself
  for (Attribute attr : targets) {
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr);
    if (!target)
      continue;
    // The newest +ptxNN among the features; without one, LLVM's NVPTX
    // backend takes the oldest PTX ISA of the chip.
    std::optional<int64_t> ptx = hw::newestPtxIsa(target.getFeatures());
    if (!ptx) {
      std::optional<hw::Chip> chip = hw::parseChip(target.getChip());
      ptx = chip ? chip->oldestPtxIsa : hw::kPtxIsaOldest;
    }
    WalkResult walk = gpuModule.walk([&](Operation *op) {
      if (!isa<NVVM::FenceProxySyncRestrictOp, NVVM::FenceSyncRestrictOp>(op) ||
          *ptx >= hw::kPtxIsaSyncRestrict)
        return WalkResult::advance();
      op->emitError() << "needs PTX ISA " << hw::kPtxIsaSyncRestrict / 10 << "."
                      << hw::kPtxIsaSyncRestrict % 10
                      << " or newer, but gpu.module @" << kernelModule
                      << " targets PTX ISA " << *ptx / 10 << "." << *ptx % 10
                      << " (features \"" << target.getFeatures()
                      << "\"; compile with features=auto or +ptx"
                      << hw::kPtxIsaSyncRestrict << ")";
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return failure();
  }
  return success();
}

/// Serializes the kernel's gpu.module with gpu-module-to-binary in `format`
/// (isa or bin) and returns the payload.
FailureOr<std::string> serialize(ModuleOp module, StringRef kernelModule,
                                 StringRef format,
                                 const PackageOptions &opts) {
  if (failed(checkPtxIsa(module, kernelModule)))
    return failure();
  if (!opts.toolkit.empty() && !llvm::sys::fs::is_directory(opts.toolkit))
    return emitError(module.getLoc())
               << "--toolkit '" << opts.toolkit
               << "' is not a directory (expected a CUDA toolkit root holding "
                  "bin/ptxas and nvvm/libdevice)",
           failure();
  OwningOpRef<ModuleOp> clone = module.clone();
  // Serialize the requested gpu.module only: another one (say without a
  // target) must not break this one.
  for (auto other :
       llvm::make_early_inc_range(clone->getOps<gpu::GPUModuleOp>()))
    if (other.getName() != kernelModule)
      other.erase();
  PassManager pm(module.getContext());
  GpuModuleToBinaryPassOptions options;
  options.compilationTarget = format.str();
  options.toolkitPath = opts.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(options));
  if (failed(pm.run(*clone)))
    return failure();
  auto binary = SymbolTable::lookupNearestSymbolFrom<gpu::BinaryOp>(
      *clone, StringAttr::get(module.getContext(), kernelModule));
  if (!binary || binary.getObjects().size() != 1)
    return emitError(module.getLoc())
           << "expected one object for gpu.module @" << kernelModule
           << " (is exactly one target attached?)",
           failure();
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  return object.getObject().str();
}

/// The gpu.module `name` with its single #nvvm.target, or a diagnostic.
FailureOr<std::pair<gpu::GPUModuleOp, NVVM::NVVMTargetAttr>>
findKernelModule(ModuleOp module, StringRef name, Location loc) {
  auto gpuModule = SymbolTable::lookupNearestSymbolFrom<gpu::GPUModuleOp>(
      module, StringAttr::get(module.getContext(), name));
  if (!gpuModule)
    return emitError(loc) << "no gpu.module named @" << name
                          << " (serialized already, or never created?)",
           failure();
  if (!gpuModule.getTargets() || gpuModule.getTargets()->size() != 1)
    return emitError(gpuModule.getLoc())
               << "gpu.module @" << name
               << " must have exactly one target (run nvvm-attach-target or "
                  "sparse-mla-to-nvvm)",
           failure();
  auto target = dyn_cast<NVVM::NVVMTargetAttr>((*gpuModule.getTargets())[0]);
  if (!target)
    return emitError(gpuModule.getLoc())
               << "gpu.module @" << name << " must target NVVM, but has "
               << (*gpuModule.getTargets())[0],
           failure();
  // A chip or feature LLVM does not know would be ignored with a warning
  // and end in an abort ("Cannot select"): refuse it here, by name.
  std::string error =
      hw::checkNvptxTarget(target.getChip(), target.getFeatures());
  if (!error.empty())
    return emitError(gpuModule.getLoc())
               << "gpu.module @" << name << ": " << error,
           failure();
  return std::make_pair(gpuModule, target);
}

/// Runs ptxas on `ptx` for `chip` at `-O<optLevel>`. With `verify`, `ptxas
/// -v` fails, quoting ptxas, when a kernel spills, uses local memory, or has
/// setmaxnreg ignored. With `cubin`, a second ptxas without -v (run at the
/// same time) assembles the cubin returned there: the same bytes
/// gpu-module-to-binary's "bin" format gives for a target without extra
/// ptxas flags (it runs this ptxas on this PTX with these options; -v would
/// be recorded in the cubin), without translating the module to PTX a
/// second time.
LogicalResult runPtxas(const PackageOptions &opts, Location loc, StringRef ptx,
                       StringRef chip, int optLevel, bool verify,
                       std::string *cubin = nullptr) {
  std::string ptxas = opts.toolkit + "/bin/ptxas";
  if (opts.toolkit.empty() || !llvm::sys::fs::can_execute(ptxas))
    return emitError(loc) << "--verify-ptxas: no ptxas under toolkit '"
                          << opts.toolkit
                          << "' (pass --toolkit or --verify-ptxas=false)";
  SmallString<64> ptxPath;
  int fd;
  if (llvm::sys::fs::createTemporaryFile("sparse-mla", "ptx", fd, ptxPath))
    return emitError(loc) << "ptxas: cannot create temporary files";
  {
    llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << ptx;
  }
  llvm::FileRemover removePtx(ptxPath);
  std::string arch = "-arch=" + chip.str();
  std::string opt = "-O" + std::to_string(optLevel);
  // One ptxas per job: {-v to /dev/null} and/or {the cubin}.
  struct Job {
    bool verbose;
    SmallString<64> logPath, outPath;
    llvm::sys::ProcessInfo process;
    std::string message;
  };
  SmallVector<Job, 2> jobs;
  if (verify)
    jobs.push_back(Job{true, {}, {}, {}, {}});
  if (cubin)
    jobs.push_back(Job{false, {}, {}, {}, {}});
  SmallVector<llvm::FileRemover, 4> removers;
  // A ptxas already started is waited for before any return (its files are
  // removed on return).
  size_t started = 0;
  auto waitStarted = [&] {
    for (size_t i = 0; i < started; ++i)
      jobs[i].process =
          llvm::sys::Wait(jobs[i].process, std::nullopt, &jobs[i].message);
    started = 0;
  };
  for (Job &job : jobs) {
    if (llvm::sys::fs::createTemporaryFile("sparse-mla", "log", job.logPath)) {
      waitStarted();
      return emitError(loc) << "ptxas: cannot create temporary files";
    }
    removers.emplace_back(job.logPath);
    if (job.verbose) {
      job.outPath = "/dev/null";
    } else {
      if (llvm::sys::fs::createTemporaryFile("sparse-mla", "cubin",
                                             job.outPath)) {
        waitStarted();
        return emitError(loc) << "ptxas: cannot create temporary files";
      }
      removers.emplace_back(job.outPath);
    }
    SmallVector<StringRef> args = {ptxas,   arch, opt,
                                   ptxPath, "-o", job.outPath};
    if (job.verbose)
      args.insert(args.begin() + 1, "-v");
    std::optional<StringRef> redirects[] = {std::nullopt, job.logPath,
                                            job.logPath};
    bool failedToStart = false;
    job.process = llvm::sys::ExecuteNoWait(ptxas, args, std::nullopt, redirects,
                                           /*MemoryLimit=*/0, &job.message,
                                           &failedToStart);
    if (failedToStart) {
      waitStarted();
      return emitError(loc)
             << "ptxas: cannot run " << ptxas << ": " << job.message;
    }
    ++started;
  }
  waitStarted();
  for (Job &job : jobs) {
    auto log = llvm::MemoryBuffer::getFile(job.logPath);
    StringRef text = log ? (*log)->getBuffer() : StringRef();
    int rc = job.process.ReturnCode;
    if (rc != 0)
      return emitError(loc)
             << "ptxas failed ("
             << (job.message.empty() ? "exit " + std::to_string(rc)
                                     : job.message)
             << "):\n"
             << text;
    if (job.verbose) {
      SmallVector<StringRef> problems;
      SmallVector<StringRef> lines;
      text.split(lines, '\n');
      for (StringRef line : lines) {
        if (line.contains("C7508"))
          problems.push_back(line.trim());
        if (line.contains("bytes stack frame") &&
            !line.contains(" 0 bytes stack frame, 0 bytes spill stores, 0 "
                           "bytes spill loads"))
          problems.push_back(line.trim());
        if (line.contains("bytes lmem") && !line.contains(" 0 bytes lmem"))
          problems.push_back(line.trim());
      }
      if (!problems.empty()) {
        InFlightDiagnostic diag = emitError(loc)
                                  << "ptxas -v " << arch << " reports:";
        for (StringRef problem : problems)
          diag << "\n  " << problem;
        return diag;
      }
    } else {
      auto file = llvm::MemoryBuffer::getFile(job.outPath);
      if (!file)
        return emitError(loc)
               << "ptxas: cannot read its output " << job.outPath;
      *cubin = (*file)->getBuffer().str();
    }
  }
  return success();
}

LogicalResult translate(ModuleOp module, PackageOutput mode,
                        const PackageOptions &opts, llvm::raw_ostream &os) {
  if (!opts.gpuModule.empty()) {
    if (mode != PackageOutput::Ptx)
      return emitError(module.getLoc()) << "--gpu-module needs --ptx";
    auto found = findKernelModule(module, opts.gpuModule, module.getLoc());
    if (failed(found))
      return failure();
    FailureOr<std::string> ptx = serialize(module, opts.gpuModule, "isa", opts);
    if (failed(ptx))
      return failure();
    if (opts.verifyPtxas &&
        failed(runPtxas(opts, found->first.getLoc(), *ptx, found->second.getChip(),
                        found->second.getO(), /*verify=*/true)))
      return failure();
    os << *ptx;
    return success();
  }
  SmallVector<gpu::LaunchFuncOp> launches;
  module.walk([&](gpu::LaunchFuncOp launch) {
    if (launch->hasAttr(kKernelInfoAttrName) &&
        (opts.kernel.empty() ||
         launch.getKernelName().getValue() == opts.kernel))
      launches.push_back(launch);
  });
  if (launches.size() != 1)
    return emitError(module.getLoc())
           << "expected exactly one sparse_mla kernel launch"
           << (opts.kernel.empty() ? "" : " named '" + opts.kernel + "'")
           << ", found " << launches.size()
           << " (run sparse-mla-to-nvvm first; pick one with --kernel)";
  gpu::LaunchFuncOp launch = launches.front();
  StringRef kernelModule = launch.getKernelModuleName().getValue();
  auto found = findKernelModule(module, kernelModule, launch.getLoc());
  if (failed(found))
    return failure();
  auto [gpuModule, target] = *found;
  auto entry = launch->getAttrOfType<DictionaryAttr>(kKernelInfoAttrName)
                   .getAs<StringAttr>("entry");
  if (entry.getValue() != launch.getKernelName().getValue())
    return emitError(launch.getLoc())
           << "sparse_mla.kernel_info names entry '" << entry.getValue()
           << "', but the launch calls @" << launch.getKernelName().getValue();

  pkg::Manifest manifest;
  if (failed(buildManifest(launch, target.getChip(), manifest)))
    return failure();
  if (mode == PackageOutput::Manifest) {
    os << pkg::manifestToJson(manifest) << "\n";
    return success();
  }

  FailureOr<std::string> ptx = serialize(module, kernelModule, "isa", opts);
  if (failed(ptx))
    return failure();
  // The cubin from this PTX by the toolkit's ptxas when it has one (the
  // bytes gpu-module-to-binary would produce, at half the time: the module
  // is translated to PTX once); else by gpu-module-to-binary.
  const bool direct = mode == PackageOutput::Package && !opts.toolkit.empty() &&
                      llvm::sys::fs::can_execute(opts.toolkit + "/bin/ptxas") &&
                      (!target.getFlags() || target.getFlags().empty());
  std::string directCubin;
  if ((opts.verifyPtxas || direct) &&
      failed(runPtxas(opts, gpuModule.getLoc(), *ptx, target.getChip(), target.getO(),
                      opts.verifyPtxas, direct ? &directCubin : nullptr)))
    return failure();
  if (mode == PackageOutput::Ptx) {
    os << *ptx;
    return success();
  }
  FailureOr<std::string> cubin = direct
                                     ? FailureOr<std::string>(directCubin)
                                     : serialize(module, kernelModule, "bin", opts);
  if (failed(cubin))
    return failure();
  std::vector<pkg::Section> sections(2);
  sections[0].kind = pkg::kSectionCubin;
  sections[0].data.assign(cubin->begin(), cubin->end());
  sections[1].kind = pkg::kSectionPtx;
  sections[1].data.assign(ptx->begin(), ptx->end());
  std::vector<uint8_t> bytes = pkg::writePackage(manifest, sections);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  return success();
}

} // namespace

FailureOr<std::string>
mlir::sparse_mla::translateToKernelPackage(ModuleOp module,
                                           PackageOutput output,
                                           const PackageOptions &options) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  if (failed(translate(module, output, options, os)))
    return failure();
  os.flush();
  return bytes;
}

const char *mlir::sparse_mla::defaultCudaToolkit() {
  return SPARSE_MLA_DEFAULT_CUDA_TOOLKIT;
}
