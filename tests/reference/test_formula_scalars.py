"""Python numbers in derivative formulas (conformance/reference/ops/scalar_overloads.py): in a
create_graph backward, PyTorch's C++ formulas record the Scalar overloads (MulBackward1,
AddBackward1, ...), while Python code, including hooks and custom Functions running during a
backward, records the Tensor ones. Each case compares the recorded graph with real PyTorch."""

from __future__ import annotations

import math

import pytest
import torch

import conformance.reference as ref


def _graph(node, depth: int = 3):
    """The node names reachable from `node`, as a nested tuple (None for a missing edge)."""
    if node is None:
        return None
    if depth == 0:
        return type(node).__name__
    return (type(node).__name__, tuple(_graph(n, depth - 1) for n, _ in node.next_functions))


def _second_order_graph(t, call, values):
    x = t.tensor(values, dtype=t.float64, requires_grad=True)
    (g,) = t.autograd.grad(call(t, x).sum(), x, create_graph=True)
    return _graph(g.grad_fn)


CASES = {
    "times-number": lambda t, x: x * 3.0,  # a wrapped number: MulBackward0, None edge
    "divided-by-number": lambda t, x: (x / 4.0) ** 2,
    "cube": lambda t, x: x**3,  # 3 * x.pow(2): MulBackward1
    "exp2": lambda t, x: t.exp2(x),  # grad * result * ln 2
    "log1p": lambda t, x: t.log1p(x),  # grad / (self + 1): AddBackward1
    "expm1": lambda t, x: t.expm1(x),
    "logit": lambda t, x: t.logit(x),  # 1 - self: a filled tensor minus self, SubBackward0
    "number-minus": lambda t, x: (2.0 - x) ** 2,
    "number-over": lambda t, x: (2.0 / x) ** 2,
    "logaddexp": lambda t, x: t.logaddexp(x, x * 2),
    "add-alpha": lambda t, x: t.add(x, x * x, alpha=2.5),
    # formulas written as PyTorch writes them: sgn, masked_fill_, rsqrt, pow, self.mean()
    "abs": lambda t, x: t.abs(x - 0.5),
    "norm-2": lambda t, x: x.norm(),
    "norm-3-dim": lambda t, x: x.norm(3, dim=0),
    "std": lambda t, x: x.std(),
    "var": lambda t, x: x.var(),
    "copysign": lambda t, x: t.copysign(x, -x),
    "xlogy": lambda t, x: t.xlogy(x, x + 1),
    "sinc": lambda t, x: t.sinc(x),
    "asin": lambda t, x: t.asin(x),
    "acos": lambda t, x: t.acos(x),
    "erf": lambda t, x: t.erf(x),
    "silu": lambda t, x: t.nn.functional.silu(x),
    # views: squeeze's derivative unsqueezes, unsqueeze's squeezes, t's is t
    "vector-times-matrix": lambda t, x: x @ t.ones(3, 2, dtype=t.float64),
    "squeeze-unsqueeze": lambda t, x: (x.view(1, 3, 1).squeeze() ** 2).unsqueeze(1),
    "linear": lambda t, x: t.nn.functional.linear(x.view(1, 3), x.view(1, 3) * 2),
    "addmm": lambda t, x: t.addmm(x.view(3, 1), x.view(3, 1), x.view(1, 3), beta=0.5, alpha=2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_formula_records_pytorchs_overloads(name):
    values = [0.25, 0.5, 0.75]
    assert _second_order_graph(ref, CASES[name], values) == _second_order_graph(
        torch, CASES[name], values
    )


def test_hooks_and_custom_functions_run_as_python_code():
    """A hook or a custom Function's backward is Python in PyTorch too: `grad * 2` there is
    MulBackward0, even while a create_graph backward runs."""

    def graph(t):
        class Double(t.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1.0

            @staticmethod
            def backward(ctx, grad):
                return grad * 2.0

        x = t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True)
        y = x.sin()
        y.register_hook(lambda g: g * 3.0)
        (g,) = t.autograd.grad(Double.apply(y).sum(), x, create_graph=True)
        return _graph(g.grad_fn, depth=4)

    assert graph(ref) == graph(torch)


def test_the_formula_flag_is_cleared_after_a_failing_formula():
    """A formula that raises leaves no formula state behind: `x * 2` outside a backward is
    MulBackward0 again."""
    x = ref.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ref.float64, requires_grad=True)
    y = x.clone()
    z = y.sin()
    y.mul_(2)  # z's saved input changed: the backward raises
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ref.autograd.grad(z.sum(), x, create_graph=True)
    assert type((x * 2.0).grad_fn).__name__ == "MulBackward0"


@pytest.mark.parametrize("create_graph", [False, True])
def test_logit_gradient_at_nan_with_eps_follows_the_backward_used(create_graph):
    """PyTorch's plain backward passes a nan input's nan; its differentiable form, used under
    create_graph, gives 0 outside [eps, 1 - eps], nan included."""

    def gradient(t):
        x = t.tensor([float("nan"), 0.5, -1.0, 0.05], dtype=t.float64, requires_grad=True)
        (g,) = t.autograd.grad(t.logit(x, 0.1).sum(), x, create_graph=create_graph)
        return g.detach().tolist()

    ours, theirs = gradient(ref), gradient(torch)
    assert [math.isnan(v) for v in ours] == [math.isnan(v) for v in theirs]
    assert [v for v in ours if v == v] == [v for v in theirs if v == v]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "float64"])
