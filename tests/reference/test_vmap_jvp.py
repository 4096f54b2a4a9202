"""torch.func.vmap, jvp and jacfwd (conformance/reference/vmap.py and func.py) against real
PyTorch: values, shapes, pytrees, nesting with grad, randomness modes, and the errors for
misuse, message for message."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _data(t):
    rng = np.random.default_rng(0)
    return {
        "x": t.tensor(rng.standard_normal((3, 2))),
        "y": t.tensor(rng.standard_normal((2, 3))),
        "w": t.tensor(rng.standard_normal(2)),
        "v": t.tensor(rng.standard_normal(3)),
        "empty": t.zeros(0, 2, dtype=t.float64),
    }


def _values(result):
    """A result as nested plain data, with each tensor's shape."""
    if isinstance(result, tuple | list):
        return type(result).__name__, [_values(r) for r in result]
    if isinstance(result, dict):
        return {k: _values(v) for k, v in result.items()}
    if hasattr(result, "detach"):
        return tuple(result.shape), np.round(result.detach().double().numpy(), 10).tolist()
    return result


def _outcome(t, call):
    try:
        return ("ok", _values(call(t, t.func, _data(t))))
    except Exception as error:  # noqa: BLE001 - an error is an outcome to compare
        return (type(error).__name__, str(error))


VMAP = {
    "add": lambda t, f, d: f.vmap(t.add)(d["x"], d["x"]),
    "in-dims-none": lambda t, f, d: f.vmap(t.mul, in_dims=(0, None))(d["x"], d["w"]),
    "in-dims-1": lambda t, f, d: f.vmap(t.dot, in_dims=(1, 0))(d["y"], d["y"].t()),
    "in-dims-negative": lambda t, f, d: f.vmap(lambda a: a * 2, in_dims=-1)(d["x"]),
    "out-dims-1": lambda t, f, d: f.vmap(lambda a: a * 2, out_dims=1)(d["x"]),
    "out-dims-negative": lambda t, f, d: f.vmap(lambda a: a.sum(), out_dims=-1)(d["x"]),
    "tuple-out-dims": lambda t, f, d: f.vmap(lambda a: (a, a.sum()), out_dims=(1, 0))(d["x"]),
    "list-and-dict-output": lambda t, f, d: f.vmap(lambda a: [a, {"b": a * 2}])(d["x"]),
    "dict-input": lambda t, f, d: f.vmap(lambda p: p["a"] * 2, in_dims=({"a": 0},))({"a": d["x"]}),
    "number-argument": lambda t, f, d: f.vmap(t.add, in_dims=(0, None))(d["x"], 1),
    "kwargs-unmapped": lambda t, f, d: f.vmap(lambda a, scale: a * scale)(d["x"], scale=3.0),
    "nested": lambda t, f, d: f.vmap(f.vmap(lambda a: a**2))(d["x"]),
    "unbatched-output": lambda t, f, d: f.vmap(lambda a: t.ones(2, dtype=t.float64))(d["x"]),
    "out-dims-none": lambda t, f, d: f.vmap(lambda a: t.ones(2), out_dims=None)(d["x"]),
    "empty-batch": lambda t, f, d: f.vmap(lambda a: a * 2)(d["empty"]),
    "empty-batch-reduction": lambda t, f, d: f.vmap(lambda a: a.sum(), out_dims=0)(d["empty"]),
    "chunked": lambda t, f, d: f.vmap(lambda a: a.sum(), chunk_size=2)(d["x"]),
    "per-sample-gradients": lambda t, f, d: f.vmap(
        f.grad(lambda w, a, b: ((a * w).sum() - b) ** 2), in_dims=(None, 0, 0)
    )(d["w"], d["x"], d["v"]),
    # errors
    "batch-sizes-differ": lambda t, f, d: f.vmap(t.add)(d["x"], d["y"]),
    "number-mapped": lambda t, f, d: f.vmap(t.add, in_dims=(0, 0))(d["x"], 1),
    "in-dims-none-top": lambda t, f, d: f.vmap(lambda a: a, in_dims=None)(d["x"]),
    "in-dims-string": lambda t, f, d: f.vmap(lambda a: a, in_dims="x")(d["x"]),
    "in-dims-float-leaf": lambda t, f, d: f.vmap(lambda a: a, in_dims=(0.5,))(d["x"]),
    "in-dims-structure": lambda t, f, d: f.vmap(lambda a, b: a, in_dims=(0,))(d["x"], d["x"]),
    "in-dim-out-of-range": lambda t, f, d: f.vmap(lambda a: a, in_dims=2)(d["x"]),
    "zero-dim-input": lambda t, f, d: f.vmap(lambda a: a)(t.tensor(1.0)),
    "nothing-mapped": lambda t, f, d: f.vmap(lambda a: a, in_dims=(None,))(d["x"]),
    "no-inputs": lambda t, f, d: f.vmap(lambda: 1)(),
    "returns-number": lambda t, f, d: f.vmap(lambda a: 3)(d["x"]),
    "returns-none": lambda t, f, d: f.vmap(lambda a: None)(d["x"]),
    "out-dims-structure": lambda t, f, d: f.vmap(lambda a: (a, a), out_dims=(0,))(d["x"]),
    "out-dims-tuple-for-tensor": lambda t, f, d: f.vmap(lambda a: a, out_dims=(0, 0))(d["x"]),
    "out-dims-string": lambda t, f, d: f.vmap(lambda a: a, out_dims="a")(d["x"]),
    "out-dim-out-of-range": lambda t, f, d: f.vmap(lambda a: a, out_dims=2)(d["x"]),
    "batched-output-with-out-dims-none": lambda t, f, d: f.vmap(lambda a: a, out_dims=None)(d["x"]),
    "bad-randomness": lambda t, f, d: f.vmap(lambda a: a, randomness="foo"),
    "bad-chunk-size": lambda t, f, d: f.vmap(lambda a: a, chunk_size=0),
    "partial-name": lambda t, f, d: f.vmap(functools.partial(t.add, other=1), in_dims=(0, 0))(
        d["x"], 2
    ),
    "random-in-error-mode": lambda t, f, d: f.vmap(lambda a: a + t.rand(2))(d["x"]),
}


