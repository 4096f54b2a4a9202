"""torch.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd and hessian, on the engine's
reverse mode, vmap (vmap.py), and functional_call and stack_module_state (a module called with
other parameters and buffers, and M modules' state stacked for vmap).

PyTorch's torch.func runs each transform at its own level; this engine has one graph, so a
transform here makes fresh leaves of the inputs it differentiates (views of them when they
already require grad, so an outer transform or an outer backward still reaches them), asks
autograd.grad with create_graph=True, and detaches what it returns unless an input required
grad. Nested transforms (grad(grad(f))) and transforms under an ordinary backward then give
PyTorch's values. Inputs and outputs may be pytrees of tuples, lists and dicts.

The engine has no forward-mode AD. jvp is taken as the derivative of a vector-Jacobian
product with respect to its cotangent (the product is linear in it), which needs a backward
of a backward but gives the values forward mode gives; jacfwd is jacrev's Jacobian, computed
with vmap's randomness rules (PyTorch evaluates it under vmap).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from conformance.reference import autograd, dtypes, grad_mode
from conformance.reference.ops import creation
from conformance.reference.ops.joins import stack
from conformance.reference.pytree import flatten as _flatten
from conformance.reference.pytree import spec_text as _spec_text
from conformance.reference.pytree import tree_spec as _tree_spec
from conformance.reference.pytree import unflatten as _unflatten
from conformance.reference.tensor import Tensor
from conformance.reference.vmap import vmap

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "stack_module_state",
    "vjp",
    "vmap",
]


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


def _check_jvp_arguments(primals: Any, tangents: Any) -> tuple[list, list]:
    """PyTorch's checks of jvp's arguments, in its order; the flattened primals and tangents."""
    prefix = "jvp(f, primals, tangents): "
    if not isinstance(primals, tuple):
        raise RuntimeError(
            prefix + "Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    primal_leaves, primal_spec = _flatten(primals)
    tangent_leaves, tangent_spec = _flatten(tangents)
    if primal_spec != tangent_spec:
        raise RuntimeError(
            prefix + "Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals with "
            f"structure {_tree_spec(primal_spec)} and tangents with structure "
            f"{_tree_spec(tangent_spec)}"
        )
    if not primal_leaves:
        raise RuntimeError(prefix + "Expected primals to contain at least one Tensor.")
    for label, leaves in (("primals", primal_leaves), ("tangents", tangent_leaves)):
        for leaf in leaves:
            if not isinstance(leaf, Tensor):
                raise RuntimeError(
                    prefix + f"Expected {label} to only contain Tensors, got {type(leaf)}"
                )
    for primal, tangent in zip(primal_leaves, tangent_leaves, strict=True):
        if primal.dtype.category < dtypes.FLOATING:
            raise ValueError(
                f"Expected primal to be floating point or complex, but got: {primal.dtype}"
            )
        if primal.shape != tangent.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(primal.shape)} "
                f"while the given forward gradient is of size {list(tangent.shape)}."
            )
    return primal_leaves, tangent_leaves


def jvp(
    func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
) -> tuple:
    """(func(*primals), the Jacobian of func at primals times tangents[, aux]). Computed as
    d/du <J^T u, tangents>: J^T u is linear in u, so its derivative is J tangents."""
    _, tangent_leaves = _check_jvp_arguments(primals, tangents)
    keep = _needs_graph(primals, tangents)
    with grad_mode.enable_grad():
        fresh = tuple(_fresh(p) for p in primals)
        output = func(*fresh)
        aux = None
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError(
                    "jvp(f, primals, tangents): output of function f should be a tuple: "
                    "(output, aux) if has_aux is True"
                )
            output, aux = output
        out_leaves, out_spec = _flatten(output)
        for leaf in out_leaves:
            if not isinstance(leaf, Tensor):
                raise RuntimeError(
                    "jvp(f, primals, tangents): expected f(*primals) to return only tensors, got "
                    f"unsupported type {type(leaf)}"
                )
        inputs = _flatten(fresh)[0]
        # A cotangent for each floating output (others have no derivative: zeros).
        dummies = [
            o.new_zeros(o.shape).requires_grad_() if o.dtype.is_floating_point else None
            for o in out_leaves
        ]
        used = [(o, u) for o, u in zip(out_leaves, dummies, strict=True) if u is not None]
        transposed = _grads([o for o, _ in used], inputs, [u for _, u in used]) if used else []
        pairs = [
            (g, t.to(g.dtype))
            for g, t in zip(transposed, tangent_leaves, strict=False)
            if g.requires_grad
        ]
        found = [None] * len(used)
        if pairs:
            found = autograd.grad(
                [g for g, _ in pairs],
                [u for _, u in used],
                [t for _, t in pairs],
                create_graph=True,
                allow_unused=True,
            )
        by_dummy = dict(zip((id(u) for _, u in used), found, strict=True))
        products = [
            o.new_zeros(o.shape) if by_dummy.get(id(u)) is None else by_dummy[id(u)]
            for o, u in zip(out_leaves, dummies, strict=True)
        ]
    result = (_detached(output, keep), _detached(_unflatten(out_spec, products), keep))
    return (*result, _detached(aux, keep)) if has_aux else result


def jacfwd(
    func: Callable, argnums: Any = 0, has_aux: bool = False, *, randomness: str = "error"
) -> Callable:
    """The Jacobian, as jacrev's (forward and reverse mode agree up to rounding), with random
    draws in func refused (randomness='error', the default) or allowed, as under vmap."""
    jacobian = jacrev(func, argnums, has_aux=has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if randomness not in ("error", "different", "same"):  # checked when called, as PyTorch
            raise RuntimeError(
                "Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                f"{randomness}"
            )
        creation.VMAP_RANDOMNESS.append(randomness)
        try:
            return jacobian(*args, **kwargs)
        finally:
            creation.VMAP_RANDOMNESS.pop()

    return wrapper


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """The Jacobian of the gradient (PyTorch takes it forward over reverse; the values are the
    same)."""
    return jacrev(jacrev(func, argnums), argnums)


# -- functional_call and stack_module_state ------------------------------------------------

_MISSING: Any = object()  # a name the module did not have before the call


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """module(*args, **kwargs) with some of its parameters and buffers (by their dotted
    names) replaced by the given tensors for the length of the call, then put back: the
    module's own tensors are untouched, and a module that reassigns one of them (self.foo =
    self.foo + 1) leaves the new value in the caller's dict. One dict, or a list or tuple of
    dicts whose keys must not repeat. A name the module lacks becomes a plain attribute for
    the call (unless strict, which refuses unexpected and missing names alike). With
    tie_weights, a tensor the module holds under several names (tied weights) is replaced
    under all of them, and different values for two of those names are an error. `args` that
    is not a tuple is the one positional argument."""
    if isinstance(parameter_and_buffer_dicts, dict):
        replacements = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, list | tuple):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError(
                "Expected all elements of parameter_and_buffer_dicts to be dictionaries"
            )
        counts: dict = {}
        for d in parameter_and_buffer_dicts:
            for key in d:
                counts[key] = counts.get(key, 0) + 1
        repeated = [key for key, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                "ambiguous"
            )
        replacements = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    swapped = _untied(module, replacements) if tie_weights else replacements
    if strict:
        _check_keys(module, swapped)
    originals = _swap_all(module, swapped)
    try:
        return module(*args, **kwargs)
    finally:
        current = _swap_all(module, originals)
        replacements.update({k: current[k] for k in replacements if k in current})


def _named_tensors(module: Any) -> list:
    return [
        *module.named_parameters(remove_duplicate=False),
        *module.named_buffers(remove_duplicate=False),
    ]


def _untied(module: Any, replacements: dict) -> dict:
    """`replacements` with each tied name's value given to all the names it is tied to."""
    names_of: dict = {}  # id(tensor) -> its names
    for name, tensor in _named_tensors(module):
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    given = [name for name in replacements if name in tied]
    for name in given:
        names = tied[name]
        if len(names.intersection(given)) > 1 and (
            len({id(replacements[other]) for other in names}) != 1
        ):
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                "Consider using tie_weights=False"
            )
    untied = dict(replacements)
    for name in given:
        for other in tied[name]:
            untied[other] = replacements[name]
    return untied


