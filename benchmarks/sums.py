"""What adding in PyTorch's order costs: the reference engine's sum (ops/cascade_sum.py) against
NumPy's own sum and torch's, for the sums the MLP step of reference_cpu.py takes (the loss's
mean over 64 x 10, the biases' gradients over 64 rows) and a few others, float32, in
microseconds per call (the best of five rounds of interleaved timing).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/sums.py

`--in-step` instead times reference_cpu.py's MLP step with the engine's sums and with NumPy's
swapped in (by replacing the two functions the step's sums go through), taking turns every four
steps: one sum alone costs less than the same sum between a step's other ops, so only the step
says what the exact sums cost it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import timeit

import numpy as np
import torch

from conformance.reference.ops.cascade_sum import summed

CASES = {
    "(4,) whole": ((4,), None),
    "(64, 10) whole": ((64, 10), None),
    "(64, 10) over dim 0": ((64, 10), (0,)),
    "(64, 256) over dim 0": ((64, 256), (0,)),
    "(64, 256) over dim 1": ((64, 256), (1,)),
    "(100000,) whole": ((100000,), None),
}


def per_call(function, rounds: int = 5, seconds: float = 0.05) -> float:
    calls = max(1, int(seconds / max(timeit.timeit(function, number=3) / 3, 1e-7)))
    return min(timeit.timeit(function, number=calls) / calls for _ in range(rounds)) * 1e6


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print("| sum, float32 | PyTorch's order (engine), us | NumPy's sum, us | torch, us |")
    print("| --- | --- | --- | --- |")
    for name, (shape, dims) in CASES.items():
        a = rng.standard_normal(shape).astype(np.float32)
        t = torch.from_numpy(a)
        axes = None if dims is None else dims
        engine = per_call(lambda a=a, axes=axes: summed(a, axes, axes is not None))
        plain = per_call(lambda a=a, axes=axes: a.sum(axis=axes, keepdims=axes is not None))
        if dims is None:
            theirs = per_call(lambda t=t: t.sum())
        else:
            theirs = per_call(lambda t=t, dims=dims: t.sum(dims, keepdim=True))
        print(f"| {name} | {engine:.1f} | {plain:.1f} | {theirs:.1f} |")


def in_step(rounds: int = 250, steps: int = 4) -> None:
    """The MLP step's median time with PyTorch's sum order and with NumPy's sums."""
    sys.path.insert(0, os.path.dirname(__file__))
    import reference_cpu

    import conformance.reference
    from conformance.reference.ops import math, reductions

    _, step, _ = reference_cpu.torch_like(conformance.reference)
    exact = (math.ArrayMath.sum_to, reductions.summed)

    def numpy_sum_to(a, shape):
        if a.shape == tuple(shape):
            return a
        lead, kept = math.reduced_axes(a.shape, tuple(shape))
        axes = lead + tuple(len(lead) + d for d in kept)
        return a.sum(axis=axes, keepdims=True).reshape(shape)

    def numpy_summed(a, axes=None, keepdims=False, dtype=None):
        return a.sum(axis=axes, keepdims=keepdims, dtype=dtype)

    variants = {"PyTorch's order": exact, "NumPy's sums": (numpy_sum_to, numpy_summed)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(rounds):
            for name, (sum_to, reduction_sum) in variants.items():
                math.ArrayMath.sum_to = staticmethod(sum_to)
                reductions.summed = reduction_sum
                start = time.perf_counter()
                for _ in range(steps):
                    step()
                times[name].append((time.perf_counter() - start) / steps)
    finally:
        math.ArrayMath.sum_to = staticmethod(exact[0])
        reductions.summed = exact[1]
    print("| MLP step (reference engine) with | median, us |")
    print("| --- | --- |")
    for name, samples in times.items():
        print(f"| {name} | {statistics.median(samples) * 1e6:.0f} |")


if __name__ == "__main__":
    if os.environ.get("OMP_NUM_THREADS") != "1":
        sys.exit("set OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 first")
    in_step() if sys.argv[1:] == ["--in-step"] else main()