def test_a_number_over_a_tensor_in_a_formula_keeps_the_tensors_dtype(dtype, create_graph):
    """addcdiv's gradient in tensor1 is grad * (value / tensor2), where ATen fills a tensor
    like tensor2 with value and divides it in place: an integer or bool tensor2 makes the
    backward raise PyTorch's cast error (random program seeds 4688 and 6259)."""

    def outcome(t):
        x = t.ones(2, requires_grad=True)
        divisor = t.tensor([3, 1]).to(getattr(t, dtype))
        y = x.addcdiv(x, divisor, value=2).sum()
        try:
            (g,) = t.autograd.grad(y, x, create_graph=create_graph)
        except RuntimeError as exc:
            return str(exc)
        return g.tolist()

    assert outcome(ref) == outcome(torch)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("exponent", [False, True, 0, 0.0])
def test_power_by_false_takes_the_general_formula(exponent, create_graph):
    """PyTorch's pow_backward returns zeros for an exponent equal to 0.0, which a bool False
    is not: x ** False has the gradient 0 * x ** -1 (nan at 0, -0 below; seed 7703)."""

    def outcome(t):
        x = t.tensor([-2.0, 0.0, 3.0, math.inf], requires_grad=True)
        (g,) = t.autograd.grad((x**exponent).sum(), x, create_graph=create_graph)
        return [repr(v) for v in g.tolist()], g.grad_fn is None

    assert outcome(ref) == outcome(torch)


@pytest.mark.parametrize("exponent", [False, True])
@pytest.mark.parametrize("number_side", ["exponent", "base"])
def test_float_power_passes_a_number_on_as_a_double(exponent, number_side):
    """float_power converts its number side to a double before calling pow, so there False
    is 0.0 and x's gradient takes pow's zero shortcut (seed 141410), unlike x ** False."""

    def outcome(t):
        x = t.tensor([-2.0, 0.0, 3.0, math.nan], dtype=t.float64, requires_grad=True)
        args = (x, exponent) if number_side == "exponent" else (exponent, x)
        y = t.float_power(*args)
        (g,) = t.autograd.grad(y.sum(), x)
        return [repr(v) for v in y.tolist()], [repr(v) for v in g.tolist()]

    assert outcome(ref) == outcome(torch)


BOOL_OPERANDS = {
    "pow-bool-exponent": lambda t, x, b: x**b,
    "logaddexp-bool-other": lambda t, x, b: t.logaddexp(x, b),
    "logaddexp-bool-self": lambda t, x, b: t.logaddexp(b, x),
    "logaddexp2-bool-other": lambda t, x, b: t.logaddexp2(x, b),
    "igamma-bool-a": lambda t, x, b: t.igamma(b, x),
    "pow-int-exponent": lambda t, x, b: x ** b.to(t.int64),  # (allowed: an integer)
    "atan2-bool-self": lambda t, x, b: t.atan2(b, x),  # (-self: a bool negation)
    "atan2-bool-other": lambda t, x, b: t.atan2(x, b),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", list(BOOL_OPERANDS))
def test_a_formula_that_subtracts_a_bool_operand_raises_as_pytorch(name, create_graph):
    """Derivative formulas that subtract a saved operand (exponent - 1, other - self) or
    negate one (atan2's -self) meet PyTorch's refusal to do so to a bool tensor, where NumPy
    would subtract (random program seeds 14477, 19451, 20454, 26934, 31008, 39798, 46567)."""

    def outcome(t):
        x = t.tensor([0.5, 2.0], requires_grad=True)
        y = BOOL_OPERANDS[name](t, x, t.tensor([True, False])).sum()
        try:
            (g,) = t.autograd.grad(y, x, create_graph=create_graph)
        except RuntimeError as exc:
            return str(exc)
        return [round(v, 6) for v in g.tolist()]

    assert outcome(ref) == outcome(torch)
