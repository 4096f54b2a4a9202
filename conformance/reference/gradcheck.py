"""torch.autograd.gradcheck and gradgradcheck: a function's gradients, as autograd computes
them, against central finite differences, one Jacobian per (output, input) pair.

What a user observes is PyTorch's: True when every Jacobian matches (|analytical - numerical|
<= atol + rtol * |numerical|); otherwise GradcheckError, a RuntimeError whose message begins
"Jacobian mismatch for output i with respect to input j," and prints both Jacobians, or False
with raise_exception=False. Jacobians have one row per input element and one column per
output element, both in row-major order. Inputs that are not float64 get PyTorch's warning;
no input requiring grad is a ValueError.

This is PyTorch's slow mode. fast_mode=True runs the same full comparison (it accepts and
rejects as the slow mode does, so its verdicts can differ from PyTorch's randomised fast
check on borderline cases, and a failure's message is the slow mode's). The undefined-gradient
and batched-gradient checks are not run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Error raised by gradcheck and gradgradcheck."""


GradcheckError.__module__ = "torch.autograd.gradcheck"

# What PyTorch appends when two backward passes disagree.
_NONDETERMINISM = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _torch():
    from conformance import reference

    return reference


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, _torch().Tensor)


def _differentiable_outputs(out: Any) -> tuple:
    return tuple(o for o in _as_tuple(out) if o.requires_grad)


def _check_inputs(inputs: tuple) -> None:
    """PyTorch's warning for a low-precision input, its error for an input whose elements
    overlap (a zero stride: perturbing one element would move others), and for no input
    requiring grad."""
    torch = _torch()
    any_requires_grad = False
    for index, x in enumerate(inputs):
        if _is_tensor(x) and x.requires_grad:
            if x.dtype is not torch.float64:
                warnings.warn(
                    f"Input #{index} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not of "
                    "double precision floating point or complex. ",
                    stacklevel=3,
                )
            if not all(st > 0 or n <= 1 for st, n in zip(x.stride(), x.shape, strict=True)):
                raise RuntimeError(
                    f"The {index}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck."
                )
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )


def _numerical_jacobians(func: Callable, inputs: tuple, outputs: tuple, eps: float) -> list:
    """jacobians[j][i]: d output i / d input j by central differences, each input element
    moved by -eps and +eps in place (through .data, so autograd's version counters do not
    see it), and the function run again."""
    torch = _torch()
    jacobians = []
    for x in inputs:
        if not (_is_tensor(x) and x.requires_grad):
            continue
        per_output = [
            torch.zeros((x.numel(), o.numel()), dtype=o.dtype, device=o.device) for o in outputs
        ]
        entry = x.data
        for row, index in enumerate(_indices(tuple(x.shape))):
            original = entry[index].item()
            entry[index] = original - eps
            below = _evaluate(func, inputs)
            entry[index] = original + eps
            above = _evaluate(func, inputs)
            entry[index] = original
            for column, (b, a) in enumerate(zip(below, above, strict=True)):
                per_output[column][row] = ((a - b) / (2 * eps)).reshape(-1)
        jacobians.append(per_output)
    return jacobians


def _indices(shape: tuple) -> list:
    if not shape:
        return [()]
    indices = [()]
    for n in shape:
        indices = [i + (k,) for i in indices for k in range(n)]
    return indices


def _evaluate(func: Callable, inputs: tuple) -> tuple:
    """The outputs at the perturbed inputs (with grad mode on: gradgradcheck's function takes
    gradients itself)."""
    return tuple(o.detach().clone() for o in _as_tuple(func(*inputs)) if _is_tensor(o))


def _analytical_jacobians(output: Any, inputs: list) -> tuple:
    """One backward per output element with a one-hot gradient: column m of each input's
    Jacobian (in the input's dtype). Also whether every gradient had its input's dtype and
    size."""
    torch = _torch()
    jacobians = [x.new_zeros((x.numel(), output.numel())) for x in inputs]
    types_ok = sizes_ok = True
    seed = torch.zeros_like(output)
    flat = seed.view(-1)
    for column in range(output.numel()):
        flat.zero_()
        flat[column] = 1
        grads = torch.autograd.grad(output, inputs, seed, retain_graph=True, allow_unused=True)
        for jacobian, grad, x in zip(jacobians, grads, inputs, strict=True):
            if grad is None:
                continue
            if grad.dtype != x.dtype:
                types_ok = False
            if grad.numel() != x.numel():
                sizes_ok = False
                continue
            jacobian[:, column] = grad.reshape(-1).to(jacobian.dtype)
    return jacobians, types_ok, sizes_ok


