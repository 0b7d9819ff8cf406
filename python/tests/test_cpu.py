"""Tests of the Python package that need neither torch nor a GPU: kernel
configurations, package lookup and the cache, compiling on demand (where
the compiler is built), operand validation, the runtime bindings' loading,
the wheel. Run: python3 -m unittest discover -s python/tests -p 'test_cpu*.py'
(scripts/test.sh does). Environment: SPARSE_MLA_BIN (the compiler's bin
dir), SPARSE_MLA_RUNTIME_LIB (a built runtime library)."""
import contextlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import types
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PYROOT = os.path.dirname(HERE)
ROOT = os.path.dirname(PYROOT)
sys.path.insert(0, PYROOT)

import sparse_mla  # noqa: E402
from sparse_mla import _cache, _compile, _package, _prebuilt, _validate  # noqa: E402
from sparse_mla._package import KernelConfig, parse_config  # noqa: E402

V32 = dict(H=128, G=1, Dqk=576, Dv=512, topk=2048, causal=False, kv_stride=1,
           sm_scale=1 / 24)
BIN = os.environ.get("SPARSE_MLA_BIN") or os.path.join(ROOT, "build", "bin")
HAVE_COMPILER = all(os.access(os.path.join(BIN, t), os.X_OK)
                    for t in _compile.TOOLS)
PTXAS = shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas")
RUNTIME_LIB = os.environ.get("SPARSE_MLA_RUNTIME_LIB") or os.path.join(
    ROOT, "build", "runtime", "libsparse_mla_runtime.so")


@contextlib.contextmanager
def env(**values):
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def manifest_of(config, **override):
    op = {"H": config.H, "G": config.G, "Dqk": config.Dqk, "Dv": config.Dv,
          "topk": config.topk, "B": None, "S": None, "Skv": None,
          "sm_scale": config.sm_scale, "kv_stride": config.kv_stride,
          "causal": config.causal, "has_max_logits": config.max_logits,
          "schedule": "#sparse_mla.schedule<seesaw, heads_per_cta = 64>"}
    m = {"format": "sparse_mla.package", "version": 1, "chip": config.chip,
         "kernel": {"entry": "k"}, "op": op}
    for k, v in override.items():
        if k in ("chip", "kernel"):
            m[k] = v
        else:
            op[k] = v
    return m


def write_fake_package(path, manifest):
    text = json.dumps(manifest).encode()
    body = (_package.MAGIC + struct.pack("<II", 1, len(text)) + text +
            struct.pack("<I", 1) + struct.pack("<IIQ", 2, 0, 4) + b"ptx\0")
    with open(path, "wb") as f:
        f.write(body + struct.pack("<Q", _package.fnv1a64(body)))


