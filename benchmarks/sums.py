"""What adding in PyTorch's order costs: the reference engine's sum (ops/cascade_sum.py) against
NumPy's own sum and torch's, for the sums the MLP step of reference_cpu.py takes (the loss's
mean over 64 x 10, the biases' gradients over 64 rows) and a few others, float32, in
microseconds per call (the best of five rounds of interleaved timing).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/sums.py
"""

from __future__ import annotations

import os
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
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("set OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 first")
        return
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


if __name__ == "__main__":
    main()
