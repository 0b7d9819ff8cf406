"""python3 -m sparse_mla COMMAND: kernel packages for the Python API.

  build --out DIR 'H=128 G=1 Dqk=576 Dv=512 topk=2048 causal=false ...'
        compile the package of one configuration into DIR (needs the
        compiler: sparse-mla-opt and sparse-mla-translate on PATH)
  prebuilt [--out DIR] [--chip sm_90a]
        compile the packages shipped with the package (default DIR:
        sparse_mla/kernels)
  find 'CONFIG'   print the package that serves CONFIG (no compiling)
  list [DIR...]   the packages found (user dirs, prebuilt, cache) and their
                  configurations
  build-extension [--verbose]
        build the C++ half of the launch path (_fast.cpp) with torch's
        extension tooling into the per-user cache (needs torch, a C++
        compiler, ninja and the CUDA headers); later imports use it
"""
import argparse
import os
import sys

from . import _cache, _compile, _prebuilt
from ._package import PackageError, parse_config, read_manifest, takes_scale


def _file_name(config):
    return "fwd_%s.smlapkg" % config.key()


def cmd_build(args):
    config = parse_config(args.config)
    dest = os.path.join(args.out, _file_name(config))
    _compile.compile_package(config, dest, toolkit=args.toolkit)
    print(dest)


def cmd_prebuilt(args):
    os.makedirs(args.out, exist_ok=True)
    wanted = set()
    for config in _prebuilt.configs(args.chip):
        dest = os.path.join(args.out, _file_name(config))
        wanted.add(os.path.basename(dest))
        _compile.compile_package(config, dest, toolkit=args.toolkit)
        print("%-44s %s" % (os.path.basename(dest), config.describe()))
    for name in os.listdir(args.out):  # Packages of configurations dropped.
        if name.endswith(".smlapkg") and name not in wanted:
            os.remove(os.path.join(args.out, name))


def cmd_find(args):
    print(_cache.registry.find(parse_config(args.config), compile=False))


def cmd_list(args):
    dirs = args.dirs or (_cache.user_dirs() + [_cache.PREBUILT_DIR,
                                               _cache.cache_dir()])
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".smlapkg"):
                continue
            path = os.path.join(d, name)
            try:
                m = read_manifest(path)
            except (OSError, PackageError) as e:
                print("%s: %s" % (path, e))
                continue
            op = m["op"]
            print("%s: chip=%s H=%s G=%s Dqk=%s Dv=%s topk=%s causal=%s "
                  "kv_stride=%s sm_scale=%s max_logits=%s %s" % (
                      path, m.get("chip"), op.get("H"), op.get("G"),
                      op.get("Dqk"), op.get("Dv"), op.get("topk"),
                      str(op.get("causal")).lower(), op.get("kv_stride"),
                      "any (default %s)" % op.get("sm_scale") if takes_scale(m)
                      else op.get("sm_scale"),
                      str(op.get("has_max_logits")).lower(),
                      op.get("schedule")))


def cmd_build_extension(args):
    try:
        import torch  # noqa: F401
    except ImportError:
        raise RuntimeError("build-extension needs torch (it builds with "
                           "torch's extension tooling)") from None
    from . import _fastpath
    path = _fastpath.build(verbose=args.verbose)
    if _fastpath.load() is None:
        raise RuntimeError("built %s, but it does not load" % path)
    print(path)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m sparse_mla",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile one configuration")
    b.add_argument("config")
    b.add_argument("--out", required=True)
    b.add_argument("--toolkit", help="CUDA toolkit for ptxas")
    b.set_defaults(fn=cmd_build)
    pb = sub.add_parser("prebuilt", help="compile the shipped packages")
    pb.add_argument("--out", default=_cache.PREBUILT_DIR)
    pb.add_argument("--chip", default="sm_90a")
    pb.add_argument("--toolkit", help="CUDA toolkit for ptxas")
    pb.set_defaults(fn=cmd_prebuilt)
    f = sub.add_parser("find", help="the package serving a configuration")
    f.add_argument("config")
    f.set_defaults(fn=cmd_find)
    li = sub.add_parser("list", help="the packages found")
    li.add_argument("dirs", nargs="*")
    li.set_defaults(fn=cmd_list)
    e = sub.add_parser("build-extension",
                       help="build the C++ launch fast path (torch's "
                            "extension tooling; once per torch version)")
    e.add_argument("--verbose", action="store_true")
    e.set_defaults(fn=cmd_build_extension)
    args = p.parse_args(argv)
    try:
        args.fn(args)
    except (ValueError, LookupError, RuntimeError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