def _check_keys(module: Any, replacements: dict) -> None:
    valid = {name for name, _ in _named_tensors(module)}
    missing, unexpected = sorted(valid - set(replacements)), sorted(set(replacements) - valid)
    errors = []
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise RuntimeError(
            "Error(s) in reparametrizing for {}:\n\t{}".format(
                module._get_name(), "\n\t".join(errors)
            )
        )


def _owner(module: Any, path: str) -> tuple:
    """(the submodule holding the dotted name, the last part of the name)."""
    from conformance.reference.nn.module import Module

    prefix, _, attr = path.rpartition(".")
    owner = module
    walked = []
    for part in prefix.split(".") if prefix else []:
        walked.append(part)
        try:
            owner = getattr(owner, part)
        except AttributeError:
            raise AttributeError(f"{owner._get_name()} has no attribute `{part}`") from None
        if not isinstance(owner, Module):
            raise TypeError(
                f"submodule `{'.'.join(walked)}`: {owner} is not an instance of torch.nn.Module"
            )
    return owner, attr


def _swap(module: Any, path: str, tensor: Any) -> Any:
    """Put `tensor` (or _MISSING: remove the name) at `path` and return what was there,
    as PyTorch's NamedMemberAccessor.swap_tensor: a parameter or buffer slot keeps its kind
    (a plain tensor can stand in for a parameter), any other name is a plain attribute."""
    owner, name = _owner(module, path)
    if tensor is not _MISSING and tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    if "." in name:
        raise KeyError('tensor name can\'t contain "."')
    if name == "":
        raise KeyError('tensor name can\'t be empty string ""')
    for store in (owner._parameters, owner._buffers):
        if name in store:
            original = store[name]
            if tensor is _MISSING:
                del store[name]
            else:
                store[name] = tensor
            return original
    original = getattr(owner, name) if hasattr(owner, name) else _MISSING
    if original is not _MISSING and original is not None and not isinstance(original, Tensor):
        raise TypeError(f"attribute `{name}`: {original} is not an instance of torch.Tensor")
    if tensor is not _MISSING:
        setattr(owner, name, tensor)
    elif hasattr(owner, name):
        delattr(owner, name)
    return original


