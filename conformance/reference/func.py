"""torch.func: grad, grad_and_value, vjp, jacrev and hessian, on the engine's reverse mode.

PyTorch's torch.func runs each transform at its own level; this engine has one graph, so a
transform here makes fresh leaves of the inputs it differentiates (views of them when they
already require grad, so an outer transform or an outer backward still reaches them), asks
autograd.grad with create_graph=True, and detaches what it returns unless an input required
grad. Nested transforms (grad(grad(f))) and transforms under an ordinary backward then give
PyTorch's values. Inputs and outputs may be pytrees of tuples, lists and dicts. Not here:
vmap and the forward-mode transforms (jvp, jacfwd), which need forward-mode AD.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from conformance.reference import autograd, grad_mode
from conformance.reference.ops.indexing import stack
from conformance.reference.tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jacrev", "hessian"]


# -- pytrees -------------------------------------------------------------------------------


def _flatten(tree: Any) -> tuple[list, Any]:
    """The leaves of a tuple/list/dict tree, and a spec to rebuild it ("*" for a leaf)."""
    if isinstance(tree, tuple | list):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = _flatten(item)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], {}
        for key, item in tree.items():
            item_leaves, specs[key] = _flatten(item)
            leaves += item_leaves
        return leaves, (dict, specs)
    return [tree], "*"


def _unflatten(spec: Any, leaves: list) -> Any:
    remaining = iter(leaves)

    def build(spec: Any) -> Any:
        if spec == "*":
            return next(remaining)
        kind, specs = spec
        if kind is dict:
            return {key: build(item) for key, item in specs.items()}
        return kind(build(item) for item in specs)

    return build(spec)


def _spec_text(spec: Any) -> str:
    """A pytree's structure as PyTorch prints it: *, (*, *), [*], {'a': *}."""
    if spec == "*":
        return "*"
    kind, specs = spec
    if kind is dict:
        return "{" + ", ".join(f"{key!r}: {_spec_text(s)}" for key, s in specs.items()) + "}"
    inner = ", ".join(_spec_text(s) for s in specs)
    if kind is tuple:
        return f"({inner},)" if len(specs) == 1 else f"({inner})"
    return f"[{inner}]"


# -- levels --------------------------------------------------------------------------------


def _fresh(tree: Any) -> Any:
    """The inputs a transform differentiates, as new leaves (or views of inputs that already
    require grad, keeping them reachable from outside)."""
    leaves, spec = _flatten(tree)
    made = []
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")
        made.append(leaf.view_as(leaf) if leaf.requires_grad else leaf.detach().requires_grad_())
    return _unflatten(spec, made)


def _needs_graph(*trees: Any) -> bool:
    """Whether results must stay connected: an input already requires grad (an outer
    transform's leaf, or the user's)."""
    return any(
        isinstance(leaf, Tensor) and leaf.requires_grad for t in trees for leaf in _flatten(t)[0]
    )


def _detached(tree: Any, keep: bool) -> Any:
    if keep:
        return tree
    leaves, spec = _flatten(tree)
    return _unflatten(spec, [v.detach() if isinstance(v, Tensor) else v for v in leaves])


