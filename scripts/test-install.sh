#!/usr/bin/env bash
# The installed compiler as another project sees it: installs build/ into a
# fresh prefix, builds examples/embed against it with find_package(SparseMLA),
# runs it on the example, and checks that its package (or, without a CUDA
# toolkit, its manifest) is byte for byte what sparse-mla-translate writes,
# and that embed-ws (the ws dialect alone, SparseMLA::WarpSpec) lowers the ws
# copy kernel as sparse-mla-opt does; then loads the installed plugin into the
# system's stock mlir-opt.
#   bash scripts/test-install.sh          (after a build in $BUILD_DIR)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
WORK=$(mktemp -d /tmp/sparse-mla-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix
EXAMPLE=$ROOT/examples/deepseek_v32_prefill.mlir

echo "== install into a fresh prefix, then move it (the package is relocatable)"
cmake --install "$BUILD_DIR" --prefix "$WORK/first" > "$WORK/install.log"
if [ -f "$BUILD_DIR/runtime/cmake_install.cmake" ]; then
  # (installed by the command above: the compiler's install includes it)
  for f in lib/libsparse_mla_runtime.so include/sparse_mla/runtime.h bin/sparse-mla-run \
           lib/cmake/SparseMLA/SparseMLARuntimeTargets.cmake; do
    [ -e "$WORK/first/$f" ] || { echo "error: $f was not installed" >&2; exit 1; }
  done
  echo "   (with the runtime: SparseMLA::Runtime)"
fi
mv "$WORK/first" "$PREFIX"
for f in bin/sparse-mla-opt bin/sparse-mla-translate lib/libSparseMLAPlugin.so \
         lib/cmake/SparseMLA/SparseMLAConfig.cmake lib/cmake/SparseMLA/SparseMLAConfigVersion.cmake \
         include/SparseMLA/InitAll.h include/SparseMLA/Target/KernelPackage.h \
         include/WarpSpec/IR/WarpSpec.h include/WarpSpec/IR/WarpSpecOps.h.inc \
         include/WarpSpec/Conversion/Passes.h include/WarpSpec-c/Dialect.h; do
  [ -e "$PREFIX/$f" ] || { echo "error: $f was not installed" >&2; exit 1; }
done

echo "== examples/embed against the prefix (find_package(SparseMLA))"
cmake -S "$ROOT/examples/embed" -B "$WORK/embed" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX" > "$WORK/embed-configure.log" || { cat "$WORK/embed-configure.log"; exit 1; }
cmake --build "$WORK/embed" > "$WORK/embed-build.log" || { cat "$WORK/embed-build.log"; exit 1; }

"$PREFIX/bin/sparse-mla-opt" "$EXAMPLE" --sparse-mla-to-nvvm=chip=sm_90a -o "$WORK/v32.nvvm.mlir"
if "$PREFIX/bin/sparse-mla-translate" --package "$WORK/v32.nvvm.mlir" -o "$WORK/tool.smlapkg" 2> "$WORK/translate.log"; then
  "$WORK/embed/embed" "$EXAMPLE" "$WORK/embed.smlapkg" sm_90a package
  cmp "$WORK/embed.smlapkg" "$WORK/tool.smlapkg"
  echo "== embed's package is byte-identical to sparse-mla-translate --package"
else
  echo "== no CUDA toolkit ($(head -1 "$WORK/translate.log")): comparing manifests only"
  "$WORK/embed/embed" "$EXAMPLE" "$WORK/embed.json" sm_90a manifest
  "$PREFIX/bin/sparse-mla-translate" --manifest "$WORK/v32.nvvm.mlir" -o "$WORK/tool.json"
  cmp "$WORK/embed.json" "$WORK/tool.json"
  echo "== embed's manifest is byte-identical to sparse-mla-translate --manifest"
fi

echo "== embed-ws (SparseMLA::WarpSpec, nothing of sparse_mla linked) lowers the ws copy kernel"
WSCOPY=$ROOT/test/WarpSpec/Conversion/ws-copy-kernel.mlir
"$WORK/embed/embed-ws" "$WSCOPY" > "$WORK/ws-embed.mlir"
"$PREFIX/bin/sparse-mla-opt" "$WSCOPY" \
  --pass-pipeline="builtin.module(gpu.module(convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm))" \
  -o "$WORK/ws-opt.mlir"
cmp "$WORK/ws-embed.mlir" "$WORK/ws-opt.mlir"
if nm -C "$WORK/embed/embed-ws" | grep -q sparse_mla; then
  echo "error: embed-ws contains sparse_mla symbols" >&2; exit 1
fi

echo "== the installed plugin in the system's mlir-opt"
/usr/lib/llvm-22/bin/mlir-opt --load-dialect-plugin="$PREFIX/lib/libSparseMLAPlugin.so" \
  --load-pass-plugin="$PREFIX/lib/libSparseMLAPlugin.so" "$EXAMPLE" \
  --pass-pipeline="builtin.module(sparse-mla-to-nvvm{chip=sm_90a})" -o "$WORK/plugin.mlir"
cmp "$WORK/plugin.mlir" "$WORK/v32.nvvm.mlir"
echo "== install test passed"
