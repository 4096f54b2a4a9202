"""The least a Python autograd tape can do for the benchmark's two steps: a yardstick for the
reference engine's overhead, not an engine.

Each op computes its output with NumPy and, when an input needs a gradient, records a closure
that maps the output's gradient to its inputs' gradients. There is nothing else: no dtype
promotion, devices, version counters, saved-tensor freeing, hooks, views or error checks. The
gap between this and the reference engine is the price of PyTorch's semantics in Python. The gap
between this and the NumPy floor is the price of any tape at all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class Var:
    """An array, and the closure that made it (None for a leaf)."""

    __slots__ = ("data", "grad", "requires_grad", "inputs", "backward")

    def __init__(
        self,
        data: np.ndarray,
        requires_grad: bool = False,
        inputs: tuple = (),
        backward: Callable | None = None,
    ) -> None:
        self.data, self.grad, self.requires_grad = data, None, requires_grad
        self.inputs, self.backward = inputs, backward


def _record(out: np.ndarray, inputs: tuple, backward: Callable) -> Var:
    if any(v.requires_grad for v in inputs):
        return Var(out, True, inputs, backward)
    return Var(out)


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient over the leading dimensions broadcasting added (all this benchmark needs)."""
    return grad if grad.shape == shape else grad.sum(axis=tuple(range(grad.ndim - len(shape))))


def add(a: Var, b: Var) -> Var:
    return _record(
        a.data + b.data,
        (a, b),
        lambda g: (_unbroadcast(g, a.data.shape), _unbroadcast(g, b.data.shape)),
    )


def sub(a: Var, b: Var) -> Var:
    return _record(a.data - b.data, (a, b), lambda g: (g, -g))


def mul(a: Var, b: Var) -> Var:
    return _record(a.data * b.data, (a, b), lambda g: (g * b.data, g * a.data))


def matmul(a: Var, b: Var) -> Var:
    return _record(
        a.data @ b.data,
        (a, b),
        lambda g: (
            g @ b.data.T if a.requires_grad else None,
            a.data.T @ g if b.requires_grad else None,
        ),
    )


def tanh(a: Var) -> Var:
    y = np.tanh(a.data)
    return _record(y, (a,), lambda g: (g * (1 - y * y),))


def square(a: Var) -> Var:
    return _record(a.data * a.data, (a,), lambda g: (2 * g * a.data,))


def total(a: Var) -> Var:
    return _record(np.asarray(a.data.sum()), (a,), lambda g: (np.full_like(a.data, g),))


def mean(a: Var) -> Var:
    return _record(
        np.asarray(a.data.mean()), (a,), lambda g: (np.full_like(a.data, g / a.data.size),)
    )


def backward(root: Var) -> None:
    """Run the closures in reverse topological order; leaves add into .grad."""
    order: list[Var] = []
    seen: set[int] = set()

    def visit(v: Var) -> None:
        if v.backward is not None and id(v) not in seen:
            seen.add(id(v))
            for u in v.inputs:
                visit(u)
            order.append(v)

    visit(root)
    grads = {id(root): np.ones_like(root.data)}
    for v in reversed(order):
        for u, g in zip(v.inputs, v.backward(grads.pop(id(v))), strict=True):
            if not u.requires_grad or g is None:
                continue
            if u.backward is None:
                u.grad = g if u.grad is None else u.grad + g
            else:
                grads[id(u)] = grads[id(u)] + g if id(u) in grads else g
