"""torch.func (grad, grad_and_value, vjp, jacrev, hessian) of the reference engine against
real PyTorch: values, pytrees of inputs and outputs, argnums and has_aux, nesting, results
detached or connected, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref


def obs(v):
    """What a result looks like: values, requires_grad and grad_fn name, nested as given."""
    if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v):
        return v
    if hasattr(v, "detach"):
        node = type(v.grad_fn).__name__ if v.grad_fn is not None else None
        return np.round(v.detach().numpy(), 6).tolist(), v.requires_grad, node
    if isinstance(v, tuple | list):
        return type(v).__name__, [obs(x) for x in v]
    if isinstance(v, dict):
        return {k: obs(x) for k, x in v.items()}
    return v


def run(t, case):
    try:
        return obs(case(t))
    except Exception as e:  # noqa: BLE001 - compared as type and text
        return type(e).__name__, str(e)


def X(t):
    return t.tensor([1.0, 2.0, 3.0])


CASES = {
    "grad": lambda t: t.func.grad(lambda x: (x**3).sum())(X(t)),
    "grad-grad": lambda t: t.func.grad(t.func.grad(lambda x: (x**3).sum()))(t.tensor(2.0)),
    "grad_and_value": lambda t: t.func.grad_and_value(lambda x: (x**3).sum())(X(t)),
    "argnums": lambda t: t.func.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(X(t), X(t) * 2),
    "has_aux": lambda t: t.func.grad(lambda x: ((x**2).sum(), x.mean()), has_aux=True)(X(t)),
    "not scalar": lambda t: t.func.grad(lambda x: x**2)(X(t)),
    "tuple out": lambda t: t.func.grad(lambda x: (x, x))(X(t)),
    "requires grad input": lambda t: t.func.grad(lambda x: (x**3).sum())(
        t.tensor([1.0, 2.0], requires_grad=True)
    ),
    "vjp": lambda t: (lambda r: (r[0], r[1](t.ones(3))))(t.func.vjp(lambda x: x**2, X(t))),
    "vjp two": lambda t: (lambda r: (r[0], r[1]((t.ones(3), t.ones(3)))))(
        t.func.vjp(lambda x, y: (x * y, x + y), X(t), X(t) * 2)
    ),
    "vjp wrong tree": lambda t: (lambda r: r[1](t.ones(3)))(
        t.func.vjp(lambda x, y: (x * y, x + y), X(t), X(t) * 2)
    ),
    "vjp dict": lambda t: (lambda r: r[1]({"a": t.ones(3)}))(
        t.func.vjp(lambda x: {"a": x, "b": x}, X(t))
    ),
    "vjp aux": lambda t: (lambda r: (r[0], r[2], r[1](t.ones(3))))(
        t.func.vjp(lambda x: (x**2, x.sum()), X(t), has_aux=True)
    ),
    "jacrev": lambda t: t.func.jacrev(lambda x: x**2)(X(t)),
    "jacrev argnums": lambda t: t.func.jacrev(lambda x, y: x * y, argnums=(0, 1))(X(t), X(t)),
    "jacrev tuple": lambda t: t.func.jacrev(lambda x: (x * 2, x.sum()))(X(t)),
    "jacrev dict": lambda t: t.func.jacrev(lambda x: {"a": x * 2})(X(t)),
    "jacrev int": lambda t: t.func.jacrev(lambda x: 3)(X(t)),
    "jacrev scalar": lambda t: t.func.jacrev(lambda x: x * 2)(t.tensor(3.0)),
    "grad dict": lambda t: t.func.grad(lambda d: (d["a"] * d["b"]).sum())(
        {"a": X(t), "b": X(t) * 2}
    ),
    "hessian": lambda t: t.func.hessian(lambda x: (x**3).sum())(X(t)),
    "hessian argnums": lambda t: t.func.hessian(lambda x, y: (x * x * y).sum(), argnums=(0, 1))(
        X(t), X(t)
    ),
    "float input": lambda t: t.func.grad(lambda x: x.sum())(3.0),
    "argnums float": lambda t: t.func.grad(lambda x: x.sum(), argnums=1.5)(X(t)),
    "argnums empty": lambda t: t.func.grad(lambda x: x.sum(), argnums=())(X(t)),
    "argnums range": lambda t: t.func.grad(lambda x: x.sum(), argnums=2)(X(t)),
    "aux not tuple": lambda t: t.func.grad(lambda x: (x.sum(),), has_aux=True)(X(t)),
    "independent": lambda t: t.func.grad(lambda x: x.sum() * 0 + 1.0)(X(t)),
    "constant": lambda t: t.func.grad(lambda x: t.tensor(1.0))(X(t)),
    "under backward": lambda t: (
        lambda x: (t.func.grad(lambda y: (y**3).sum())(x).sum().backward(), x.grad)[1]
    )(t.tensor([1.0, 2.0], requires_grad=True)),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name: str) -> None:
    assert run(ref, CASES[name]) == run(torch, CASES[name])
