"""The reference engine's CUDA backend (CuPy) against torch CUDA, in one run, on a real GPU.

    python benchmarks/reference_gpu.py            # needs a GPU, CuPy and a CUDA build of torch

Measures (a) an MLP training step, batch 4096, 784 -> 1024 -> 10, tanh, MSE, SGD, in ms, for
conformance.reference on cuda and torch on cuda; (b) elementwise throughput (x * y + z and
relu) on 2**26-element float32 tensors, as GB/s of memory traffic, against the device's copy
bandwidth (a device-to-device copy of the same size). Every timing synchronizes the device.

`--profile` instead runs 30 reference MLP steps under cProfile and prints where the host time
goes (the GPU work is asynchronous: time waiting for it shows in the synchronizing calls).
benchmarks/gpu_session.sh runs both; the figures are in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time


def timed(step, sync, rounds: int = 5, repeat: int = 20) -> float:
    """Best seconds per call over `rounds` rounds, synchronizing before and after each."""
    step()
    sync()
    best = float("inf")
    for _ in range(rounds):
        sync()
        start = time.perf_counter()
        for _ in range(repeat):
            step()
        sync()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def mlp(t, sync):
    t.manual_seed(0)
    x = t.randn(4096, 784, device="cuda")
    y = t.randn(4096, 10, device="cuda")
    params = [
        (t.randn(784, 1024, device="cuda") / 28).requires_grad_(),
        t.zeros(1024, device="cuda", requires_grad=True),
        (t.randn(1024, 10, device="cuda") / 32).requires_grad_(),
        t.zeros(10, device="cuda", requires_grad=True),
    ]

    def step():
        w1, b1, w2, b2 = params
        loss = ((t.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()
        loss.backward()
        with t.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None

    return timed(step, sync) * 1e3


def elementwise(t, sync) -> dict:
    n = 2**26
    a, b, c = (t.rand(n, device="cuda") for _ in range(3))
    out = {}
    seconds = timed(lambda: a * b + c, sync)
    out["x*y+z (two kernels), GB/s"] = 5 * 4 * n / seconds / 1e9  # 2 reads + 1 write, twice
    seconds = timed(lambda: t.relu(a), sync)
    out["relu, GB/s"] = 2 * 4 * n / seconds / 1e9
    seconds = timed(lambda: a.clone(), sync)
    out["copy (clone), GB/s"] = 2 * 4 * n / seconds / 1e9
    return out


def profile(ref) -> None:
    """The reference MLP step's host time by function, over 30 steps after a warm-up."""
    import cProfile
    import pstats

    captured = {}
    mlp(ref, ref.cuda.synchronize)  # warms up and compiles the kernels

    def capture(step, sync, rounds=1, repeat=30):
        captured["step"] = step
        return 1.0

    global timed
    timed, original = capture, timed
    try:
        mlp(ref, ref.cuda.synchronize)
    finally:
        timed = original
    with cProfile.Profile() as profiler:
        for _ in range(30):
            captured["step"]()
        ref.cuda.synchronize()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    import torch

    import conformance.reference as ref

    if "--profile" in sys.argv:
        profile(ref)
        return

    if not (torch.cuda.is_available() and ref.cuda.is_available()):
        sys.exit("needs a GPU with CuPy and a CUDA build of torch")
    if ref.cuda.is_simulated():
        sys.exit("the simulated device is not a GPU: unset CONFORMANCE_SIMULATED_CUDA")
    print(
        f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__} "
        f"(CUDA {torch.version.cuda}); {ref.cuda.get_device_name()}"
    )
    torch_sync, ref_sync = torch.cuda.synchronize, ref.cuda.synchronize
    torch_mlp, ref_mlp = mlp(torch, torch_sync), mlp(ref, ref_sync)
    print(
        f"MLP step: reference {ref_mlp:.2f} ms, torch {torch_mlp:.2f} ms, "
        f"ratio {ref_mlp / torch_mlp:.2f}x"
    )
    for name, engine, sync in (("reference", ref, ref_sync), ("torch", torch, torch_sync)):
        for what, rate in elementwise(engine, sync).items():
            print(f"{name}: {what} {rate:.0f}")


if __name__ == "__main__":
    main()
