"""Compiling a kernel package for a :class:`KernelConfig` with the project's
compiler (``sparse-mla-opt`` and ``sparse-mla-translate``), where it is
installed. Needs neither torch nor a GPU."""
import os
import shutil
import subprocess
import tempfile

from ._package import f32_text

TOOLS = ("sparse-mla-opt", "sparse-mla-translate")


class CompilerNotFound(RuntimeError):
    """The compiler's tools are not on PATH (nor in SPARSE_MLA_BIN)."""


def find_tools():
    """``{"sparse-mla-opt": path, "sparse-mla-translate": path}``, from
    ``$SPARSE_MLA_BIN`` if set, else ``PATH``; None when either is missing."""
    found = {}
    bin_dir = os.environ.get("SPARSE_MLA_BIN")
    for tool in TOOLS:
        path = None
        if bin_dir:
            candidate = os.path.join(bin_dir, tool)
            if os.access(candidate, os.X_OK):
                path = candidate
        else:
            path = shutil.which(tool)
        if not path:
            return None
        found[tool] = path
    return found


def compiler_id(tools):
    """``sparse_mla 0.5.0 (LLVM/MLIR 22.1.8)``: the line ``--version`` prints."""
    out = subprocess.run([tools["sparse-mla-opt"], "--version"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("sparse_mla "):
            return line.strip()
    raise RuntimeError("%s --version printed no 'sparse_mla' line:\n%s"
                       % (tools["sparse-mla-opt"], out))


def op_source(config, name="sparse_mla_fwd"):
    """The MLIR function holding the op of ``config`` (dynamic B, S, Skv)."""
    H, G, Dqk, Dv, topk = config.H, config.G, config.Dqk, config.Dv, config.topk
    q = "memref<?x?x%dx%dxbf16>" % (H, Dqk)
    kv = "memref<?x?x%dx%dxbf16>" % (G, Dqk)
    idx = "memref<?x?x%dx%dxi32>" % (G, topk)
    out = "memref<?x?x%dx%dxbf16>" % (H, Dv)
    row = "memref<?x?x%dxf32>" % H
    args = ["%%q: %s" % q, "%%kv: %s" % kv, "%%idx: %s" % idx, "%q_start: i32"]
    optional = ""
    if config.attn_sink:
        sink = "memref<%dxf32>" % H
        args.append("%%sink: %s" % sink)
        optional += " attn_sink(%%sink : %s)" % sink
    if config.topk_length:
        args.append("%len: memref<?x?xi32>")
        optional += " topk_length(%len : memref<?x?xi32>)"
    args += ["%%out: %s" % out, "%%lse: %s" % row]
    ml = ""
    if config.max_logits:
        args.append("%%ml: %s" % row)
        ml = " max_logits(%%ml : %s)" % row
    attrs = "causal = %s, kv_stride = %d : i64, sm_scale = %s : f32" % (
        "true" if config.causal else "false", config.kv_stride,
        f32_text(config.sm_scale))
    return ("func.func @%s(%s) {\n"
            "  sparse_mla.fwd q(%%q : %s) kv(%%kv : %s) indices(%%idx : %s)\n"
            "    q_start(%%q_start)%s out(%%out : %s) lse(%%lse : %s)%s\n"
            "    {%s}\n"
            "  return\n}\n") % (name, ", ".join(args), q, kv, idx, optional, out,
                                row, ml, attrs)


def compile_package(config, dest, tools=None, toolkit=None):
    """Compiles the package of ``config`` into the file ``dest`` (written
    whole or not at all). Raises :class:`CompilerNotFound` without the tools
    and RuntimeError with the compiler's diagnostics when it refuses."""
    tools = tools or find_tools()
    if not tools:
        raise CompilerNotFound(
            "sparse-mla-opt and sparse-mla-translate are not on PATH "
            "(or in $SPARSE_MLA_BIN)")
    dest_dir = os.path.dirname(os.path.abspath(dest))
    os.makedirs(dest_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".compile-") as tmp:
        src = os.path.join(tmp, "op.mlir")
        lowered = os.path.join(tmp, "op.nvvm.mlir")
        pkg = os.path.join(tmp, "op.smlapkg")
        with open(src, "w") as f:
            f.write(op_source(config))
        pipeline = "--sparse-mla-to-nvvm=chip=%s schedule=%s" % (
            config.chip, config.schedule)
        steps = [[tools["sparse-mla-opt"], src, pipeline, "-o", lowered],
                 [tools["sparse-mla-translate"], "--package", lowered, "-o", pkg]]
        if toolkit:
            steps[1].insert(1, "--toolkit=" + toolkit)
        for cmd in steps:
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(
                    "compiling %s failed (%s exited %d):\n%s\nthe op:\n%s"
                    % (config.describe(), os.path.basename(cmd[0]),
                       r.returncode, r.stderr.strip(), op_source(config)))
        os.replace(pkg, dest)
    return dest
