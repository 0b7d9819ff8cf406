"""The configurations whose packages ship with the Python package
(``sparse_mla/kernels``), built by ``python3 -m sparse_mla prebuilt``
(scripts/build-python-kernels.sh) on a machine with the compiler."""
import math

from ._package import KernelConfig


def configs(chip="sm_90a"):
    """V3.2-shaped (Dqk 576, Dv 512, one kv group) on ``chip``: H 64 / 128
    x topk 512 / 1024 / 2048 x causal or not. Each kernel takes sm_scale at
    launch, so one package serves every scale."""
    out = []
    for H in (64, 128):
        for topk in (512, 1024, 2048):
            for causal in (False, True):
                out.append(KernelConfig(H=H, G=1, Dqk=576, Dv=512, topk=topk,
                                        causal=causal, kv_stride=1,
                                        sm_scale=1 / math.sqrt(576), chip=chip))
    return out


#: DeepSeek-V3.2's softmax scale as serving engines pass it: qk_head_dim
#: 192 (128 NoPE + 64 RoPE), times the YaRN mscale^2 of its rope scaling
#: (factor 40, mscale_all_dim 1: 0.1 * ln(40) + 1). Used by the tests.
V32_YARN_SM_SCALE = 192 ** -0.5 * (0.1 * math.log(40) + 1.0) ** 2
