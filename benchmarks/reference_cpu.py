"""The reference engine's CPU speed against PyTorch, a hand-written NumPy floor, MyGrad, HIPS
autograd and a minimal closure tape (benchmarks/minimal_tape.py: what any Python tape costs),
measured in one run with one thread.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/reference_cpu.py

(a) tiny step: y = (x * w + b).sum(); y.backward() on shape (4,) float32 tensors, in microseconds.
(b) MLP step: batch 64, 784 -> 256 -> 10, tanh, MSE loss, forward + backward + SGD, in ms.

`--split` instead times the MLP step at its own shapes and at tiny ones (batch 2, 4 -> 3 -> 2),
for the engines with torch's API, the floor and the minimal tape: at tiny shapes a step is all
bookkeeping, so the two figures separate an engine's per-op overhead from its arithmetic.

The engines take turns in blocks of about 10 ms, 150 blocks each, and each one's median block
counts: the machine's speed drifts, and taking turns puts every engine under the same drift.
Every engine's MLP gradients are checked against the NumPy floor before timing, so a fast wrong
answer cannot win.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    if os.environ.get(var) != "1":
        sys.exit(f"set {var}=1 (two BLAS threads make these timings swing twentyfold)")

import numpy as np  # noqa: E402

BATCH, IN, HIDDEN, OUT, LR = 64, 784, 256, 10, 0.01


def interleaved(steps: dict, blocks: int = 150, block_seconds: float = 0.01) -> dict:
    """Seconds per call of each step: the median over `blocks` timed blocks, the engines taking
    turns block by block. This machine's speed drifts by 30% or more within a minute; taking
    turns every few milliseconds puts every engine under the same drift, so their ratios hold
    even when the absolute times do not."""
    sizes = {}
    for name, step in steps.items():
        step()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 0.05:
            step()
            n += 1
        sizes[name] = max(1, int(n * block_seconds / 0.05))
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            n = sizes[name]
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(times) for name, times in samples.items()}


def mlp_data(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((BATCH, IN)).astype(np.float32),
        "y": rng.standard_normal((BATCH, OUT)).astype(np.float32),
        "w1": (rng.standard_normal((IN, HIDDEN)) / np.sqrt(IN)).astype(np.float32),
        "b1": np.zeros(HIDDEN, np.float32),
        "w2": (rng.standard_normal((HIDDEN, OUT)) / np.sqrt(HIDDEN)).astype(np.float32),
        "b2": np.zeros(OUT, np.float32),
    }


# -- the engines --------------------------------------------------------------------------


def torch_like(module):
    """Steps for an engine with torch's API (torch itself and conformance.reference)."""
    t = module
    x, w, b = (t.ones(4, requires_grad=True) for _ in range(3))

    def tiny():
        y = (x * w + b).sum()
        y.backward()

    data = mlp_data()
    xb, yb = t.tensor(data["x"]), t.tensor(data["y"])
    params = [t.tensor(data[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2")]

    def mlp():
        w1, b1, w2, b2 = params
        h = t.tanh(xb @ w1 + b1)
        loss = ((h @ w2 + b2 - yb) ** 2).mean()
        loss.backward()
        with t.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    def grads():
        w1, b1, w2, b2 = (t.tensor(data[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2"))
        loss = ((t.tanh(xb @ w1 + b1) @ w2 + b2 - yb) ** 2).mean()
        loss.backward()
        return [p.grad.numpy() for p in (w1, b1, w2, b2)]

    return tiny, mlp, grads


def numpy_floor():
    """The same computations written by hand in NumPy: what no engine can beat by much."""
    x, w, b = (np.ones(4, np.float32) for _ in range(3))

    def tiny():
        y = (x * w + b).sum()
        gy = np.float32(1.0)
        return gy * w, gy * x, np.full_like(b, gy), y

    data = mlp_data()
    params = {k: data[k].copy() for k in ("w1", "b1", "w2", "b2")}

    def forward_backward(p):
        h = np.tanh(data["x"] @ p["w1"] + p["b1"])
        diff = h @ p["w2"] + p["b2"] - data["y"]
        g_out = (2.0 / diff.size) * diff
        g_w2 = h.T @ g_out
        g_b2 = g_out.sum(0)
        g_pre = (g_out @ p["w2"].T) * (1 - h * h)
        return [data["x"].T @ g_pre, g_pre.sum(0), g_w2, g_b2]

    def mlp():
        for key, g in zip(("w1", "b1", "w2", "b2"), forward_backward(params), strict=True):
            params[key] -= LR * g

    def grads():
        return forward_backward({k: data[k] for k in ("w1", "b1", "w2", "b2")})

    return tiny, mlp, grads


def minimal_tape_engine():
    """benchmarks/minimal_tape.py: a closure tape with none of PyTorch's semantics."""
    import minimal_tape as mt

    x, w, b = (mt.Var(np.ones(4, np.float32), requires_grad=True) for _ in range(3))

    def tiny():
        mt.backward(mt.total(mt.add(mt.mul(x, w), b)))

    data = mlp_data()
    xb, yb = mt.Var(data["x"]), mt.Var(data["y"])

    def forward_backward(params):
        w1, b1, w2, b2 = params
        h = mt.tanh(mt.add(mt.matmul(xb, w1), b1))
        mt.backward(mt.mean(mt.square(mt.sub(mt.add(mt.matmul(h, w2), b2), yb))))

    params = [mt.Var(data[k].copy(), requires_grad=True) for k in ("w1", "b1", "w2", "b2")]

    def mlp():
        forward_backward(params)
        for p in params:
            p.data -= LR * p.grad
            p.grad = None

    def grads():
        fresh = [mt.Var(data[k].copy(), requires_grad=True) for k in ("w1", "b1", "w2", "b2")]
        forward_backward(fresh)
        return [p.grad for p in fresh]

    return tiny, mlp, grads


def mygrad_engine():
    import mygrad as mg

    x, w, b = (mg.tensor(np.ones(4, np.float32)) for _ in range(3))

    def tiny():
        y = (x * w + b).sum()
        y.backward()

    data = mlp_data()
    params = [mg.tensor(data[k].copy()) for k in ("w1", "b1", "w2", "b2")]

    def forward_backward(p):
        w1, b1, w2, b2 = p
        loss = mg.mean((mg.tanh(data["x"] @ w1 + b1) @ w2 + b2 - data["y"]) ** 2)
        loss.backward()

    def mlp():
        forward_backward(params)
        for p in params:
            p.data -= LR * p.grad
            p.null_grad()

    def grads():
        p = [mg.tensor(data[k].copy()) for k in ("w1", "b1", "w2", "b2")]
        forward_backward(p)
        return [q.grad for q in p]

    return tiny, mlp, grads


def hips_autograd_engine():
    import autograd.numpy as anp
    from autograd import grad

    ones = np.ones(4, np.float32)
    tiny_grad = grad(lambda xwb: anp.sum(xwb[0] * xwb[1] + xwb[2]))

    def tiny():
        tiny_grad([ones, ones, ones])

    data = mlp_data()

    def loss(p):
        w1, b1, w2, b2 = p
        h = anp.tanh(anp.dot(data["x"], w1) + b1)
        return anp.mean((anp.dot(h, w2) + b2 - data["y"]) ** 2)

    loss_grad = grad(loss)
    params = [data[k].copy() for k in ("w1", "b1", "w2", "b2")]

    def mlp():
        for p, g in zip(params, loss_grad(params), strict=True):
            p -= LR * g

    def grads():
        return loss_grad([data[k] for k in ("w1", "b1", "w2", "b2")])

    return tiny, mlp, grads


def matrix_products() -> dict:
    """The MLP step's four matrix products alone, in NumPy (the BLAS the reference engine and
    the floor use) and in torch (its own BLAS): what no Python overhead explains."""
    import torch

    data = mlp_data()
    x, w1, w2 = data["x"], data["w1"], data["w2"]
    g_out = np.ones((BATCH, OUT), np.float32)
    g_pre = np.ones((BATCH, HIDDEN), np.float32)
    h = np.tanh(x @ w1)

    def products(x, w1, w2, h, g_out, g_pre):
        def step():
            return (x @ w1, h.T @ g_out, g_out @ w2.T, x.T @ g_pre)

        return step

    arrays = (x, w1, w2, h, g_out, g_pre)
    return {
        "numpy": products(*arrays),
        "torch": products(*(torch.from_numpy(a) for a in arrays)),
    }


def engines() -> dict:
    import torch

    import conformance.reference

    found = {
        "conformance.reference": lambda: torch_like(conformance.reference),
        "torch": lambda: torch_like(torch),
        "numpy (hand-written floor)": numpy_floor,
        "minimal closure tape (no semantics)": minimal_tape_engine,
    }
    for name, make, module in (
        ("mygrad", mygrad_engine, "mygrad"),
        ("HIPS autograd", hips_autograd_engine, "autograd"),
    ):
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: not installed (pip install -e '.[bench]'), skipped")
            continue
        found[name] = make
    return found


def main() -> None:
    import torch

    import conformance.reference

    built = {name: make() for name, make in engines().items()}
    reference_grads = built["numpy (hand-written floor)"][2]()
    for name, (_, _, grads) in built.items():
        for got, want in zip(grads(), reference_grads, strict=True):
            np.testing.assert_allclose(np.asarray(got), want, rtol=2e-4, atol=1e-5, err_msg=name)
    torch.set_num_threads(1)
    tiny = interleaved({name: steps[0] for name, steps in built.items()})
    mlp = interleaved({name: steps[1] for name, steps in built.items()})
    blas = interleaved(matrix_products())
    medians = {name: (tiny[name] * 1e6, mlp[name] * 1e3) for name in built}
    torch_tiny, torch_mlp = medians["torch"]
    floor_mlp = medians["numpy (hand-written floor)"][1]
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}, "
        f"conformance.reference {conformance.reference.__version__}, {platform.machine()}"
    )
    columns = ["engine", "(a) tiny step, us", "vs torch", "(b) MLP step, ms", "vs torch"]
    print("| " + " | ".join([*columns, "vs NumPy floor"]) + " |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (tiny_us, mlp_ms) in medians.items():
        print(
            f"| {name} | {tiny_us:.1f} | {tiny_us / torch_tiny:.2f}x | {mlp_ms:.3f} | "
            f"{mlp_ms / torch_mlp:.2f}x | {mlp_ms / floor_mlp:.2f}x |"
        )
    numpy_blas, torch_blas = blas["numpy"] * 1e3, blas["torch"] * 1e3
    print(
        f"\nThe MLP step's four matrix products alone: NumPy {numpy_blas:.3f} ms, torch "
        f"{torch_blas:.3f} ms ({torch_blas / numpy_blas:.2f}x); the rest of the floor's step is "
        f"{floor_mlp - numpy_blas:.3f} ms."
    )


def split() -> None:
    """The MLP step at full and at tiny shapes, interleaved (see the module docstring)."""
    import torch

    import conformance.reference

    global BATCH, IN, HIDDEN, OUT
    torch.set_num_threads(1)
    engines = {
        "conformance.reference": lambda: torch_like(conformance.reference),
        "torch": lambda: torch_like(torch),
        "numpy (hand-written floor)": numpy_floor,
        "minimal closure tape (no semantics)": minimal_tape_engine,
    }
    steps = {}
    for shapes, label in (((64, 784, 256, 10), "full"), ((2, 4, 3, 2), "tiny")):
        BATCH, IN, HIDDEN, OUT = shapes
        steps.update({(name, label): make()[1] for name, make in engines.items()})
    times = interleaved(steps, blocks=60)
    print("| engine | MLP step, us | same step at tiny shapes, us | difference (arithmetic), us |")
    print("| --- | --- | --- | --- |")
    for name in engines:
        full, tiny = times[name, "full"] * 1e6, times[name, "tiny"] * 1e6
        print(f"| {name} | {full:.0f} | {tiny:.0f} | {full - tiny:.0f} |")


if __name__ == "__main__":
    split() if sys.argv[1:] == ["--split"] else main()
