"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp, on top of
autograd.grad.

Each runs the user's function on fresh leaves made from the inputs (views of them when
create_graph=True and they require grad, so the result stays differentiable with respect to
the originals), and returns results detached unless create_graph=True. A gradient that does
not depend on an input is zeros, or an error with strict=True. Products with a Jacobian from
the right (jvp, hvp) use the double backward trick: the engine has no forward-mode AD, and
neither does PyTorch's implementation of these.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import grad_mode
from conformance.reference.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

OUTPUTS = "outputs of the user-provided function"
_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
    "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. "
    "This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
    "{i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using "
    "the double backward trick to replace forward mode AD.",
}
_NO_GRAD = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
    "outputs must be computed in a differentiable manner from the input when running in "
    "strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
    "function with respect to input {i} is independent of the input. This is not allowed in "
    "strict mode. You should ensure that your function is twice differentiable and that the "
    "jacobian depends on the inputs (this would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
    "independent of the input. This is not allowed in strict mode. You should ensure that your "
    "function is thrice differentiable and that the hessian depends on the inputs.",
}


def _tensors(value: Any, what: str, fn: str) -> tuple[bool, tuple]:
    """(whether `value` was a tuple, its tensors as a tuple), refusing anything else."""
    given_tuple = isinstance(value, tuple)
    values = value if given_tuple else (value,)
    for i, item in enumerate(values):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if given_tuple else f"given {what}"
            raise TypeError(
                f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                f"{where} has type {type(item)}."
            )
    return given_tuple, values


def _leaves(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
        for t in tensors
    )


def _grad(outputs: tuple, inputs: tuple, grad_outputs: Any = None, **options: Any) -> tuple:
    """autograd.grad over the outputs that require grad (None for every input if none do)."""
    from conformance.reference import autograd

    grad_outputs = grad_outputs or (None,) * len(outputs)
    kept = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True) if o is not None]
    kept = [(o, g) for o, g in kept if o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    outs, grads = zip(*kept, strict=True)
    return autograd.grad(outs, inputs, grads, allow_unused=True, **options)


def _check_requires_grad(values: tuple, kind: str, strict: bool) -> None:
    if strict:
        for i, value in enumerate(values):
            if value is None:
                raise RuntimeError(_INDEPENDENT["back"].format(i=i))
            if not value.requires_grad:
                raise RuntimeError(_NO_GRAD[kind].format(i=i))


def _zeros_for_missing(grads: tuple, like: tuple, strict: bool, create_graph: bool, stage: str):
    filled = []
    for i, (grad, ref) in enumerate(zip(grads, like, strict=True)):
        if grad is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            grad = ref.new_zeros(ref.shape)
        elif strict and create_graph and not grad.requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {which} of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode when create_graph=True."
            )
        filled.append(grad)
    return tuple(filled)


def _detached(values: Any, create_graph: bool) -> Any:
    if isinstance(values, Tensor):
        return values if create_graph else values.detach()
    return tuple(_detached(v, create_graph) for v in values)


def _unwrap(values: tuple, as_tuple: bool) -> Any:
    return values if as_tuple else values[0]


def _vector(v: Any, like: tuple, like_tuple: bool, fn: str, create_graph: bool) -> tuple:
    """`v` as a tuple checked against `like` (the outputs or the inputs it multiplies)."""
    _, v = _tensors(v, "v", fn)
    v = _leaves(v, create_graph, need_graph=False)
    if len(v) != len(like):
        if like_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (vector, other) in enumerate(zip(v, like, strict=True)):
        if vector.size() != other.size():
            prefix = f"Entry {i} in " if like_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {other.size()} but got {vector.size()}."
            )
    return v


