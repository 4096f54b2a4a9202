"""torch.autograd.functional of the reference engine against real PyTorch: values, nesting
of tuple inputs and outputs, requires_grad and grad_fn of results (create_graph), zeros or
errors for independent inputs (strict), and the argument errors."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


def observed(value):
    """What a result looks like: values, requires_grad and grad_fn name, nested as given."""
    if isinstance(value, tuple) and value and isinstance(value[0], str):
        return value
    if hasattr(value, "detach"):
        node = type(value.grad_fn).__name__ if value.grad_fn is not None else None
        return value.detach().numpy().round(6).tolist(), value.requires_grad, node
    if isinstance(value, tuple):
        return tuple(observed(v) for v in value)
    return value


def run(call, lib):
    try:
        return observed(call(lib.autograd.functional, lib))
    except Exception as e:  # noqa: BLE001 - compared as type and text
        return type(e).__name__, str(e)


CASES = {
    "vjp scalar output": lambda F, t: F.vjp(lambda x: (x**2).sum(), t.tensor([1.0, 2.0, 3.0])),
    "vjp with v": lambda F, t: F.vjp(lambda x: x**2, t.tensor([1.0, 2, 3]), t.tensor([1.0, 0, 2])),
    "vjp tuples": lambda F, t: F.vjp(
        lambda x, y: (x * y, x + y), (t.tensor([1.0, 2]), t.tensor([3.0, 4])), (t.ones(2),) * 2
    ),
    "vjp needs v": lambda F, t: F.vjp(lambda x: x**2, t.tensor([1.0, 2.0, 3.0])),
    "vjp v of wrong size": lambda F, t: F.vjp(lambda x: x**2, t.tensor([1.0, 2, 3]), t.ones(2)),
    "vjp v tuple of wrong length": lambda F, t: F.vjp(
        lambda x: (x, x), t.ones(2), (t.ones(2), t.ones(2), t.ones(2))
    ),
    "vjp create_graph": lambda F, t: F.vjp(
        lambda x: x.exp(), t.tensor([0.5], requires_grad=True), t.ones(1), create_graph=True
    ),
    "vjp output not a tensor": lambda F, t: F.vjp(lambda x: 3, t.tensor([1.0])),
    "vjp input not a tensor": lambda F, t: F.vjp(lambda x, y: x, (t.tensor([1.0]), 2)),
    "vjp strict, output without grad": lambda F, t: F.vjp(
        lambda x: x.detach(), t.ones(1), t.ones(1), strict=True
    ),
    "jvp": lambda F, t: F.jvp(lambda x: x**3, t.tensor([1.0, 2.0]), t.tensor([1.0, 1.0])),
    "jvp tuples": lambda F, t: F.jvp(
        lambda x, y: (x * y, x.sin()), (t.tensor([1.0, 2]), t.tensor([3.0, 4])), (t.ones(2),) * 2
    ),
    "jvp strict, gradient independent of input": lambda F, t: F.jvp(
        lambda x: x * 2, t.tensor([1.0, 2.0]), t.ones(2), strict=True
    ),
    "jacobian": lambda F, t: F.jacobian(lambda x: x.exp() * x[0], t.tensor([0.5, 1.0])),
    "jacobian tuple input": lambda F, t: F.jacobian(
        lambda x, y: (x * y).sum(0), (t.ones(2, 2), t.tensor([[1.0, 2], [3, 4]]))
    ),
    "jacobian tuple output": lambda F, t: F.jacobian(lambda x: (x * 2, x.sum()), t.ones(3)),
    "jacobian independent input": lambda F, t: F.jacobian(
        lambda x, y: x * 2, (t.ones(2), t.ones(3))
    ),
    "jacobian strict": lambda F, t: F.jacobian(
        lambda x, y: x * 2, (t.ones(2), t.ones(3)), strict=True
    ),
    "jacobian create_graph": lambda F, t: F.jacobian(
        lambda x: x**2, t.tensor([1.0, 2.0]), create_graph=True
    ),
    "jacobian bad strategy": lambda F, t: F.jacobian(lambda x: x, t.ones(1), strategy="sideways"),
    "hessian": lambda F, t: F.hessian(lambda x: (x**3).sum(), t.tensor([1.0, 2.0])),
    "hessian tuple input": lambda F, t: F.hessian(
        lambda x, y: (x**2 * y).sum(), (t.tensor([1.0, 2]), t.tensor([3.0, 4]))
    ),
    "hessian of a vector": lambda F, t: F.hessian(lambda x: x**3, t.tensor([1.0, 2.0])),
    "hessian of a tuple": lambda F, t: F.hessian(lambda x: (x.sum(),), t.tensor([1.0, 2.0])),
    "hessian strict, linear": lambda F, t: F.hessian(
        lambda x: (x * 2).sum(), t.tensor([1.0, 2.0]), strict=True
    ),
    "hvp": lambda F, t: F.hvp(lambda x: (x**3).sum(), t.tensor([1.0, 2]), t.tensor([1.0, 0.5])),
    "vhp": lambda F, t: F.vhp(lambda x: (x**3).sum(), t.tensor([1.0, 2]), t.tensor([1.0, 0.5])),
    "hvp create_graph": lambda F, t: F.hvp(
        lambda x: (x**3).sum(), t.tensor([1.0, 2]), t.tensor([1.0, 0.5]), create_graph=True
    ),
    "hvp strict, linear": lambda F, t: F.hvp(
        lambda x: (x * 2).sum(), t.tensor([1.0, 2]), t.tensor([1.0, 0.5]), strict=True
    ),
    "vhp of a vector": lambda F, t: F.vhp(lambda x: x**3, t.tensor([1.0, 2]), t.ones(2)),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name: str) -> None:
    assert run(CASES[name], ref) == run(CASES[name], torch)


def test_inputs_are_not_changed_and_results_are_detached() -> None:
    x = ref.tensor([1.0, 2.0], requires_grad=True)
    out, grad = ref.autograd.functional.vjp(lambda a: (a * a).sum(), x)
    assert x.grad is None and x.is_leaf
    assert not out.requires_grad and not grad.requires_grad
    assert grad.tolist() == [2.0, 4.0]