def _swap_all(module: Any, tensors: dict) -> dict:
    """Swap every name in, returning what each held; all put back if one swap fails."""
    originals: dict = {}
    try:
        for name, tensor in tensors.items():
            originals[name] = _swap(module, name, tensor)
    except Exception:
        for name, original in originals.items():
            _swap(module, name, original)
        raise
    return originals


def stack_module_state(models: Any) -> tuple[dict, dict]:
    """(params, buffers) of M modules of one class, each name's tensors stacked on a new
    leading dimension, for ensembling with vmap and functional_call. Stacked parameters are
    new leaves (requiring grad when every model's does), unrelated to the models' own."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    kind = type(models[0])
    if not all(type(m) is kind for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(model.named_parameters()) for model in models]
    params = {k: _stacked_leaf([p[k] for p in all_params], k) for k in all_params[0]}
    all_buffers = [dict(model.named_buffers()) for model in models]
    buffers = {k: _stacked_leaf([b[k] for b in all_buffers], k) for k in all_buffers[0]}
    return params, buffers


def _stacked_leaf(tensors: list, name: str) -> Tensor:
    requiring = [t.requires_grad for t in tensors]
    if any(requiring) and not all(requiring):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack(tensors)
    if all(requiring):
        result = result.detach().requires_grad_()
    return result