def _need_single_element(tensors: tuple, of: str) -> None:
    if len(tensors) != 1 or tensors[0].nelement() != 1:
        raise RuntimeError(
            f"The vector v can only be None if the {of} a single Tensor with a single element."
        )


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the gradient of func's outputs weighted by v."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "vjp")
        inputs = _leaves(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tensors(func(*inputs), OUTPUTS, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is None:
            _need_single_element(outputs, "user-provided function returns")
        else:
            v = _vector(v, outputs, outputs_tuple, "vjp", create_graph)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, inputs, strict, create_graph, "back")
    return (
        _unwrap(_detached(outputs, create_graph), outputs_tuple),
        _unwrap(_detached(result, create_graph), inputs_tuple),
    )


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by differentiating the vjp with respect to its weights."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jvp")
        inputs = _leaves(inputs, create_graph, need_graph=True)
        if v is None:
            _need_single_element(inputs, "input to the user-provided function is")
        else:
            v = _vector(v, inputs, inputs_tuple, "jvp", create_graph)
        outputs_tuple, outputs = _tensors(func(*inputs), OUTPUTS, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        weights = tuple(out.new_zeros(out.shape).requires_grad_(True) for out in outputs)
        vjps = _grad(outputs, inputs, weights, create_graph=True)
        _check_requires_grad(vjps, "grad_inputs", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        grads = _grad(vjps, weights, v, create_graph=create_graph)
        result = _zeros_for_missing(grads, outputs, strict, create_graph, "back_trick")
    return (
        _unwrap(_detached(outputs, create_graph), outputs_tuple),
        _unwrap(_detached(result, create_graph), outputs_tuple),
    )


def jacobian(
    func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"
):
    """d outputs / d inputs, one backward per output element; each block has the output's
    shape followed by the input's. Nested as tuples when func takes or returns tuples."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        raise NotImplementedError(
            'jacobian(strategy="forward-mode") needs forward-mode AD, which the reference '
            'engine does not have; use strategy="reverse-mode"'
        )
    if strict and vectorize:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )
    from conformance.reference.ops.joins import stack

    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jacobian")
        inputs = _leaves(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tensors(func(*inputs), OUTPUTS, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        blocks = []
        for i, out in enumerate(outputs):
            rows: list[list] = [[] for _ in inputs]
            for j in range(out.nelement()):
                grads = _grad(
                    (out.reshape(-1)[j],), inputs, retain_graph=True, create_graph=create_graph
                )
                for k, (grad, inp) in enumerate(zip(grads, inputs, strict=True)):
                    if grad is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {k}. This is not allowed in strict mode."
                            )
                        grad = inp.new_zeros(inp.shape)
                    elif strict and create_graph and not grad.requires_grad:
                        raise RuntimeError(
                            f"The jacobian of the user-provided function is independent of "
                            f"input {i}. This is not allowed in strict mode when "
                            "create_graph=True."
                        )
                    rows[k].append(grad)
            blocks.append(
                tuple(
                    stack(row, 0).view(out.size() + inp.size())
                    if row
                    else inp.new_zeros(out.size() + inp.size())
                    for row, inp in zip(rows, inputs, strict=True)
                )
            )
        blocks = _detached(tuple(blocks), create_graph)
        return _unwrap(tuple(_unwrap(b, inputs_tuple) for b in blocks), outputs_tuple)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Jacobian of the gradient of a function with one scalar output."""
    inputs_tuple, inputs = _tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_output(*args):
        out = func(*args)
        out_tuple, outs = _tensors(out, OUTPUTS, "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def gradient(*args):
        grads = jacobian(scalar_output, args, create_graph=True)
        _check_requires_grad(grads, "jacobian", strict)
        return grads

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    if not inputs_tuple:
        return result[0][0] if isinstance(result, tuple) else result
    return result


def _scalar_function_gradient(func, inputs, v, create_graph, strict, fn):
    """The common start of vhp and hvp: leaves, v, the output and its gradient (kept
    differentiable)."""
    inputs_tuple, inputs = _tensors(inputs, "inputs", fn)
    inputs = _leaves(inputs, create_graph, need_graph=True)
    if v is None:
        _need_single_element(inputs, "input to the user-provided function is")
    else:
        v = _vector(v, inputs, inputs_tuple, fn, create_graph)
    outputs_tuple, outputs = _tensors(func(*inputs), OUTPUTS, fn)
    _check_requires_grad(outputs, "outputs", strict)
    if outputs_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn} should contain a single element"
        )
    grads = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(grads, "jacobian", strict)
    return inputs_tuple, inputs, v, outputs, grads


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with one scalar output."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs, grads = _scalar_function_gradient(
            func, inputs, v, create_graph, strict, "vhp"
        )
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        second = _grad(grads, inputs, v, create_graph=create_graph)
        result = _zeros_for_missing(second, inputs, strict, create_graph, "double_back")
    return (
        _detached(outputs, create_graph)[0],
        _unwrap(_detached(result, create_graph), inputs_tuple),
    )


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with one scalar output, by the double backward
    trick (equal to vhp for twice continuously differentiable functions)."""
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs, grads = _scalar_function_gradient(
            func, inputs, v, create_graph, strict, "hvp"
        )
        weights = tuple(inp.new_zeros(inp.shape).requires_grad_(True) for inp in inputs)
        second = _grad(grads, inputs, weights, create_graph=True)
        _check_requires_grad(grads, "hessian", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        products = _grad(second, weights, v, create_graph=create_graph)
        result = _zeros_for_missing(products, inputs, strict, create_graph, "double_back_trick")
    return (
        _detached(outputs, create_graph)[0],
        _unwrap(_detached(result, create_graph), inputs_tuple),
    )
