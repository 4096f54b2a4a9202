"""Every op of the gradient table on the CUDA backend against the same op on the CPU: values,
gradients, and second derivatives through create_graph=True (the derivatives then run as
Tensor formulas, a second code path).

The ops are written once against an array namespace (`xp`), so a CUDA tensor runs the same code
on CuPy arrays. On a machine with a GPU and CuPy this runs on the GPU; elsewhere it runs on the
simulated device (NumPy arrays labelled cuda:0), which checks that every result and gradient
stays on the device but says nothing about CuPy. Values and gradients are compared in float64,
where the two backends may differ only in the order of a reduction.
"""

from __future__ import annotations

import numpy as np
import pytest
from opcase import OpCase
from test_op_gradients import OPS, _inputs

import conformance.reference as ref
from conformance.reference import devices, simulated_cuda

# Calls that make a tensor PyTorch requires on the CPU (a PackedSequence's lengths): under a
# CUDA default device PyTorch refuses them too, so they run with the CPU default.
LENGTHS_ON_THE_CPU = {
    "pack-padded-sequence-unsorted-batch-first",
    "pack-sequence-unsorted",
    "unpack-sequence",
}


@pytest.fixture(autouse=True)
def cuda_device(monkeypatch):
    """The real CUDA backend where there is one, else the simulated device for this test."""
    if devices.CUDA.kind == "none":
        monkeypatch.setattr(devices.CUDA, "kind", "simulated")
        monkeypatch.setattr(devices.CUDA, "xp", simulated_cuda.xp)
        monkeypatch.setattr(devices.CUDA, "count", 1)
        monkeypatch.setattr(devices.CUDA, "name", "cuda (simulated)")


def _call_on(case: OpCase, leaves: list, device: str):
    """The row's call with `device` as the default device, for the index tensors some calls
    make, and the random ops seeded so that they draw the same numbers on either device."""
    ref.manual_seed(0)
    if case.name not in LENGTHS_ON_THE_CPU:
        ref.set_default_device(device)
    try:
        return case.call(ref, *leaves)
    finally:
        ref.set_default_device(None)


def _run(case: OpCase, arrays: list, upstream, device: str):
    """The op's value, grad_fn name and input gradients, computed on `device`, as host arrays."""
    leaves = [ref.tensor(a, dtype=ref.float64, device=device, requires_grad=True) for a in arrays]
    out = _call_on(case, leaves, device)
    assert out.device.type == device, f"{case.name}: result on {out.device}"
    if upstream is None:
        upstream = np.random.default_rng(2).standard_normal(tuple(out.shape))
    out.backward(ref.tensor(upstream, dtype=out.dtype, device=device))
    grads = []
    for leaf in leaves:
        if leaf.grad is not None:
            assert leaf.grad.device.type == device, f"{case.name}: gradient on {leaf.grad.device}"
            grads.append(leaf.grad.cpu().numpy())
        else:
            grads.append(None)
    return out.detach().cpu().numpy(), type(out.grad_fn).__name__, grads, upstream


@pytest.mark.parametrize("case", OPS, ids=lambda c: c.name)
def test_op_and_gradient_on_cuda_equal_the_cpu(case: OpCase) -> None:
    arrays = _inputs(case, np.random.default_rng(0))
    value, node, grads, upstream = _run(case, arrays, None, "cpu")
    cuda_value, cuda_node, cuda_grads, _ = _run(case, arrays, upstream, "cuda")
    assert cuda_node == node
    np.testing.assert_allclose(cuda_value, value, rtol=1e-9, atol=1e-12)
    for cuda_grad, grad in zip(cuda_grads, grads, strict=True):
        assert (cuda_grad is None) == (grad is None)
        if grad is not None:
            np.testing.assert_allclose(cuda_grad, grad, rtol=1e-9, atol=1e-12)