@pytest.mark.parametrize("name", list(VMAP))
def test_vmap_matches_torch(name):
    assert _outcome(ref, VMAP[name]) == _outcome(torch, VMAP[name])


def test_vmap_slices_are_views_so_in_place_ops_write_through():
    for t in (ref, torch):
        x = t.zeros(3, 2)
        t.func.vmap(lambda a: a.add_(1))(x)
        assert x.tolist() == [[1.0, 1.0]] * 3


def test_vmap_randomness_same_and_different():
    x = ref.zeros(4, 3)
    same = ref.func.vmap(lambda a: a + ref.rand(3), randomness="same")(x)
    different = ref.func.vmap(lambda a: a + ref.rand(3), randomness="different")(x)
    assert all(row == same[0].tolist() for row in same.tolist())
    assert len({tuple(row) for row in different.tolist()}) == 4


def test_vmap_is_differentiable():
    """An ordinary backward through vmap reaches the mapped inputs, as in PyTorch."""
    grads = []
    for t in (ref, torch):
        x = t.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=t.float64, requires_grad=True)
        t.func.vmap(lambda a: (a.sin() * a).sum())(x).sum().backward()
        grads.append(x.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


JVP = {
    "sin": lambda t, f, d: f.jvp(t.sin, (d["w"],), (t.ones(2, dtype=t.float64),)),
    "two-inputs": lambda t, f, d: f.jvp(t.mul, (d["w"], d["w"] + 1), (d["w"], t.ones(2) * 2)),
    "tree-output": lambda t, f, d: f.jvp(
        lambda a: {"s": a.sin(), "p": [a.prod(), a @ a]}, (d["w"],), (d["w"] * 0 + 1,)
    ),
    "has-aux": lambda t, f, d: f.jvp(
        lambda a: (a.exp(), a.cos()), (d["w"],), (t.ones(2, dtype=t.float64),), has_aux=True
    ),
    "float32-tangent": lambda t, f, d: f.jvp(t.sin, (d["w"],), (t.ones(2),)),
    "constant-output": lambda t, f, d: f.jvp(lambda a: t.ones(2), (d["w"],), (d["w"],)),
    "integer-output": lambda t, f, d: f.jvp(lambda a: (a * 3).long(), (d["w"],), (d["w"],)),
    "matrix": lambda t, f, d: f.jvp(lambda a: a @ a.t(), (d["x"],), (d["x"].flip(0),)),
    # errors
    "primals-not-tuple": lambda t, f, d: f.jvp(t.sin, d["w"], (d["w"],)),
    "structures-differ": lambda t, f, d: f.jvp(t.sin, (d["w"],), d["w"]),
    "too-many-tangents": lambda t, f, d: f.jvp(t.sin, (d["w"],), (d["w"], d["w"])),
    "no-primals": lambda t, f, d: f.jvp(t.sin, (), ()),
    "number-primal": lambda t, f, d: f.jvp(t.sin, (3.0,), (1.0,)),
    "number-tangent": lambda t, f, d: f.jvp(t.sin, (d["w"],), (3.0,)),
    "integer-primal": lambda t, f, d: f.jvp(t.sin, (d["w"].int(),), (d["w"].int(),)),
    "tangent-shape": lambda t, f, d: f.jvp(t.sin, (d["w"],), (d["v"],)),
    "returns-number": lambda t, f, d: f.jvp(lambda a: 3, (d["w"],), (d["w"],)),
    "aux-not-pair": lambda t, f, d: f.jvp(t.sin, (d["w"],), (d["w"],), has_aux=True),
}


@pytest.mark.parametrize("name", list(JVP))
def test_jvp_matches_torch(name):
    assert _outcome(ref, JVP[name]) == _outcome(torch, JVP[name])


def test_jvp_inside_grad_stays_differentiable():
    """d/dw of <jvp of sin at w along w, 1>: the jvp stays connected to an outer transform."""

    def run(t):
        def inner(w):
            return t.func.jvp(t.sin, (w,), (w,))[1].sum()

        return t.func.grad(inner)(t.tensor([0.5, -1.0, 2.0], dtype=t.float64)).tolist()

    np.testing.assert_allclose(run(ref), run(torch), rtol=1e-12)


JACFWD = {
    "sin": lambda t, f, d: f.jacfwd(t.sin)(d["w"]),
    "argnums": lambda t, f, d: f.jacfwd(lambda a, b: a * b.sum(), argnums=(0, 1))(d["w"], d["v"]),
    "has-aux": lambda t, f, d: f.jacfwd(lambda a: (a.sin(), a.cos()), has_aux=True)(d["w"]),
    "matrix-input": lambda t, f, d: f.jacfwd(lambda a: a.sum(0))(d["x"]),
    "random-same": lambda t, f, d: f.jacfwd(lambda a: a + t.rand(2) * 0, randomness="same")(d["w"]),
    "random-error": lambda t, f, d: f.jacfwd(lambda a: a + t.rand(2))(d["w"]),
    "bad-randomness": lambda t, f, d: f.jacfwd(t.sin, randomness="foo")(d["w"]),
}


@pytest.mark.parametrize("name", list(JACFWD))
def test_jacfwd_matches_torch(name):
    assert _outcome(ref, JACFWD[name]) == _outcome(torch, JACFWD[name])
