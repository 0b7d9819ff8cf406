//===- WarpSpecInterfaces.td - ws interfaces -------------*- tablegen -*-===//

#ifndef WARPSPEC_INTERFACES_TD
#define WARPSPEC_INTERFACES_TD

include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"

def WarpSpec_MemoryProxy : I32EnumAttr<"MemoryProxy",
    "the memory proxy through which an operation accesses shared memory", [
      I32EnumAttrCase<"generic", 0>,
      I32EnumAttrCase<"async", 1>
    ]> {
  let cppNamespace = "::mlir::ws";
  let description = [{
    PTX ISA 8.x, "Memory Consistency Model", "Proxies": ordinary loads and
    stores and `cp.async` act through the generic proxy; TMA
    (`cp.async.bulk*`) and `wgmma.mma_async` operand reads act through the
    async proxy. Accesses through different proxies to the same memory are
    ordered only by a proxy fence.
  }];
}

def WarpSpec_SharedMemoryProxyOpInterface
    : OpInterface<"SharedMemoryProxyOpInterface"> {
  let cppNamespace = "::mlir::ws";
  let description = [{
    An operation of another dialect that reads or writes shared memory
    names the proxy it goes through, so that `ws-insert-proxy-fences` can
    order a channel's writes before its reads without knowing the dialect.
    (The pass knows the upstream NVVM and LLVM operations itself.)
  }];
  let methods = [
    InterfaceMethod<
      "The proxy through which the operation reads shared memory, or none",
      "std::optional<::mlir::ws::MemoryProxy>", "getSharedMemoryReadProxy">,
    InterfaceMethod<
      "The proxy through which the operation writes shared memory, or none",
      "std::optional<::mlir::ws::MemoryProxy>", "getSharedMemoryWriteProxy">,
  ];
}

#endif // WARPSPEC_INTERFACES_TD
