"""torch.autograd.gradcheck and gradgradcheck (conformance/reference/gradcheck.py) against
real PyTorch: the return value, the error type and message, and the warnings, on functions
whose gradients are right, wrong, or wrong only in their second derivative."""

from __future__ import annotations

import warnings

import pytest
import torch

import conformance.reference as ref


def _square_with_half_gradient(t):
    class Half(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a

    return Half.apply


def _cube_with_wrong_second_derivative(t):
    """Right first derivative (3a^2), computed from a detached input: its own gradient is
    lost, so only gradgradcheck can tell."""

    class Cube(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a.detach() ** 2

    return Cube.apply


def _ignores_grad_output(t):
    class Ignores(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return t.ones_like(g) * 2

    return Ignores.apply


def _x(t, dtype="float64", requires_grad=True):
    return t.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=getattr(t, dtype), requires_grad=requires_grad)


CASES = {
    "passes": lambda t: t.autograd.gradcheck(lambda a: (a * a).sum(1), (_x(t),)),
    "passes-tensor-input": lambda t: t.autograd.gradcheck(lambda a: a.exp(), _x(t)),
    "passes-two-inputs-two-outputs": lambda t: t.autograd.gradcheck(
        lambda a, b: (a * b, a.sin()), (_x(t), _x(t) + 0.5)
    ),
    "passes-non-tensor-argument": lambda t: t.autograd.gradcheck(lambda a, k: a * k, [_x(t), 3.0]),
    "passes-unused-input": lambda t: t.autograd.gradcheck(lambda a, b: a * 2, (_x(t), _x(t))),
    "passes-input-not-requiring-grad": lambda t: t.autograd.gradcheck(
        lambda a, b: a * b, (_x(t), _x(t, requires_grad=False))
    ),
    "wrong-gradient": lambda t: t.autograd.gradcheck(_square_with_half_gradient(t), (_x(t),)),
    "wrong-gradient-second-input": lambda t: t.autograd.gradcheck(
        lambda a, b: a + _square_with_half_gradient(t)(b), (_x(t), _x(t))
    ),
    "wrong-gradient-no-raise": lambda t: t.autograd.gradcheck(
        _square_with_half_gradient(t), (_x(t),), raise_exception=False
    ),
    "tolerance-loosened": lambda t: t.autograd.gradcheck(
        _square_with_half_gradient(t), (_x(t),), atol=10.0
    ),
    "float32-input": lambda t: t.autograd.gradcheck(lambda a: a * 2, (_x(t, "float32"),)),
    "float32-input-eps": lambda t: t.autograd.gradcheck(
        lambda a: a * 2, (_x(t, "float32"),), eps=1e-2, atol=1e-3
    ),
    "no-input-requires-grad": lambda t: t.autograd.gradcheck(
        lambda a: a * 2, (_x(t, requires_grad=False),)
    ),
    "zero-stride-input": lambda t: t.autograd.gradcheck(
        lambda a: a * 2, (t.ones(1, dtype=t.float64).expand(3).requires_grad_(),)
    ),
    "not-multiplied-by-grad-output": lambda t: t.autograd.gradcheck(
        _ignores_grad_output(t), (t.ones(1, dtype=t.float64, requires_grad=True),)
    ),
    "no-differentiable-output": lambda t: t.autograd.gradcheck(
        lambda a: (a > 0).to(t.float64), (_x(t),)
    ),
    "gradgradcheck-passes": lambda t: t.autograd.gradgradcheck(
        lambda a: (a * a * a).sum(1), (_x(t),)
    ),
    "gradgradcheck-given-grad-outputs": lambda t: t.autograd.gradgradcheck(
        lambda a: a.sin(), (_x(t),), (t.ones(2, 2, dtype=t.float64, requires_grad=True),)
    ),
    "gradgradcheck-wrong-second-derivative": lambda t: t.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(t),
        (_x(t),),
        (t.ones(2, 2, dtype=t.float64),),
    ),
    "gradgradcheck-no-raise": lambda t: t.autograd.gradgradcheck(
        _cube_with_wrong_second_derivative(t),
        (_x(t),),
        (t.ones(2, 2, dtype=t.float64),),
        raise_exception=False,
    ),
}


def _outcome(t, case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case(t)
        except Exception as exc:  # noqa: BLE001 - the error is the outcome to compare
            result = (type(exc).__name__, isinstance(exc, RuntimeError), str(exc))
    return result, [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_matches_torch(name: str) -> None:
    assert _outcome(ref, CASES[name]) == _outcome(torch, CASES[name])


def test_gradcheck_error_is_a_runtime_error_named_as_torchs() -> None:
    with pytest.raises(RuntimeError) as caught:
        ref.autograd.gradcheck(_square_with_half_gradient(ref), (_x(ref),))
    assert type(caught.value).__name__ == "GradcheckError"
    assert isinstance(caught.value, ref.autograd.GradcheckError)
    assert str(caught.value).startswith(
        "Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor([[ 2.0000,"
    )


def test_gradcheck_leaves_inputs_as_they_were() -> None:
    """The finite differences move each element and put it back, without a version bump."""
    x = _x(ref)
    version = x._version
    ref.autograd.gradcheck(lambda a: a * a, (x,))
    assert x.tolist() == [[1.0, 2.0], [3.0, -1.0]]
    assert x._version == version
