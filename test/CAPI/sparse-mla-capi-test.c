/*===- sparse-mla-capi-test.c - sparse_mla's MLIR C API, from C ----------===//
 *
 * Registers the dialect through its handle, builds a function holding a
 * sparse_mla.fwd with sparseMlaFwdCreate, verifies and prints it, refuses a
 * broken one, then runs sparse-mla-select-schedule on it through a textual
 * pipeline; then parses a channel of the ws dialect (loaded through its own
 * handle) and lowers it with convert-ws-channels-to-nvvm. Checked by
 * test/CAPI/capi.test (FileCheck on the output).
 *
 *===----------------------------------------------------------------------===*/

#include "SparseMLA-c/Dialects.h"
#include "WarpSpec-c/Dialect.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>

static void print(MlirStringRef s, void *user) {
  (void)user;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirType memref(MlirContext ctx, intptr_t rank, const int64_t *shape,
                       MlirType element) {
  return mlirMemRefTypeContiguousGet(element, rank, shape,
                                     mlirAttributeGetNull());
}

/* A func.func @fwd with the op's operands as arguments; `Dv` of out. */
static MlirModule buildModule(MlirContext ctx, int64_t Dv) {
  MlirLocation loc = mlirLocationUnknownGet(ctx);
  MlirModule module = mlirModuleCreateEmpty(loc);
  MlirType bf16 = mlirBF16TypeGet(ctx), f32 = mlirF32TypeGet(ctx);
  MlirType i32 = mlirIntegerTypeGet(ctx, 32);
  const int64_t D = mlirShapedTypeGetDynamicSize();
  const int64_t qs[] = {D, D, 128, 576}, kvs[] = {D, D, 1, 576};
  const int64_t is[] = {D, D, 1, 2048}, os[] = {D, D, 128, Dv};
  const int64_t ls[] = {D, D, 128};
  MlirType types[] = {memref(ctx, 4, qs, bf16), memref(ctx, 4, kvs, bf16),
                      memref(ctx, 4, is, i32),  i32,
                      memref(ctx, 4, os, bf16), memref(ctx, 3, ls, f32)};
  MlirLocation locs[] = {loc, loc, loc, loc, loc, loc};
  MlirType fnType = mlirFunctionTypeGet(ctx, 6, types, 0, NULL);
  MlirRegion body = mlirRegionCreate();
  MlirBlock block = mlirBlockCreate(6, types, locs);
  mlirRegionAppendOwnedBlock(body, block);

  MlirValue a[6];
  for (int i = 0; i < 6; ++i)
    a[i] = mlirBlockGetArgument(block, i);
  MlirOperation fwd = sparseMlaFwdCreate(loc, a[0], a[1], a[2], a[3], a[4],
                                         a[5], (MlirValue){NULL},
                                         /*causal=*/false, 0.0416666679f, 1);
  mlirBlockAppendOwnedOperation(block, fwd);
  MlirOperationState ret =
      mlirOperationStateGet(mlirStringRefCreateFromCString("func.return"), loc);
  mlirBlockAppendOwnedOperation(block, mlirOperationCreate(&ret));

  MlirOperationState fn =
      mlirOperationStateGet(mlirStringRefCreateFromCString("func.func"), loc);
  MlirNamedAttribute attrs[] = {
      mlirNamedAttributeGet(
          mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("sym_name")),
          mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("fwd"))),
      mlirNamedAttributeGet(
          mlirIdentifierGet(ctx,
                            mlirStringRefCreateFromCString("function_type")),
          mlirTypeAttrGet(fnType))};
  mlirOperationStateAddAttributes(&fn, 2, attrs);
  mlirOperationStateAddOwnedRegions(&fn, 1, &body);
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(module),
                                mlirOperationCreate(&fn));
  return module;
}

static MlirLogicalResult onDiagnostic(MlirDiagnostic d, void *user) {
  (void)user;
  printf("diagnostic: ");
  mlirDiagnosticPrint(d, print, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  sparseMlaRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__sparse_mla__(), ctx);
  mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("func"));
  mlirContextAttachDiagnosticHandler(ctx, onDiagnostic, NULL, NULL);
  sparseMlaRegisterAllPasses();

  /* A valid op: verifies and prints. */
  MlirModule module = buildModule(ctx, 512);
  MlirOperation op = mlirModuleGetOperation(module);
  printf("verify: %s\n", mlirOperationVerify(op) ? "ok" : "failed");
  mlirOperationPrint(op, print, NULL);
  printf("\n");

  /* The schedule pass through a textual pipeline. */
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      opm,
      mlirStringRefCreateFromCString(
          "builtin.module(sparse-mla-select-schedule{chip=sm_90a})"),
      print, NULL);
  printf("\npipeline: %s\n", mlirLogicalResultIsSuccess(parsed) ? "ok" : "bad");
  MlirLogicalResult ran = mlirPassManagerRunOnOp(pm, op);
  printf("run: %s\n", mlirLogicalResultIsSuccess(ran) ? "ok" : "failed");
  mlirOperationPrint(op, print, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);

  /* A broken op (Dv = 640 > Dqk = 576): the verifier says why. */
  MlirModule bad = buildModule(ctx, 640);
  printf("verify broken: %s\n",
         mlirOperationVerify(mlirModuleGetOperation(bad)) ? "ok" : "failed");
  mlirModuleDestroy(bad);

  /* The ws dialect through its own handle and passes: a channel's acquire
   * and release become mbarrier waits and arrivals. */
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__ws__(), ctx);
  wsRegisterConversionPasses();
  MlirModule ring = mlirModuleCreateParse(
      ctx, mlirStringRefCreateFromCString(
               "func.func @ring(%bars: memref<2xi64, "
               "#gpu.address_space<workgroup>>, %i: index) {\n"
               "  %ch = ws.channel.create %bars producers(128) consumers(128)\n"
               "      : memref<2xi64, #gpu.address_space<workgroup>> -> "
               "!ws.channel<1>\n"
               "  %s, %t = ws.channel.acquire consumer %ch[%i] : "
               "!ws.channel<1>\n"
               "  ws.channel.release consumer %ch[%s], %t : !ws.channel<1>\n"
               "  return\n"
               "}\n"));
  printf("ws parse: %s\n", mlirModuleIsNull(ring) ? "failed" : "ok");
  MlirPassManager wspm = mlirPassManagerCreate(ctx);
  mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(wspm),
      mlirStringRefCreateFromCString(
          "builtin.module(func.func(convert-ws-channels-to-nvvm))"),
      print, NULL);
  MlirLogicalResult lowered =
      mlirPassManagerRunOnOp(wspm, mlirModuleGetOperation(ring));
  printf("ws lower: %s\n",
         mlirLogicalResultIsSuccess(lowered) ? "ok" : "failed");
  mlirOperationPrint(mlirModuleGetOperation(ring), print, NULL);
  printf("\n");
  mlirPassManagerDestroy(wspm);
  mlirModuleDestroy(ring);
  mlirContextDestroy(ctx);
  return 0;
}
