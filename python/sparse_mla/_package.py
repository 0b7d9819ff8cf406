"""Kernel packages (``*.smlapkg``, docs/kernel-package.md) read without CUDA,
and the key that names the configuration a package serves.

Everything static about a ``sparse_mla.fwd`` op is fixed when its package is
compiled; :class:`KernelConfig` is that set, and every lookup (prebuilt
packages, user directories, the per-user cache) matches on it.
"""
import dataclasses
import hashlib
import json
import math
import struct

MAGIC = b"SMLAPKG\0"
FORMAT_VERSION = 1
SCHEDULES = ("default", "seesaw", "pipelined", "simple")

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3


class PackageError(ValueError):
    """A file that is not a well-formed kernel package."""


def f32(x):
    """``x`` rounded to float32, as the op's ``sm_scale`` attribute holds it."""
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def f32_text(x):
    """The shortest decimal that reads back as the float32 ``x``."""
    v = f32(x)
    for digits in range(6, 10):
        s = "%.*g" % (digits, v)
        if f32(float(s)) == v:
            return s
    return repr(v)


def schedule_kind(schedule_text):
    """``"seesaw"`` for ``#sparse_mla.schedule<seesaw, ...>``."""
    inner = schedule_text.split("<", 1)[-1]
    return inner.split(",", 1)[0].rstrip(">").strip()


@dataclasses.dataclass(frozen=True)
class KernelConfig:
    """Everything static about one ``sparse_mla.fwd`` kernel."""
    H: int
    G: int
    Dqk: int
    Dv: int
    topk: int
    causal: bool
    kv_stride: int
    sm_scale: float          # float32 value; effective (1/sqrt(Dqk) resolved).
    # Packages of this compiler take the scale at launch: it then only
    # selects among packages whose scale is compiled in (older ones).
    max_logits: bool = True
    attn_sink: bool = False
    topk_length: bool = False
    chip: str = "sm_90a"
    schedule: str = "default"  # one of SCHEDULES

    def __post_init__(self):
        object.__setattr__(self, "sm_scale", f32(self.sm_scale))
        for name in ("H", "G", "Dqk", "Dv", "topk", "kv_stride"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError("KernelConfig.%s: expected an integer >= 1, "
                                 "got %r" % (name, v))
        if not (math.isfinite(self.sm_scale) and self.sm_scale > 0):
            raise ValueError("KernelConfig.sm_scale: expected a finite value > 0, "
                             "got %r" % self.sm_scale)
        if self.schedule not in SCHEDULES:
            raise ValueError("KernelConfig.schedule: expected one of %s, got %r"
                             % (", ".join(SCHEDULES), self.schedule))

    def describe(self):
        """``H=128 G=1 Dqk=576 ...``: the configuration in one line."""
        parts = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "sm_scale":
                v = f32_text(v)
            elif isinstance(v, bool):
                v = "true" if v else "false"
            parts.append("%s=%s" % (f.name, v))
        return " ".join(parts)

    def key(self, compiler=""):
        """A file-name-safe digest of the configuration (and of the compiler
        that would build it, for the per-user cache)."""
        text = self.describe() + " compiler=" + compiler
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def matches(self, manifest):
        """Whether a package's manifest serves this configuration. A package
        serves ``schedule="default"`` whatever its schedule; an explicit
        schedule needs a package of that kind."""
        op = manifest.get("op", {})
        if manifest.get("chip") != self.chip:
            return False
        for name in ("H", "G", "Dqk", "Dv", "topk", "kv_stride"):
            if op.get(name) != getattr(self, name):
                return False
        # Dynamic B, S, Skv only: the Python API accepts any sizes.
        if any(op.get(d) is not None for d in ("B", "S", "Skv")):
            return False
        if bool(op.get("causal")) != self.causal:
            return False
        if bool(op.get("has_max_logits")) != self.max_logits:
            return False
        # The kernel takes attn_sink / topk_length iff it has the parameter
        # (what the runtime reads).
        if takes_param(manifest, "attn_sink") != self.attn_sink:
            return False
        if takes_param(manifest, "topk_length") != self.topk_length:
            return False
        # A kernel with a "scale_log2" parameter takes any scale at launch;
        # an older one has its scale compiled in.
        if not takes_scale(manifest):
            scale = op.get("sm_scale")
            if not isinstance(scale, (int, float)) or \
                    f32(scale) != self.sm_scale:
                return False
        if self.schedule != "default" and \
                schedule_kind(op.get("schedule", "")) != self.schedule:
            return False
        # split_tail kernels need a per-stream workspace that cannot be
        # allocated during graph capture; the Python API does not use them.
        if "split" in manifest.get("kernel", {}):
            return False
        return True


def takes_param(manifest, name):
    """Whether the package's kernel has the parameter ``name`` (attn_sink,
    topk_length), or its op says so (``op.has_<name>``)."""
    params = manifest.get("kernel", {}).get("params", [])
    return any(isinstance(p, dict) and p.get("name") == name
               for p in params) or \
        bool(manifest.get("op", {}).get("has_" + name, False))


def takes_scale(manifest):
    """Whether the package's kernel takes sm_scale at launch."""
    params = manifest.get("kernel", {}).get("params", [])
    return any(isinstance(p, dict) and p.get("name") == "scale_log2" and
               p.get("kind") == "f32" for p in params)


def fnv1a64(data):
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def read_manifest(path, verify_hash=False):
    """The manifest (a dict) of the package at ``path``. Checks the header;
    with ``verify_hash`` also the trailing FNV-1a hash (the runtime always
    checks it when it loads a package)."""
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) < 16 or head[:8] != MAGIC:
            raise PackageError("%s: not a kernel package (expected magic "
                               "'SMLAPKG\\0', found %r)" % (path, head[:8]))
        version, length = struct.unpack("<II", head[8:16])
        if version != FORMAT_VERSION:
            raise PackageError("%s: package format version %d, expected %d"
                               % (path, version, FORMAT_VERSION))
        text = f.read(length)
        if len(text) != length:
            raise PackageError("%s: manifest of %d bytes runs past the end of "
                               "the file" % (path, length))
        if verify_hash:
            rest = f.read()
            if len(rest) < 8:
                raise PackageError("%s: truncated (no hash)" % path)
            body = head + text + rest[:-8]
            (stored,) = struct.unpack("<Q", rest[-8:])
            if fnv1a64(body) != stored:
                raise PackageError("%s: hash mismatch (truncated or corrupted)"
                                   % path)
    try:
        manifest = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PackageError("%s: manifest is not valid JSON (%s)" % (path, e))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("op"), dict):
        raise PackageError("%s: manifest has no \"op\" object" % path)
    return manifest


