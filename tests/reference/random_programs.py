"""Random short programs run on real PyTorch and on the reference engine, outcome by outcome.

A program is one or two tensors of random dtype, shape and values (with infinities, NaN,
signed zeros and empty dimensions among them), then one to three ops chained on the first,
the second tensor or a Python number as the other operand, then a backward through the
result where it allows one. After every step both engines' outcomes are compared: the
error's type and message, or the dtype, shape, requires_grad, grad_fn name, leafness and values; and
after the backward, every input's gradient. The generator is deterministic per seed, so a
difference is reported as a seed that reproduces it (see test_random_programs.py).

The op table is the point of extension: one line per op, a function of the engine
namespace `t`, the current tensor `a`, the other operand `b` and a dimension `d` valid for
`a`. Ops that need a shape they were not given raise Skip.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass

import numpy as np


class Skip(Exception):  # noqa: N818 - a signal, not an error
    """The drawn operand does not suit the op: the step is left out."""


def _matrix(a):
    if a.ndim != 2:
        raise Skip
    return a


def _tensor(t, b):
    return b if isinstance(b, t.Tensor) else None


def _set_first(a, b):
    a[0] = b if not isinstance(b, type(a)) or b.ndim == 0 else 1.5
    return a


def _set_positive(a):
    a[a > 0] = 2
    return a


def _in_place(method):
    def apply(t, a, b, d):
        return getattr(a, method)(b)

    return apply


F = "nn.functional"

OPS = {
    # unary math and predicates
    **{
        name: (lambda t, a, b, d, name=name: getattr(t, name)(a))
        for name in [
            "abs",
            "neg",
            "exp",
            "log",
            "sqrt",
            "sin",
            "cos",
            "tanh",
            "sigmoid",
            "relu",
            "floor",
            "ceil",
            "round",
            "trunc",
            "frac",
            "sign",
            "reciprocal",
            "rsqrt",
            "square",
            "log1p",
            "expm1",
            "erf",
            "exp2",
            "log2",
            "log10",
            "sinh",
            "cosh",
            "asin",
            "acos",
            "atan",
            "asinh",
            "acosh",
            "atanh",
            "erfc",
            "erfinv",
            "lgamma",
            "digamma",
            "sgn",
            "isnan",
            "isinf",
            "isfinite",
            "signbit",
            "logical_not",
            "bitwise_not",
            "nan_to_num",
            "deg2rad",
            "rad2deg",
            "sinc",
            "logit",
            "i0",
            "positive",
            "isposinf",
            "isneginf",
            "fix",
            "clone",
        ]
    },
    **{
        name: (lambda t, a, b, d, name=name: getattr(a, name)())
        for name in [
            "float",
            "double",
            "long",
            "int",
            "bool",
            "half",
            "contiguous",
            "flatten",
            "argsort",
            "nonzero",
        ]
    },
    "tril": lambda t, a, b, d: t.tril(a, 1),
    "trace": lambda t, a, b, d: t.trace(_matrix(a)),
    # binary: a tensor or a number as the other operand
    **{
        name: (lambda t, a, b, d, name=name: getattr(t, name)(a, b))
        for name in [
            "add",
            "sub",
            "mul",
            "div",
            "true_divide",
            "floor_divide",
            "pow",
            "maximum",
            "minimum",
            "fmod",
            "remainder",
            "atan2",
            "hypot",
            "eq",
            "ne",
            "lt",
            "le",
            "gt",
            "ge",
            "logical_and",
            "logical_or",
            "logical_xor",
            "bitwise_and",
            "bitwise_or",
            "bitwise_xor",
            "fmax",
            "fmin",
            "copysign",
            "xlogy",
            "float_power",
            "heaviside",
            "nextafter",
            "ldexp",
            "logaddexp",
            "rsub",
            "isclose",
            "dist",
            "bitwise_left_shift",
            "bitwise_right_shift",
            "gcd",
            "lcm",
            "matmul",
            "outer",
            "clamp_min",
            "clamp_max",
            "igamma",
        ]
    },
    **{name: _in_place(name) for name in ["mul_", "add_", "sub_", "div_", "copy_", "eq_", "pow_"]},
    "where": lambda t, a, b, d: t.where(a > 0, a, b),
    "where-number": lambda t, a, b, d: t.where(a > 0, a, 0.5),
    "clamp": lambda t, a, b, d: t.clamp(a, min=b, max=2),
    "clamp-tensors": lambda t, a, b, d: t.clamp(a, min=_tensor(t, b), max=_tensor(t, b)),
    "div-floor": lambda t, a, b, d: t.div(a, b, rounding_mode="floor"),
    "div-trunc": lambda t, a, b, d: t.div(a, b, rounding_mode="trunc"),
    "lerp": lambda t, a, b, d: t.lerp(a, b, 0.5),
    "add-alpha": lambda t, a, b, d: t.add(a, b, alpha=2),
    "sub-float-alpha": lambda t, a, b, d: t.sub(a, b, alpha=0.5),
    "addcmul": lambda t, a, b, d: t.addcmul(a, a, b, value=0.5),
    "addcdiv": lambda t, a, b, d: t.addcdiv(a, a, b, value=2),
    "masked_fill": lambda t, a, b, d: a.masked_fill(a > 0, b if not isinstance(b, t.Tensor) else 1),
    # Python's operators, reflected and in place
    "r-pow": lambda t, a, b, d: 2**a,
    "r-div": lambda t, a, b, d: 3 / a,
    "r-floordiv": lambda t, a, b, d: 3 // a,
    "r-mod": lambda t, a, b, d: 3 % a,
    "invert": lambda t, a, b, d: ~a,
    "and": lambda t, a, b, d: a & b,
    "xor": lambda t, a, b, d: a ^ b,
    "lshift": lambda t, a, b, d: a << b,
    "at": lambda t, a, b, d: a @ b,
    "iadd": lambda t, a, b, d: a.__iadd__(b),
    "imul": lambda t, a, b, d: a.__imul__(b),
    "itruediv": lambda t, a, b, d: a.__itruediv__(b),
    "ifloordiv": lambda t, a, b, d: a.__ifloordiv__(b),
    "imod": lambda t, a, b, d: a.__imod__(b),
    "ipow": lambda t, a, b, d: a.__ipow__(b),
    # reductions
    **{
        name: (lambda t, a, b, d, name=name: getattr(t, name)(a))
        for name in [
            "sum",
            "mean",
            "prod",
            "amax",
            "amin",
            "max",
            "min",
            "argmax",
            "argmin",
            "std",
            "var",
            "norm",
            "all",
            "any",
            "nansum",
            "nanmean",
            "median",
            "aminmax",
            "count_nonzero",
        ]
    },
    **{
        name: (lambda t, a, b, d, name=name: getattr(t, name)(a, d))
        for name in [
            "cumsum",
            "cumprod",
            "softmax",
            "log_softmax",
            "logsumexp",
            "cummin",
            "logcumsumexp",
            "sort",
            "std_mean",
            "var_mean",
        ]
    },
    "sum-keepdim": lambda t, a, b, d: a.sum(d, keepdim=True),
    "mean-float64": lambda t, a, b, d: a.mean(dtype=t.float64),
    "sum-int64": lambda t, a, b, d: a.sum(dtype=t.int64),
    "var-correction": lambda t, a, b, d: a.var(d, correction=0),
    "norm-inf": lambda t, a, b, d: a.norm(p=float("inf")),
    "vector_norm": lambda t, a, b, d: t.linalg.vector_norm(a, ord=3),
    "topk": lambda t, a, b, d: t.topk(a, 1, dim=d).values,
    "diff": lambda t, a, b, d: t.diff(a, dim=d),
    "quantile": lambda t, a, b, d: t.quantile(a, 0.3),
    "renorm": lambda t, a, b, d: t.renorm(a, 2, 0, 1.0),
    # shapes, views and indexing
    "t": lambda t, a, b, d: a.t() if a.ndim <= 2 else a.transpose(0, 1),
    "transpose": lambda t, a, b, d: a.transpose(d, -1),
    "reshape": lambda t, a, b, d: a.reshape(-1),
    "view-column": lambda t, a, b, d: a.view(-1, 1) if a.numel() else a.view(0, -1),
    "view-transposed": lambda t, a, b, d: a.transpose(0, -1).view(-1),
    "squeeze": lambda t, a, b, d: a.squeeze(d),
    "unsqueeze": lambda t, a, b, d: a.unsqueeze(-1),
    "expand": lambda t, a, b, d: a.expand(2, *a.shape),
    "expand_as": lambda t, a, b, d: a.expand_as(b),
    "flip": lambda t, a, b, d: a.flip(d),
    "roll": lambda t, a, b, d: a.roll(1, d),
    "narrow": lambda t, a, b, d: a.narrow(d, 0, 1),
    "select": lambda t, a, b, d: a.select(d, -1),
    "slice": lambda t, a, b, d: a[..., 1:],
    "cat": lambda t, a, b, d: t.cat([a, b], d),
    "stack": lambda t, a, b, d: t.stack([a, a], d),
    "repeat": lambda t, a, b, d: a.repeat(*([2] + [1] * a.ndim)),
    "chunk": lambda t, a, b, d: a.chunk(2, d)[0],
    "gather": lambda t, a, b, d: t.gather(a, d, t.zeros_like(a, dtype=t.int64)),
    "index_select": lambda t, a, b, d: t.index_select(a, d, t.tensor([0, 0])),
    "take": lambda t, a, b, d: t.take(a, t.tensor([0, -1])),
    "masked_select": lambda t, a, b, d: a.masked_select(a > 0),
    "index-bool": lambda t, a, b, d: a[a > 0],
    "index-list": lambda t, a, b, d: a[[0, -1]],
    "setitem": lambda t, a, b, d: _set_first(a, b),
    "setitem-bool": lambda t, a, b, d: _set_positive(a),
    "scatter_add": lambda t, a, b, d: a.scatter_add(d, t.zeros_like(a, dtype=t.int64), a),
    "index_put_": lambda t, a, b, d: a.index_put_((t.tensor([0]),), t.tensor(1.0)),
    "unfold": lambda t, a, b, d: a.unfold(d, 1, 1),
    "zeros_like": lambda t, a, b, d: t.zeros_like(a),
    "full_like": lambda t, a, b, d: t.full_like(a, 2.5),
    "to-float16": lambda t, a, b, d: a.to(t.float16),
    # torch.nn.functional
    **{
        name: (lambda t, a, b, d, name=name: getattr(t.nn.functional, name)(a))
        for name in [
            "gelu",
            "silu",
            "softplus",
            "elu",
            "hardtanh",
            "hardswish",
            "hardsigmoid",
            "mish",
            "logsigmoid",
            "softsign",
            "tanhshrink",
            "softshrink",
            "hardshrink",
            "relu6",
            "celu",
            "selu",
            "one_hot",
        ]
    },
    **{
        name: (lambda t, a, b, d, name=name: getattr(t.nn.functional, name)(a, b))
        for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "kl_div", "binary_cross_entropy"]
    },
    "bce-with-logits": lambda t, a, b, d: t.nn.functional.binary_cross_entropy_with_logits(a, b),
    "leaky_relu": lambda t, a, b, d: t.nn.functional.leaky_relu(a, 0.2),
    "threshold": lambda t, a, b, d: t.nn.functional.threshold(a, 0.5, -1.0),
    "prelu": lambda t, a, b, d: t.nn.functional.prelu(a, t.tensor([0.25], dtype=a.dtype)),
    "layer_norm": lambda t, a, b, d: t.nn.functional.layer_norm(a, a.shape[-1:]),
    "glu": lambda t, a, b, d: t.nn.functional.glu(a, d),
    "pad": lambda t, a, b, d: t.nn.functional.pad(a, (1, 1)),
}

DTYPES = [
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.0, float("inf"), float("-inf"), float("nan"), 7.0]
NUMBERS = [2, -1, 0, 3, 0.5, -1.5, True, False, 2.0, float("inf")]


@dataclass
class Input:
    dtype: str
    shape: tuple
    values: list
    requires_grad: bool

    def make(self, t):
        data = np.array(self.values, dtype=np.float64).reshape(self.shape)
        tensor = t.tensor(data.tolist() if self.shape else float(data), dtype=t.float64)
        tensor = tensor.to(getattr(t, self.dtype))
        if self.requires_grad and self.dtype in ("float32", "float64"):
            tensor.requires_grad_(True)
        return tensor


def _draw_input(rng):
    dtype = rng.choice(DTYPES)
    shape = tuple(
        rng.choice([0, 1, 2, 3]) if rng.random() < 0.15 else rng.choice([1, 2, 3, 4])
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))
    )
    values = []
    for _ in range(int(np.prod(shape)) if shape else 1):
        if dtype in ("float32", "float64", "float16", "bfloat16"):
            drawn = rng.choice(SPECIAL) if rng.random() < 0.25 else round(rng.uniform(-3, 3), 3)
        elif dtype == "bool":
            drawn = float(rng.random() < 0.5)
        else:
            drawn = float(rng.randint(0 if dtype == "uint8" else -6, 6))
        values.append(drawn)
    return Input(dtype, shape, values, rng.random() < 0.5)


@dataclass
class Program:
    inputs: list
    steps: list  # (op name, a Python number for the other operand or None, dim choice)

    def __str__(self) -> str:
        shown = [(i.dtype, i.shape, i.requires_grad) for i in self.inputs]
        return f"inputs {shown}, steps {[(op, number) for op, number, _ in self.steps]}"


def program(seed: int) -> Program:
    rng = random.Random(seed)
    inputs = [_draw_input(rng), _draw_input(rng)]
    names = sorted(OPS)
    steps = [
        (rng.choice(names), rng.choice(NUMBERS) if rng.random() < 0.3 else None, rng.random())
        for _ in range(rng.randint(1, 3))
    ]
    return Program(inputs, steps)


def _observe(t, value):
    if isinstance(value, tuple | list) and not isinstance(value, t.Size):
        return ("several",) + tuple(_observe(t, v) for v in value)
    if not isinstance(value, t.Tensor):
        return ("value", repr(value))
    plain = value.detach()
    array = np.array((plain if plain.dtype == t.bool else plain.to(t.float64)).numpy(force=True))
    node = type(value.grad_fn).__name__ if value.grad_fn is not None else None
    meta = (str(value.dtype), tuple(value.shape), value.requires_grad, node, value.is_leaf)
    return ("tensor", meta, array)


def _error(exc: Exception) -> tuple:
    """An error as an outcome: its type and its message's first line. (A refusal that lists
    PyTorch's overloads is compared by type only: the engine does not keep which arguments
    were given by keyword, which that message spells out.)"""
    message = str(exc).split("\n")[0]
    return ("error", type(exc).__name__, None if "invalid combination" in message else message)


def run(t, prog: Program) -> list:
    """Each step's outcome, then the gradients (or the backward's error)."""
    tensors = [i.make(t) for i in prog.inputs]
    current, outcomes = tensors[0], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, number, choice in prog.steps:
            other = tensors[1] if number is None else number
            dim = int(choice * 2 * max(current.ndim, 1)) - max(current.ndim, 1)
            try:
                current = OPS[name](t, current, other, dim)
            except Skip:
                continue
            except Exception as exc:  # noqa: BLE001 - an error is an outcome
                outcomes.append(_error(exc))
                return outcomes
            outcomes.append(_observe(t, current))
            if isinstance(current, tuple | list):
                current = current[0]
            if not isinstance(current, t.Tensor):
                return outcomes
        if current.requires_grad and current.dtype.is_floating_point:
            try:
                current.sum().backward()
            except Exception as exc:  # noqa: BLE001
                outcomes.append(_error(exc))
                return outcomes
            outcomes.append(
                ("gradients",)
                + tuple(None if x.grad is None else _observe(t, x.grad) for x in tensors)
            )
    return outcomes


_TOLERANCE = {"torch.float16": 1e-2, "torch.bfloat16": 5e-2, "torch.float32": 1e-4}


def difference(theirs, ours) -> str | None:
    """Where two outcomes differ, in words; None where they agree."""
    if theirs is None or ours is None:
        return None if theirs is ours else f"{theirs!r} against {ours!r}"
    if theirs[0] != ours[0] or len(theirs) != len(ours):
        return f"{theirs[:2]} against {ours[:2]}"
    if theirs[0] in ("several", "gradients"):
        return next(
            (d for d in map(difference, theirs[1:], ours[1:]) if d is not None),
            None,
        )
    if theirs[0] != "tensor":
        return None if theirs == ours else f"{theirs} against {ours}"
    (_, meta, a), (_, our_meta, b) = theirs, ours
    if meta != our_meta:
        return f"{meta} against {our_meta}"
    tolerance = _TOLERANCE.get(meta[0], 1e-9)
    if not np.allclose(a, b, rtol=tolerance, atol=tolerance, equal_nan=True):
        return f"values {a.ravel()[:6]} against {b.ravel()[:6]}"
    return None


def compare(t_torch, t_ref, seed: int) -> str | None:
    prog = program(seed)
    theirs, ours = run(t_torch, prog), run(t_ref, prog)
    for step, (a, b) in enumerate(zip(theirs, ours, strict=False)):
        found = difference(a, b)
        if found:
            return f"seed {seed}, outcome {step}: {found}; {prog}"
    if len(theirs) != len(ours):
        return f"seed {seed}: {len(theirs)} outcomes against {len(ours)}; {prog}"
    return None