def _argnums(argnums: Any, count: int) -> tuple:
    single = isinstance(argnums, int)
    if not single and not (isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    nums = (argnums,) if single else argnums
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not -count <= a < count:
            raise RuntimeError(f"Got argnum={a}, but only {count} positional inputs")
    return tuple(a % count for a in nums)


def _grads(outputs: list, inputs: list, cotangents: list | None = None) -> list:
    """d(outputs . cotangents)/d(inputs), recorded; zeros for inputs nothing depends on."""
    pairs = [
        (o, c)
        for o, c in zip(outputs, cotangents or [None] * len(outputs), strict=True)
        if o.requires_grad
    ]
    found = [None] * len(inputs)
    if pairs:
        outs, cots = zip(*pairs, strict=True)
        found = autograd.grad(
            list(outs), inputs, list(cots), retain_graph=True, create_graph=True, allow_unused=True
        )
    return [x.new_zeros(x.shape) if g is None else g for g, x in zip(found, inputs, strict=True)]


def _call_fresh(func: Callable, argnums: Any, args: tuple, kwargs: dict) -> tuple:
    """Call func with the argnums arguments made fresh leaves; (whether results stay
    connected, the argument trees' flattened leaves and specs, func's output)."""
    nums = _argnums(argnums, len(args))
    keep = _needs_graph(*(args[i] for i in nums))
    args = list(args)
    for i in nums:
        args[i] = _fresh(args[i])
    output = func(*args, **kwargs)
    return keep, [_flatten(args[i]) for i in nums], output


def _regroup(flat: list, values: list) -> list:
    """`values`, one per leaf of the flattened trees in `flat`, rebuilt into those trees."""
    trees, start = [], 0
    for leaves, spec in flat:
        trees.append(_unflatten(spec, values[start : start + len(leaves)]))
        start += len(leaves)
    return trees


def _only_tensors(leaves: list) -> None:
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(
                "vjp(f, *primals): expected f(*primals) to return only tensors, got unsupported "
                f"type {type(leaf)}"
            )


# -- transforms ----------------------------------------------------------------------------


def grad_and_value(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """A function returning (gradient of func's scalar output with respect to the argnums
    arguments, that output), or (gradient, (output, aux)) with has_aux."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with grad_mode.enable_grad():
            keep, flat, output = _call_fresh(func, argnums, args, kwargs)
            aux = None
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: "
                        "(output, aux) if has_aux is True"
                    )
                output, aux = output
            if not isinstance(output, Tensor):
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                    f"{type(output)}"
                )
            if output.ndim != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                    f"tensor with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev "
                    "APIs instead?"
                )
            grads = _grads([output], [leaf for leaves, _ in flat for leaf in leaves])
        trees = _regroup(flat, grads)
        result = _detached(trees[0] if isinstance(argnums, int) else tuple(trees), keep)
        value = _detached(output, keep)
        return (result, (value, _detached(aux, keep))) if has_aux else (result, value)

    return wrapper


def grad(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of func's scalar output (and aux with has_aux)."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result, value = both(*args, **kwargs)
        return (result, value[1]) if has_aux else result

    return wrapper


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives the gradients of the outputs
    weighted by cotangents, one per primal; it may be called more than once."""
    keep = _needs_graph(*primals)
    with grad_mode.enable_grad():
        primals = tuple(_fresh(p) for p in primals)
        output = func(*primals)
        aux = None
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError(
                    "vjp(f, *primals): output of function f should be a tuple: (output, aux) if "
                    "has_aux is True"
                )
            output, aux = output
    out_leaves, out_spec = _flatten(output)
    _only_tensors(out_leaves)
    flat = [_flatten(p) for p in primals]
    inputs = [leaf for leaves, _ in flat for leaf in leaves]

    def vjp_fn(cotangents: Any) -> tuple:
        cot_leaves, cot_spec = _flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {_spec_text(cot_spec)}, primal output: "
                f"{_spec_text(out_spec)}"
            )
        with grad_mode.enable_grad():
            grads = _grads(out_leaves, inputs, cot_leaves)
        return _detached(tuple(_regroup(flat, grads)), keep or _needs_graph(cotangents))

    result = (_detached(output, keep), vjp_fn)
    return (*result, _detached(aux, keep)) if has_aux else result


def jacrev(
    func: Callable,
    argnums: Any = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable:
    """A function returning the Jacobian of func's outputs with respect to the argnums
    arguments, row by row (one backward per output element): each block has the output's
    shape followed by the input's."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with grad_mode.enable_grad():
            keep, flat, output = _call_fresh(func, argnums, args, kwargs)
            aux = None
            if has_aux:
                output, aux = output
            out_leaves, out_spec = _flatten(output)
            _only_tensors(out_leaves)
            inputs = [leaf for leaves, _ in flat for leaf in leaves]
            blocks = []
            for out in out_leaves:
                rows = [_grads([element], inputs) for element in out.reshape(-1)]
                per_input = []
                for k, x in enumerate(inputs):
                    column = [row[k] for row in rows]
                    shape = tuple(out.shape) + tuple(x.shape)
                    per_input.append(
                        stack(column, 0).reshape(shape) if column else x.new_zeros(shape)
                    )
                trees = _regroup(flat, per_input)
                blocks.append(trees[0] if isinstance(argnums, int) else tuple(trees))
        result = _detached(_unflatten(out_spec, blocks), keep)
        return (result, _detached(aux, keep)) if has_aux else result

    return wrapper


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """The Jacobian of the gradient (PyTorch takes it forward over reverse; the values are the
    same)."""
    return jacrev(jacrev(func, argnums), argnums)
