"""torch.optim's step on the reference engine against PyTorch and a plain NumPy update, on the
parameters of benchmarks/reference_cpu.py's MLP (784x256, 256, 256x10, 10; float32), with one
thread:

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/optimizer_step.py

Only the step is timed: the gradients are set once and stay. The reference engine rounds each
multiply-add once, as PyTorch's kernels do (so float32 SGD steps equal PyTorch's bit for bit),
which costs a float64 pass over every parameter; the NumPy column is `p -= lr * g` (and Adam's
update written out in float32), which rounds twice and is the floor of what an update costs.
Before timing, one step of each optimizer is checked against PyTorch's.
"""

from __future__ import annotations

import numpy as np
from reference_cpu import interleaved, mlp_data

OPTIMIZERS = {
    "SGD": {"lr": 0.01},
    "SGD momentum": {"lr": 0.01, "momentum": 0.9},
    "Adam": {"lr": 1e-3},
}


def engine_step(t, name: str, options: dict):
    """A step function of torch.optim's `name` on engine `t`, and its parameters."""
    data = mlp_data()
    rng = np.random.default_rng(1)
    params = []
    for key in ("w1", "b1", "w2", "b2"):
        p = t.tensor(data[key], requires_grad=True)
        p.grad = t.tensor(rng.standard_normal(data[key].shape).astype(np.float32))
        params.append(p)
    optimizer = getattr(t.optim, name.split()[0])(params, **options)
    return optimizer.step, params


def numpy_step(name: str, options: dict):
    data = mlp_data()
    rng = np.random.default_rng(1)
    params = [data[k].copy() for k in ("w1", "b1", "w2", "b2")]
    grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
    lr = np.float32(options["lr"])
    if name == "Adam":
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]

        def adam():
            for p, g, m_, v_ in zip(params, grads, m, v, strict=True):
                m_ *= 0.9
                m_ += 0.1 * g
                v_ *= 0.999
                v_ += 0.001 * g * g
                p -= lr * m_ / (np.sqrt(v_) + 1e-8)

        return adam
    buffers = [np.zeros_like(p) for p in params]
    momentum = np.float32(options.get("momentum", 0.0))

    def sgd():
        for p, g, b in zip(params, grads, buffers, strict=True):
            if momentum:
                b *= momentum
                b += g
                g = b
            p -= lr * g

    return sgd


def main() -> None:
    import torch

    import conformance.reference as ref

    torch.set_num_threads(1)
    print("| optimizer | reference, ms | torch, ms | NumPy, ms | reference vs torch |")
    print("| --- | --- | --- | --- | --- |")
    for name, options in OPTIMIZERS.items():
        ours, our_params = engine_step(ref, name, options)
        theirs, their_params = engine_step(torch, name, options)
        ours(), theirs()
        for a, b in zip(our_params, their_params, strict=True):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-9)
        times = interleaved(
            {"reference": ours, "torch": theirs, "numpy": numpy_step(name, options)}, blocks=60
        )
        ms = {k: v * 1e3 for k, v in times.items()}
        print(
            f"| {name} | {ms['reference']:.3f} | {ms['torch']:.3f} | {ms['numpy']:.3f} | "
            f"{ms['reference'] / ms['torch']:.2f}x |"
        )


if __name__ == "__main__":
    main()