class ConfigTest(unittest.TestCase):
    def test_describe_parse_round_trip(self):
        c = KernelConfig(**V32)
        self.assertEqual(parse_config(c.describe()), c)
        self.assertIn("sm_scale=0.041666668", c.describe())

    def test_parse_defaults_and_errors(self):
        c = parse_config("H=64 G=1 Dqk=576 Dv=512 topk=512")
        self.assertTrue(c.causal)
        self.assertEqual(c.sm_scale, _package.f32(1 / math.sqrt(576)))
        for bad, msg in (("H=64", "G is required"),
                         ("H=64 G=1 Dqk=576 Dv=512 topk=x", "expected an integer"),
                         ("H=64 G=1 Dqk=576 Dv=512 topk=8 causal=maybe",
                          "expected true or false"),
                         ("H=64 foo=1", "NAME one of"),
                         ("H=0 G=1 Dqk=576 Dv=512 topk=8", "H: expected an integer >= 1"),
                         ("H=64 G=1 Dqk=576 Dv=512 topk=8 sm_scale=-1",
                          "sm_scale: expected a finite value > 0"),
                         ("H=64 G=1 Dqk=576 Dv=512 topk=8 schedule=fast",
                          "schedule: expected one of")):
            with self.assertRaisesRegex(ValueError, msg):
                parse_config(bad)

    def test_key_depends_on_every_field(self):
        base = KernelConfig(**V32)
        keys = {base.key(), base.key("compiler 2")}
        variants = [dict(H=64), dict(G=2), dict(Dqk=512), dict(Dv=448),
                    dict(topk=1024), dict(causal=True), dict(kv_stride=2),
                    dict(sm_scale=0.1), dict(max_logits=False),
                    dict(attn_sink=True), dict(topk_length=True),
                    dict(chip="sm_80"), dict(schedule="simple")]
        for v in variants:
            keys.add(KernelConfig(**dict(V32, **v)).key())
        self.assertEqual(len(keys), 2 + len(variants))
        # sm_scale is keyed by its float32 value.
        self.assertEqual(KernelConfig(**dict(V32, sm_scale=1 / 24 + 1e-12)).key(),
                         base.key())

    def test_matches(self):
        c = KernelConfig(**V32)
        self.assertTrue(c.matches(manifest_of(c)))
        # A kernel that takes the scale at launch serves every scale.
        dynamic = manifest_of(c, sm_scale=0.3)
        dynamic["kernel"]["params"] = [{"name": "scale_log2", "kind": "f32"}]
        self.assertTrue(_package.takes_scale(dynamic))
        self.assertFalse(_package.takes_scale(manifest_of(c)))
        self.assertTrue(c.matches(dynamic))
        for override in (dict(H=64), dict(topk=1024), dict(causal=True),
                         dict(kv_stride=2), dict(sm_scale=0.05),
                         dict(has_max_logits=False), dict(S=128),
                         dict(chip="sm_80"), dict(has_attn_sink=True),
                         dict(kernel={"entry": "k", "split": {}}),
                         dict(kernel={"entry": "k", "params": [
                             {"name": "topk_length", "kind": "memref"}]})):
            self.assertFalse(c.matches(manifest_of(c, **override)), override)
        simple = KernelConfig(**dict(V32, schedule="simple"))
        self.assertFalse(simple.matches(manifest_of(c)))
        self.assertTrue(KernelConfig(**dict(V32, schedule="seesaw")).matches(
            manifest_of(c)))


class PrebuiltTest(unittest.TestCase):
    def test_prebuilt_set_is_complete_and_current(self):
        """Every prebuilt configuration has exactly one package, of this
        version of the compiler, and there is no other package."""
        files = sorted(f for f in os.listdir(_cache.PREBUILT_DIR)
                       if f.endswith(".smlapkg"))
        manifests = {f: _package.read_manifest(
            os.path.join(_cache.PREBUILT_DIR, f)) for f in files}
        configs = _prebuilt.configs()
        self.assertEqual(len(files), len(configs))
        for f, m in manifests.items():
            self.assertTrue(_package.takes_scale(m), f)
        with open(os.path.join(ROOT, "VERSION")) as f:
            version = f.read().strip()
        for c in configs:
            hits = [f for f, m in manifests.items() if c.matches(m)]
            self.assertEqual(len(hits), 1, c.describe())
            self.assertEqual(hits[0], "fwd_%s.smlapkg" % c.key())
            self.assertIn("sparse_mla %s " % version,
                          manifests[hits[0]].get("compiler", ""))
        self.assertEqual(sparse_mla.__version__, version)

    def test_hash_verifies(self):
        f = sorted(os.listdir(_cache.PREBUILT_DIR))[0]
        path = os.path.join(_cache.PREBUILT_DIR, f)
        _package.read_manifest(path, verify_hash=True)
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.smlapkg")
            data = bytearray(_read(path))
            data[len(data) // 2] ^= 1
            _write(bad, bytes(data))
            with self.assertRaisesRegex(_package.PackageError, "hash mismatch"):
                _package.read_manifest(bad, verify_hash=True)
            _write(bad, b"not a package at all")
            with self.assertRaisesRegex(_package.PackageError, "magic"):
                _package.read_manifest(bad)

    @unittest.skipUnless(HAVE_COMPILER and PTXAS,
                         "needs the compiler (build/bin) and ptxas")
    def test_prebuilt_packages_are_what_the_compiler_builds(self):
        """One prebuilt package rebuilt now is byte-identical (the others
        differ only in attributes; scripts/build-python-kernels.sh rebuilds
        them all)."""
        c = _prebuilt.configs()[-1]
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, "p.smlapkg")
            with env(SPARSE_MLA_BIN=BIN):
                _compile.compile_package(c, dest)
            ship = os.path.join(_cache.PREBUILT_DIR, "fwd_%s.smlapkg" % c.key())
            self.assertEqual(_read(dest), _read(ship),
                             "stale prebuilt packages: run "
                             "scripts/build-python-kernels.sh")


class LookupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def registry(self):
        return _cache.Registry()

    def test_prebuilt_found_without_compiler(self):
        c = KernelConfig(**V32)
        with env(SPARSE_MLA_BIN=self.tmp, SPARSE_MLA_KERNEL_PATH=None,
                 SPARSE_MLA_CACHE_DIR=self.tmp):
            path = self.registry().find(c)
        self.assertEqual(os.path.dirname(path), _cache.PREBUILT_DIR)

    def test_user_dir_first_then_prebuilt(self):
        c = KernelConfig(**V32)
        mine = os.path.join(self.tmp, "mine")
        os.makedirs(mine)
        write_fake_package(os.path.join(mine, "x.smlapkg"), manifest_of(c))
        _write(os.path.join(mine, "junk.smlapkg"), "junk")
        with env(SPARSE_MLA_KERNEL_PATH=os.pathsep.join(["/nonexistent", mine]),
                 SPARSE_MLA_BIN=self.tmp):
            reg = self.registry()
            self.assertEqual(reg.find(c), os.path.join(mine, "x.smlapkg"))
            # A package added later is seen (the directory is re-read).
            other = KernelConfig(**dict(V32, topk=64))
            write_fake_package(os.path.join(mine, "y.smlapkg"),
                               manifest_of(other))
            self.assertEqual(reg.find(other), os.path.join(mine, "y.smlapkg"))

    def test_cache_scanned_without_compiler(self):
        c = KernelConfig(**dict(V32, topk=64))
        cache = os.path.join(self.tmp, "cache")
        os.makedirs(cache)
        write_fake_package(os.path.join(cache, "z.smlapkg"), manifest_of(c))
        with env(SPARSE_MLA_BIN=self.tmp, SPARSE_MLA_CACHE_DIR=cache,
                 SPARSE_MLA_KERNEL_PATH=None):
            self.assertEqual(self.registry().find(c),
                             os.path.join(cache, "z.smlapkg"))

    def test_missing_names_config_and_command(self):
        c = KernelConfig(**dict(V32, topk=64, H=32))
        with env(SPARSE_MLA_BIN=self.tmp, SPARSE_MLA_CACHE_DIR=self.tmp,
                 SPARSE_MLA_KERNEL_PATH=None):
            with self.assertRaises(sparse_mla.KernelNotFound) as e:
                self.registry().find(c)
        msg = str(e.exception)
        self.assertIn(c.describe(), msg)
        self.assertIn("python3 -m sparse_mla build --out DIR '%s'"
                      % c.describe(), msg)
        self.assertIn("not on PATH", msg)

    def test_cache_dir_resolution(self):
        with env(SPARSE_MLA_CACHE_DIR=None, XDG_CACHE_HOME="/x"):
            self.assertEqual(_cache.cache_dir(), "/x/sparse_mla")
        with env(SPARSE_MLA_CACHE_DIR="/y"):
            self.assertEqual(_cache.cache_dir(), "/y")

    @unittest.skipUnless(HAVE_COMPILER and PTXAS,
                         "needs the compiler (build/bin) and ptxas")
    def test_compile_on_demand_concurrently(self):
        """Three processes ask for the same new configuration at once: one
        package is compiled, all three get it, nothing half-written stays."""
        c = KernelConfig(**dict(V32, H=64, topk=256, causal=True))
        cache = os.path.join(self.tmp, "cache")
        code = ("import sys; sys.path.insert(0, %r); import sparse_mla; "
                "print(sparse_mla.find_package(sparse_mla.parse_config(%r)))"
                % (PYROOT, c.describe()))
        with env(SPARSE_MLA_BIN=BIN, SPARSE_MLA_CACHE_DIR=cache,
                 SPARSE_MLA_KERNEL_PATH=None):
            procs = [subprocess.Popen([sys.executable, "-c", code],
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for _ in range(3)]
            outs = [p.communicate() for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        paths = {o.strip() for o, _ in outs}
        self.assertEqual(len(paths), 1)
        path = paths.pop()
        self.assertTrue(c.matches(_package.read_manifest(path, verify_hash=True)))
        left = sorted(os.listdir(cache))
        self.assertEqual([f for f in left if f.endswith(".smlapkg")],
                         [os.path.basename(path)])
        self.assertFalse([f for f in left if f.startswith(".compile-")])

    @unittest.skipUnless(HAVE_COMPILER, "needs the compiler (build/bin)")
    def test_compiler_refusal_is_reported(self):
        c = KernelConfig(**dict(V32, H=96, G=4))  # 4 groups of 24 heads
        with env(SPARSE_MLA_BIN=BIN):
            try:
                _compile.compile_package(c, os.path.join(self.tmp, "p.smlapkg"))
            except RuntimeError as e:
                self.assertIn("compiling H=96 G=4", str(e))
                self.assertIn("sparse_mla.fwd", str(e))
            else:  # Compiled: then it must be a real package.
                _package.read_manifest(os.path.join(self.tmp, "p.smlapkg"),
                                       verify_hash=True)

    def test_op_source(self):
        text = _compile.op_source(KernelConfig(**dict(V32, causal=True,
                                                      kv_stride=2)))
        self.assertIn("memref<?x?x128x576xbf16>", text)
        self.assertIn("indices(%idx : memref<?x?x1x2048xi32>)", text)
        self.assertIn("causal = true, kv_stride = 2 : i64, "
                      "sm_scale = 0.041666668 : f32", text)
        text = _compile.op_source(KernelConfig(**dict(V32, max_logits=False)))
        self.assertNotIn("max_logits", text)
        text = _compile.op_source(KernelConfig(**dict(V32, attn_sink=True,
                                                      topk_length=True)))
        self.assertIn("%q_start: i32, %sink: memref<128xf32>, "
                      "%len: memref<?x?xi32>, %out:", text)
        self.assertIn("q_start(%q_start) attn_sink(%sink : memref<128xf32>) "
                      "topk_length(%len : memref<?x?xi32>) out(", text)
        text = _compile.op_source(KernelConfig(**dict(V32, topk_length=True)))
        self.assertNotIn("attn_sink", text)
        self.assertIn("q_start(%q_start) topk_length(", text)

    @unittest.skipUnless(HAVE_COMPILER, "needs the compiler (build/bin)")
    def test_compile_optional_operands(self):
        c = KernelConfig(**dict(V32, causal=True, attn_sink=True,
                                topk_length=True))
        with env(SPARSE_MLA_BIN=BIN):
            path = _compile.compile_package(c, os.path.join(self.tmp,
                                                            "p.smlapkg"))
        manifest = _package.read_manifest(path, verify_hash=True)
        self.assertTrue(c.matches(manifest))
        self.assertFalse(KernelConfig(**dict(V32, causal=True)).matches(
            manifest))


class _DType:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


class FakeTensor:
    """Shaped like a torch.Tensor, for the validation rules."""

    def __init__(self, shape, dtype="torch.bfloat16", strides=None, ptr=1 << 20,
                 device="cuda", index=0):
        self.shape = tuple(shape)
        self.dtype = _DType(dtype)
        if strides is None:
            strides, acc = [], 1
            for s in reversed(self.shape):
                strides.insert(0, acc)
                acc *= max(s, 1)
        self._strides = tuple(strides)
        self._ptr = ptr
        self.device = types.SimpleNamespace(type=device, index=index)

    def stride(self):
        return self._strides

    def get_device(self):
        return self.device.index if self.device.type == "cuda" else -1

    def data_ptr(self):
        return self._ptr




class ValidationTest(unittest.TestCase):
    def ok(self, B=2, S=3, H=128, Skv=100, G=1, topk=2048):
        return (FakeTensor((B, S, H, 576)), FakeTensor((B, Skv, G, 576)),
                FakeTensor((B, S, G, topk), "torch.int32"))

    def test_good_inputs(self):
        self.assertEqual(_validate.check_inputs(*self.ok()),
                         (2, 3, 128, 576, 100, 1, 2048))

    def expect(self, exc, pattern, q, kv, idx):
        with self.assertRaisesRegex(exc, pattern):
            _validate.check_inputs(q, kv, idx)

    def test_each_rule(self):
        q, kv, idx = self.ok()
        self.expect(TypeError, "q: expected a torch.Tensor, got list", [], kv, idx)
        self.expect(TypeError, "q: expected dtype torch.bfloat16, got torch.float32",
                    FakeTensor(q.shape, "torch.float32"), kv, idx)
        self.expect(TypeError, "indices: expected dtype torch.int32, got torch.int64",
                    q, kv, FakeTensor(idx.shape, "torch.int64"))
        self.expect(ValueError, "q: expected a CUDA tensor, got one on cpu",
                    FakeTensor(q.shape, device="cpu", index=None), kv, idx)
        self.expect(ValueError, r"kv: expected rank 4, got shape \[100, 1, 576\]",
                    q, FakeTensor((100, 1, 576)), idx)
        self.expect(ValueError, r"kv: expected shape \[2, 100, 1, 576\] "
                    r"\(B=2, Skv=100, G=1, Dqk=576\), got \[2, 100, 1, 512\]",
                    q, FakeTensor((2, 100, 1, 512)), idx)
        self.expect(ValueError, "kv groups .* must divide the 128 heads",
                    q, FakeTensor((2, 100, 3, 576)), FakeTensor((2, 3, 3, 2048),
                                                                "torch.int32"))
        self.expect(ValueError, r"indices: expected shape \[2, 3, 1, 2048\]",
                    q, kv, FakeTensor((2, 4, 1, 2048), "torch.int32"))
        self.expect(ValueError, "last dimension must be contiguous",
                    FakeTensor(q.shape, strides=(1, 1, 1, 2)), kv, idx)
        self.expect(ValueError, "broadcast or expanded",
                    FakeTensor(q.shape, strides=(0, 128 * 576, 576, 1)), kv, idx)
        self.expect(ValueError, "data pointer 0x100002 is not 16-byte aligned",
                    FakeTensor(q.shape, ptr=(1 << 20) + 2), kv, idx)
        self.expect(ValueError, "stride 577 of dimension 2 is 1154 bytes, not "
                    "a multiple of 16",
                    FakeTensor(q.shape, strides=(3 * 128 * 577, 128 * 577, 577, 1)),
                    kv, idx)
        self.expect(ValueError, "kv: expected the device of q",
                    q, FakeTensor(kv.shape, index=1), idx)
        # Indices rows need no 16-byte strides; empty tensors need nothing.
        _validate.check_inputs(q, kv, FakeTensor(idx.shape, "torch.int32",
                                                 strides=(3 * 2049, 2049, 2049, 1)))
        _validate.check_inputs(FakeTensor((0, 3, 128, 576), ptr=0),
                               FakeTensor((0, 100, 1, 576), ptr=0),
                               FakeTensor((0, 3, 1, 2048), "torch.int32", ptr=0))

    def test_outputs(self):
        q = FakeTensor((2, 3, 128, 576))
        _validate.check_outputs(q, FakeTensor((2, 3, 128, 512)),
                                FakeTensor((2, 3, 128), "torch.float32"), None,
                                2, 3, 128, 512)
        with self.assertRaisesRegex(ValueError, r"lse: expected shape \[2, 3, 128\]"):
            _validate.check_outputs(q, None, FakeTensor((2, 3, 64), "torch.float32"),
                                    None, 2, 3, 128, 512)
        with self.assertRaisesRegex(TypeError, "max_logits: expected dtype torch.float32"):
            _validate.check_outputs(q, None, None, FakeTensor((2, 3, 128)),
                                    2, 3, 128, 512)

    def test_optional_operands(self):
        q = FakeTensor((2, 3, 128, 576))
        sink = FakeTensor((128,), "torch.float32")
        length = FakeTensor((2, 3), "torch.int32")
        _validate.check_optional(q, sink, length, 2, 3, 128)
        _validate.check_optional(q, None, None, 2, 3, 128)
        _validate.check_optional(FakeTensor((3, 128, 576)), sink,
                                 FakeTensor((3,), "torch.int32"), 1, 3, 128,
                                 rank=3)
        for args, exc, msg in (
                ((FakeTensor((64,), "torch.float32"), None), ValueError,
                 r"attn_sink: expected shape \[128\] \(H=128\), got \[64\]"),
                ((FakeTensor((128,)), None), TypeError,
                 "attn_sink: expected dtype torch.float32, got torch.bfloat16"),
                ((None, FakeTensor((2, 3), "torch.int64")), TypeError,
                 "topk_length: expected dtype torch.int32, got torch.int64"),
                ((None, FakeTensor((2, 4), "torch.int32")), ValueError,
                 r"topk_length: expected shape \[2, 3\] \(B=2, S=3\), got \[2, 4\]"),
                ((None, FakeTensor((6,), "torch.int32")), ValueError,
                 r"topk_length: expected shape \[2, 3\] \(B=2, S=3\), got \[6\]"),
                ((FakeTensor((128,), "torch.float32", index=1), None),
                 ValueError, "attn_sink: expected the device of q"),
                ((FakeTensor((128,), "torch.float32", device="cpu",
                             index=None), None),
                 ValueError, "attn_sink: expected a CUDA tensor, got one on cpu")):
            with self.assertRaisesRegex(exc, msg):
                _validate.check_optional(q, *args, 2, 3, 128)
        with self.assertRaisesRegex(ValueError, r"topk_length: expected shape "
                                    r"\[3\] \(S=3\), got \[1\]"):
            _validate.check_optional(FakeTensor((3, 128, 576)), None,
                                     FakeTensor((1,), "torch.int32"), 1, 3,
                                     128, rank=3)

    def test_scalars(self):
        sch = _package.SCHEDULES
        self.assertAlmostEqual(_validate.check_scalars(576, 0, None, True, 1,
                                                       "default", sch), 1 / 24)
        for args, exc, msg in (
                ((576, 1 << 31, None, True, 1, "default"), ValueError, "q_start"),
                ((576, 1.5, None, True, 1, "default"), TypeError, "q_start"),
                ((576, 0, None, 1, 1, "default"), TypeError, "causal"),
                ((576, 0, None, True, 0, "default"), ValueError, "kv_stride"),
                ((576, 0, float("nan"), True, 1, "default"), ValueError, "sm_scale"),
                ((576, 0, 1e39, True, 1, "default"), ValueError, "sm_scale"),
                ((576, 0, "x", True, 1, "default"), TypeError, "sm_scale"),
                ((576, 0, None, True, 1, "fast"), ValueError, "schedule")):
            with self.assertRaisesRegex(exc, msg):
                _validate.check_scalars(*args, sch)


class RuntimeBindingTest(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(RUNTIME_LIB), "runtime library not built")
    def test_loads_a_package_without_cuda(self):
        from sparse_mla import _runtime
        with env(SPARSE_MLA_RUNTIME_LIB=RUNTIME_LIB):
            _runtime._lib = None
            pkg = _runtime.Package(sparse_mla.find_package(KernelConfig(**V32),
                                                           compile=False))
            self.assertEqual(pkg.loaded_binary(), "none")
            with self.assertRaises(_runtime.LaunchError) as e:
                _runtime.Package(os.path.join(HERE, "test_cpu.py"))
            self.assertIn("SMLA_ERROR_INVALID_PACKAGE", str(e.exception))

    def test_missing_library_is_named(self):
        from sparse_mla import _runtime
        saved = _runtime._lib, _runtime.candidate_paths
        try:
            _runtime._lib = None
            _runtime.candidate_paths = lambda: ["/nonexistent/libx.so"]
            import ctypes.util
            find = ctypes.util.find_library
            ctypes.util.find_library = lambda name: None
            try:
                with self.assertRaisesRegex(_runtime.RuntimeNotFound,
                                            "SPARSE_MLA_RUNTIME_LIB"):
                    _runtime.library()
            finally:
                ctypes.util.find_library = find
        finally:
            _runtime._lib, _runtime.candidate_paths = saved


class WheelTest(unittest.TestCase):
    def test_wheel_contents(self):
        sys.path.insert(0, os.path.join(PYROOT, "_build"))
        import backend
        with tempfile.TemporaryDirectory() as tmp:
            have = os.path.exists(RUNTIME_LIB)
            with env(SPARSE_MLA_RUNTIME_LIB=RUNTIME_LIB if have else None,
                     SPARSE_MLA_SKIP_RUNTIME=None if have else "1"):
                name = backend.build_wheel(tmp)
            with zipfile.ZipFile(os.path.join(tmp, name)) as zf:
                names = set(zf.namelist())
                record = zf.read("sparse_mla-%s.dist-info/RECORD"
                                 % sparse_mla.__version__).decode()
        self.assertIn("sparse_mla/__init__.py", names)
        self.assertIn("sparse_mla/_ops.py", names)
        self.assertIn("sparse_mla/_fast.cpp", names)  # build-extension's source
        kernels = [n for n in names if n.startswith("sparse_mla/kernels/")]
        self.assertEqual(len(kernels), len(_prebuilt.configs()))
        self.assertEqual(have, "sparse_mla/_lib/libsparse_mla_runtime.so" in names)
        self.assertEqual(len(record.strip().splitlines()), len(names))


class CliTest(unittest.TestCase):
    def run_cli(self, *args, **envs):
        with env(**envs):
            return subprocess.run([sys.executable, "-m", "sparse_mla", *args],
                                  cwd=PYROOT, capture_output=True, text=True)

    def test_find_and_list(self):
        r = self.run_cli("find", KernelConfig(**V32).describe())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.strip().endswith(".smlapkg"))
        r = self.run_cli("list", _cache.PREBUILT_DIR)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.strip().splitlines()),
                         len(_prebuilt.configs()))

    def test_missing_config_exits_1(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = self.run_cli("find", "H=32 G=1 Dqk=576 Dv=512 topk=64",
                             SPARSE_MLA_BIN=tmp, SPARSE_MLA_CACHE_DIR=tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("error: no kernel package for H=32", r.stderr)
        r = self.run_cli("find", "H=32")
        self.assertEqual(r.returncode, 1)
        self.assertIn("G is required", r.stderr)


if __name__ == "__main__":
    unittest.main()
