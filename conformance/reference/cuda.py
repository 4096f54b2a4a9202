"""torch.cuda for the reference engine: answers from the CUDA backend (CuPy on a GPU, or the
simulated device when CONFORMANCE_SIMULATED_CUDA=1); with neither, it answers as a CPU-only
build of PyTorch does."""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.devices import CUDA
from conformance.reference.ops.creation import legacy_type

NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _require() -> None:
    if not CUDA.available:
        raise AssertionError(NOT_COMPILED)


def is_available() -> bool:
    return CUDA.available


def is_simulated() -> bool:
    """True when `cuda` is the simulated device (NumPy arrays labelled cuda:0), not a GPU."""
    return CUDA.kind == "simulated"


def device_count() -> int:
    return CUDA.count


def current_device() -> int:
    _require()
    return 0


def get_device_name(device: object = None) -> str:
    _require()
    return CUDA.name


def synchronize(device: object = None) -> None:
    """Wait for the GPU's queued work; the simulated device has none."""
    _require()
    if CUDA.kind == "cupy":
        CUDA.xp.cuda.runtime.deviceSynchronize()


def manual_seed(seed: int) -> None:
    """The reference engine has one generator for every device (its draws are made on the
    host), so seeding CUDA is seeding it; without CUDA this is silently skipped, as in
    PyTorch."""
    if CUDA.available:
        from conformance.reference.ops.creation import manual_seed as seed_all

        seed_all(seed)


manual_seed_all = manual_seed


# The legacy CUDA tensor types: constructors (refused without CUDA, as PyTorch refuses them) and
# types isinstance() checks by dtype and device.
FloatTensor = legacy_type(dtypes.float32, "cuda")
DoubleTensor = legacy_type(dtypes.float64, "cuda")
HalfTensor = legacy_type(dtypes.float16, "cuda")
BFloat16Tensor = legacy_type(dtypes.bfloat16, "cuda")
ByteTensor = legacy_type(dtypes.uint8, "cuda")
CharTensor = legacy_type(dtypes.int8, "cuda")
ShortTensor = legacy_type(dtypes.int16, "cuda")
IntTensor = legacy_type(dtypes.int32, "cuda")
LongTensor = legacy_type(dtypes.int64, "cuda")
BoolTensor = legacy_type(dtypes.bool, "cuda")