#: Numeric KernelConfig fields (annotations may be strings): how to read one.
_NUMBERS = {int: (int, "an integer"), "int": (int, "an integer"),
            float: (float, "a number"), "float": (float, "a number")}


def parse_config(text):
    """The :class:`KernelConfig` of ``describe()``'s text (``H=128 G=1 ...``);
    fields left out keep their defaults (``sm_scale`` is 1/sqrt(Dqk) then)."""
    fields = {f.name: f for f in dataclasses.fields(KernelConfig)}
    values = {}
    for item in text.replace(",", " ").split():
        name, sep, value = item.partition("=")
        if not sep or name not in fields:
            raise ValueError("configuration item %r: expected NAME=VALUE with "
                             "NAME one of %s" % (item, ", ".join(fields)))
        kind = fields[name].type
        if kind in (bool, "bool"):
            if value not in ("true", "false", "1", "0"):
                raise ValueError("configuration item %r: expected true or false"
                                 % item)
            values[name] = value in ("true", "1")
        elif kind in _NUMBERS:
            convert, what = _NUMBERS[kind]
            try:
                values[name] = convert(value)
            except ValueError:
                raise ValueError("configuration item %r: expected %s"
                                 % (item, what)) from None
        else:
            values[name] = value
    for name in ("H", "G", "Dqk", "Dv", "topk"):
        if name not in values:
            raise ValueError("configuration %r: %s is required" % (text, name))
    values.setdefault("causal", True)
    values.setdefault("kv_stride", 1)
    values.setdefault("sm_scale", 1.0 / math.sqrt(values["Dqk"]))
    return KernelConfig(**values)