def _allclose(analytical: Any, numerical: Any, rtol: float, atol: float) -> bool:
    torch = _torch()
    common = torch.promote_types(analytical.dtype, numerical.dtype)
    return bool(torch.allclose(analytical.to(common), numerical.to(common), rtol, atol))


def _slow_gradcheck(
    func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol
) -> None:
    torch = _torch()
    all_out = tuple(o for o in _as_tuple(func_out) if _is_tensor(o))
    numerical = _numerical_jacobians(func, inputs, all_out, eps)
    if not outputs:
        # No differentiable output: the function must not change with its inputs.
        for per_output in numerical:
            for jacobian in per_output:
                if torch.ne(jacobian, 0).sum() > 0:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    wanted = [j for j, o in enumerate(all_out) if o.requires_grad]
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    for i, output in enumerate(outputs):
        first, types_ok, sizes_ok = _analytical_jacobians(output, diff_inputs)
        second, _, _ = _analytical_jacobians(output, diff_inputs)
        reentrant = all(
            a.numel() == 0 or (a - b).abs().max() <= nondet_tol
            for a, b in zip(first, second, strict=True)
        )
        if not types_ok and check_grad_dtypes:
            raise GradcheckError("Gradient has dtype mismatch")
        if not sizes_ok:
            raise GradcheckError("Analytical gradient has incorrect size")
        if not reentrant:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                "gradient matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}." + _NONDETERMINISM
            )
        for j, analytical in enumerate(first):
            expected = numerical[j][wanted[i]].to(analytical.device)
            if not _allclose(analytical, expected, rtol, atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{expected}\nanalytical:{analytical}\n"
                )


def _check_multiplied_by_grad_output(outputs: tuple, inputs: tuple) -> None:
    """A zero incoming gradient must give zero gradients of the input's dtype and size."""
    torch = _torch()
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    zeros = [torch.zeros_like(o) for o in outputs]
    grads = torch.autograd.grad(outputs, diff_inputs, zeros, allow_unused=True)
    for grad, x in zip(grads, diff_inputs, strict=True):
        if grad is None:
            continue
        if not grad.eq(0).all():
            raise GradcheckError("backward not multiplied by grad_output")
        if grad.dtype != x.dtype or grad.device != x.device:
            raise GradcheckError("grad is incorrect type")
        if grad.shape != x.shape:
            raise GradcheckError("grad is incorrect size")


def gradcheck(
    func: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """torch.autograd.gradcheck: True if the gradients of func at inputs match finite
    differences; GradcheckError otherwise (False with raise_exception=False)."""
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError(
            "conformance.reference: gradcheck checks reverse mode only (no forward AD or "
            "batched gradients)"
        )
    try:
        inputs = _as_tuple(inputs)
        _check_inputs(inputs)
        func_out = func(*inputs)
        outputs = _differentiable_outputs(func_out)
        if check_backward_ad:
            _slow_gradcheck(
                func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol
            )
            if outputs:
                _check_multiplied_by_grad_output(outputs, inputs)
        return True
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(
    func: Callable,
    inputs: Any,
    grad_outputs: Sequence | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """torch.autograd.gradgradcheck: gradcheck of the function that maps (inputs, incoming
    gradients) to the input gradients, computed with create_graph=True. Without grad_outputs,
    the incoming gradients are random in [-1, 1), requiring grad, as in PyTorch."""
    torch = _torch()
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = tuple(
            (torch.rand(o.shape, dtype=o.dtype, device=o.device) * 2 - 1).requires_grad_()
            for o in _differentiable_outputs(func(*inputs))
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(grad_outputs)
    input_wants = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}
    output_wants = {i for i, g in enumerate(grad_outputs) if g.requires_grad}

    def gradients(*args: Any) -> tuple:
        xs = tuple(x.requires_grad_() if i in input_wants else x for i, x in enumerate(args[:-n]))
        outs = _differentiable_outputs(func(*xs))
        gs = tuple(g.requires_grad_() if i in output_wants else g for i, g in enumerate(args[-n:]))
        wanted = tuple(x for i, x in enumerate(xs) if i in input_wants)
        grads = torch.autograd.grad(outs, wanted, gs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        gradients,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_backward_ad=check_rev_over_rev,
        fast_mode=fast_mode,
    )