def _second_derivatives(case: OpCase, arrays: list, device: str) -> list:
    """d/dx of sum(grad_x(sum(op(x) * v)) * u) for fixed v and u, computed on `device`."""
    rng = np.random.default_rng(3)
    xs = [ref.tensor(a, dtype=ref.float64, device=device, requires_grad=True) for a in arrays]
    y = _call_on(case, xs, device)
    v = ref.tensor(rng.uniform(-1, 1, tuple(y.shape)), dtype=ref.float64, device=device)
    firsts = ref.autograd.grad((y * v).sum(), xs, create_graph=True, allow_unused=True)
    u = [ref.tensor(rng.uniform(-1, 1, a.shape), dtype=ref.float64, device=device) for a in arrays]
    terms = [(g * w).sum() for g, w in zip(firsts, u, strict=True) if g is not None]
    terms = [term for term in terms if term.requires_grad]
    if not terms:
        return [np.zeros(a.shape) for a in arrays]
    seconds = ref.autograd.grad(sum(terms), xs, allow_unused=True)
    for h in seconds:
        assert h is None or h.device.type == device, f"{case.name}: on {h.device}"
    return [
        np.zeros(a.shape) if h is None else np.broadcast_to(h.cpu().numpy(), a.shape)
        for h, a in zip(seconds, arrays, strict=True)
    ]


@pytest.mark.parametrize("case", OPS, ids=lambda c: c.name)
def test_second_derivatives_on_cuda_equal_the_cpu(case: OpCase) -> None:
    arrays = _inputs(case, np.random.default_rng(2))
    on_cpu = _second_derivatives(case, arrays, "cpu")
    on_cuda = _second_derivatives(case, arrays, "cuda")
    for cuda_h, cpu_h in zip(on_cuda, on_cpu, strict=True):
        np.testing.assert_allclose(cuda_h, cpu_h, rtol=1e-9, atol=1e-12)


# The paths that copy PyTorch's CPU arithmetic (which loop body, fused multiply-adds, the
# normalization layers' statistics) in float32 and half precision, where the gradient table's
# float64 rows do not reach: on the CUDA backend they must stay on the device and give the
# CPU's values to within a rounding (they skip the CPU-only emulations).
NARROW = {
    "batch-norm-train": lambda t, x: t.nn.functional.batch_norm(
        x, t.zeros(3, device=x.device), t.ones(3, device=x.device), training=True
    ),
    "batch-norm-eval": lambda t, x: t.nn.functional.batch_norm(
        x, t.zeros(3, device=x.device), t.ones(3, device=x.device)
    ),
    "layer-norm": lambda t, x: t.nn.functional.layer_norm(x, (5,)),
    "layer-norm-half": lambda t, x: t.nn.functional.layer_norm(x.half(), (5,)),
    "group-norm": lambda t, x: t.nn.functional.group_norm(x, 3),
    "hardtanh": lambda t, x: t.nn.functional.hardtanh(x),
    "elu": lambda t, x: t.nn.functional.elu(x),
    "logit": lambda t, x: t.logit(x.sigmoid(), 0.1),
    "fmod": lambda t, x: t.fmod(x, 0.3),
    "add-alpha-half": lambda t, x: t.add(x.half(), x.half(), alpha=0.3),
    "add-alpha-double": lambda t, x: t.add(x.double(), x.double(), alpha=0.3),
    "i0": lambda t, x: t.i0(x),
    "lerp": lambda t, x: t.lerp(x, x * 2, 0.3),
    "renorm": lambda t, x: t.renorm(x, 2, 0, 1.0),
    "logsumexp-half": lambda t, x: t.logsumexp(x.half(), 1),
    "mul-half-by-0-dim": lambda t, x: x.half() * t.tensor(0.3, dtype=t.float64, device=x.device),
}


@pytest.mark.parametrize("name", list(NARROW))
def test_float32_and_half_paths_run_on_cuda(name: str) -> None:
    values = np.random.default_rng(5).standard_normal((4, 3, 5))
    seen = []
    for device in ("cpu", "cuda"):
        x = ref.tensor(values, dtype=ref.float32, device=device, requires_grad=True)
        out = NARROW[name](ref, x)
        assert out.device.type == device
        out.float().sum().backward()
        assert x.grad.device.type == device
        seen.append((out.detach().float().cpu().numpy(), x.grad.cpu().numpy()))
    rtol = 1e-2 if "half" in name else 1e-5
    for cuda, cpu in zip(seen[1], seen[0], strict=True):
        np.testing.assert_allclose(cuda, cpu, rtol=rtol, atol=rtol)
