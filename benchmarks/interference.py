"""Does an engine's bookkeeping slow the NumPy arithmetic that runs after it?

`reference_cpu.py --split` found the MLP step's arithmetic costing the reference 40-50% more
inside its step than in the hand-written NumPy floor, though each NumPy call timed alone costs
the same. This script tests that directly. It runs the floor's MLP step (reference_cpu.py's
shapes) and times only its NumPy calls, while one gap in the step, before the backward's large
matrix product, is filled with something else:

- nothing (the floor as it is);
- a busy wait as long as a tiny reference step (plain Python, touching almost no memory);
- a NumPy pass over a 256 KB, 1 MB or 4 MB buffer (memory traffic alone: this machine's L2
  cache is 1.25 MB per core);
- 1500 small Python objects (each with a list and a dict) made and freed, the garbage
  collector off;
- one step of the MLP at tiny shapes (batch 2, 4 -> 3 -> 2) in the minimal closure tape,
  in torch and in conformance.reference: each engine's bookkeeping with no large arrays.

The fillers take turns in blocks of 10 steps, 150 rounds; each filler's median counts.
`--product` times only the backward's large matrix product, right after the filler.

    export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    python benchmarks/interference.py [--product]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import numpy as np
import reference_cpu as rc


def tiny_steps() -> dict:
    """The MLP step at tiny shapes for the engines with bookkeeping of their own."""
    import torch

    import conformance.reference

    torch.set_num_threads(1)
    shapes = rc.BATCH, rc.IN, rc.HIDDEN, rc.OUT
    rc.BATCH, rc.IN, rc.HIDDEN, rc.OUT = 2, 4, 3, 2
    try:
        return {
            "minimal tape, tiny step": rc.minimal_tape_engine()[1],
            "torch, tiny step": rc.torch_like(torch)[1],
            "conformance.reference, tiny step": rc.torch_like(conformance.reference)[1],
        }
    finally:
        rc.BATCH, rc.IN, rc.HIDDEN, rc.OUT = shapes


class _Small:
    __slots__ = ("value", "items", "names")

    def __init__(self, value):
        self.value, self.items, self.names = value, [value], {"value": value}


def fillers() -> dict:
    steps = tiny_steps()
    reference = steps["conformance.reference, tiny step"]
    for _ in range(200):
        reference()
    start = time.perf_counter()
    for _ in range(200):
        reference()
    wait = (time.perf_counter() - start) / 200
    buffers = {size: np.zeros(size * 1024, np.uint8) for size in (256, 1024, 4096)}

    def busy():
        end = time.perf_counter() + wait
        while time.perf_counter() < end:
            pass

    def touch(size):
        buffer = buffers[size]

        def step():
            buffer[...] += 1

        return step

    def churn():
        """What per-op bookkeeping does at scale: many small objects made and freed."""
        gc.disable()
        try:
            made = [_Small(i) for i in range(1500)]
            del made
        finally:
            gc.enable()

    return {
        "nothing": None,
        f"busy wait, {wait * 1e6:.0f} us": busy,
        **{f"NumPy pass over {size} KB": touch(size) for size in buffers},
        "1500 small Python objects made and freed, GC off": churn,
        **steps,
    }


def floor_arithmetic(filler) -> float:
    """Seconds spent in the floor's NumPy calls for one MLP step, `filler` run at one gap."""
    data, params, clock = FLOOR_DATA, FLOOR_PARAMS, time.perf_counter
    x = data["x"]
    start = clock()
    h = np.tanh(x @ params["w1"] + params["b1"])
    diff = h @ params["w2"] + params["b2"] - data["y"]
    g_out = (2.0 / diff.size) * diff
    g_w2, g_b2 = h.T @ g_out, g_out.sum(0)
    g_pre = (g_out @ params["w2"].T) * (1 - h * h)
    spent = clock() - start
    if filler is not None:
        filler()
    start = clock()
    grads = {"w1": x.T @ g_pre, "b1": g_pre.sum(0), "w2": g_w2, "b2": g_b2}
    for key, grad in grads.items():
        params[key] -= rc.LR * grad
    return spent + clock() - start


def product_after(filler) -> float:
    """Seconds for the backward's large product alone (x.T @ g, 784x64 @ 64x256) right after
    `filler`: whether the slowdown sits in the BLAS call itself."""
    x, grad = FLOOR_DATA["x"], PRODUCT_GRAD
    if filler is not None:
        filler()
    start = time.perf_counter()
    x.T @ grad
    return time.perf_counter() - start


FLOOR_DATA = rc.mlp_data()
FLOOR_PARAMS = {k: FLOOR_DATA[k].copy() for k in ("w1", "b1", "w2", "b2")}
PRODUCT_GRAD = np.random.default_rng(1).standard_normal((rc.BATCH, rc.HIDDEN)).astype(np.float32)


def main() -> None:
    measure = product_after if sys.argv[1:] == ["--product"] else floor_arithmetic
    chosen = fillers()
    samples: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(150):
        for name, filler in chosen.items():
            samples[name].extend(measure(filler) for _ in range(10))
    base = statistics.median(samples["nothing"])
    what = "x.T @ g alone" if measure is product_after else "floor's NumPy time"
    print(f"| filler (at one gap of the floor's MLP step) | {what}, us | vs nothing |")
    print("| --- | --- | --- |")
    for name, times in samples.items():
        median = statistics.median(times)
        print(f"| {name} | {median * 1e6:.0f} | {median / base:.2f}x |")


if __name__ == "__main__":
    main()
