"""torch.func.vmap (and torch.vmap): a function mapped over a dimension of its inputs.

PyTorch runs the function once, on BatchedTensors that carry the mapped dimension through
every op. This reference runs it once per index of that dimension, on the inputs' slices
(`select` views, so in-place ops on them write through, as PyTorch's do), and stacks the
outputs along `out_dims`. For functions that PyTorch can vmap the values are the same; the
arguments, their checks and PyTorch's error messages are the same; randomness='error' refuses
random draws, 'same' gives every slice the same draws, 'different' independent ones.

Where the loop departs from batching (documented, not emulated): calling .item() or branching
on a slice's values works here where PyTorch raises; an in-place write of a batched value into
an unbatched captured tensor accumulates here where PyTorch raises; an output that does not
depend on the mapped inputs is stacked (contiguous) where PyTorch expands it (stride 0); and
out_dims=None accepts an output whose slices are all equal, where PyTorch asks whether it is
batched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.reference.ops import creation
from conformance.reference.ops.joins import stack
from conformance.reference.pytree import count, flatten, tree_spec, unflatten
from conformance.reference.tensor import Tensor

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")


def _name(func: Any) -> str:
    """How PyTorch names the function in vmap's messages."""
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _broadcast(dims: Any, spec: Any) -> list | None:
    """One dim per leaf of `spec`: a number or None applies to a whole subtree; a container
    must match the tree's structure there (None when it does not)."""
    if dims is None or isinstance(dims, int) or not isinstance(dims, tuple | list | dict):
        return [dims] * count(spec)
    if spec == "*":
        return None
    kind, children = spec
    if type(dims) is not kind or len(dims) != len(children):
        return None
    if kind is dict:
        if set(dims) != set(children):
            return None
        parts = [_broadcast(dims[key], children[key]) for key in children]
    else:
        parts = [_broadcast(d, c) for d, c in zip(dims, children, strict=True)]
    if any(p is None for p in parts):
        return None
    return [d for part in parts for d in part]


def _check_out_dims(out_dims: Any, name: str) -> None:
    leaves, _ = flatten(out_dims)
    if not all(d is None or isinstance(d, int) for d in leaves):
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
            "python collection of ints representing where in the outputs the vmapped dimension "
            "should appear."
        )


def _in_dims_per_leaf(in_dims: Any, args: tuple, name: str) -> tuple[list, list]:
    """The flattened inputs and one dim (or None) each, with PyTorch's checks in its order."""
    if not isinstance(in_dims, int | tuple):
        raise ValueError(
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
            f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}."
        )
    if not args:
        raise ValueError(
            f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
            "trying to vmap over a function with no inputs. The latter is unsupported."
        )
    leaves, spec = flatten(args)
    dims = _broadcast(in_dims, spec)
    if dims is None:
        raise ValueError(
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
            f"structure of `inputs`. in_dims has structure {tree_spec(flatten(in_dims)[1])} but "
            f"inputs has structure {tree_spec(spec)}."
        )
    prefix = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={{}}"
    for i, (leaf, dim) in enumerate(zip(leaves, dims, strict=True)):
        if dim is None:
            continue
        if not isinstance(dim, int):
            raise ValueError(
                prefix.format(dim) + " for an input but in_dim must be either an integer "
                "dimension or None."
            )
        if not isinstance(leaf, Tensor):
            raise ValueError(
                prefix.format(dim) + f" for an input but the input is of type {type(leaf)}. We "
                "cannot vmap over non-Tensor arguments, please use None as the respective in_dim"
            )
        n = leaf.ndim
        if not -n <= dim < n:
            raise ValueError(
                prefix.format(dim) + f" for some input, but that input is a Tensor of "
                f"dimensionality {n} so expected in_dim to satisfy -{n} <= in_dim < {n}."
            )
        dims[i] = dim % n
    return leaves, dims


def _batch_size(leaves: list, dims: list) -> int:
    sizes = [leaf.shape[d] for leaf, d in zip(leaves, dims, strict=True) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(size != sizes[0] for size in sizes):
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    return sizes[0]


def _slice(leaves: list, dims: list, index: int | None) -> list:
    """The inputs at one index of the mapped dimension (index None: zeros of a slice's shape,
    for a batch of size 0, so that the function still runs once and shows its outputs)."""
    out = []
    for leaf, dim in zip(leaves, dims, strict=True):
        if dim is None:
            out.append(leaf)
        elif index is None:
            out.append(leaf.new_zeros(tuple(leaf.shape[:dim]) + tuple(leaf.shape[dim + 1 :])))
        else:
            out.append(leaf.select(dim, index))
    return out


def _out_dims_per_leaf(out_dims: Any, output: Any, name: str) -> list:
    leaves, spec = flatten(output)
    if isinstance(output, Tensor):
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            return list(out_dims)
        if out_dims is None or isinstance(out_dims, int):
            return [out_dims]
        dims = None
    else:
        dims = _broadcast(out_dims, spec)
    if dims is None:
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
            f"the structure of `outputs`. out_dims has structure "
            f"{tree_spec(flatten(out_dims)[1])} but outputs has structure {tree_spec(spec)}."
        )
    return dims


def _same_values(results: list) -> bool:
    first = results[0]
    return all(
        r is first
        or isinstance(r, Tensor)
        and r.shape == first.shape
        and np.array_equal(r.detach().cpu().numpy(), first.detach().cpu().numpy(), equal_nan=True)
        for r in results[1:]
    )


def _join(results: list, dim: Any, size: int, name: str) -> Any:
    """One output leaf's per-slice results as one tensor, mapped dimension at `dim`."""
    first = results[0]
    if dim is None:
        if isinstance(first, Tensor) and not _same_values(results):
            raise ValueError(
                f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None"
            )
        return first
    if not isinstance(first, Tensor):
        raise ValueError(
            f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. Did "
            "you mean to set out_dims= to None for output?"
        )
    if size == 0:  # the function ran once, on zeros: an empty batch of its output's shape
        shape = list(first.shape)
        shape.insert(dim % (first.ndim + 1), 0)
        return first.new_zeros(tuple(shape))
    return stack(results, dim)


def vmap(
    func: Callable,
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable:
    """func mapped over dimension `in_dims` of its inputs; the outputs get the mapped dimension
    at `out_dims`. chunk_size is checked and otherwise has no effect (the slices run one by
    one anyway)."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
        )
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        name = _name(func)
        _check_out_dims(out_dims, name)
        leaves, dims = _in_dims_per_leaf(in_dims, args, name)
        size = _batch_size(leaves, dims)
        _, spec = flatten(args)
        state = creation._generator[0].bit_generator.state if randomness == "same" else None
        creation.VMAP_RANDOMNESS.append(randomness)
        try:
            outputs = []
            for index in range(size) if size else [None]:
                if state is not None:
                    creation._generator[0].bit_generator.state = state
                outputs.append(func(*unflatten(spec, _slice(leaves, dims, index)), **kwargs))
        finally:
            creation.VMAP_RANDOMNESS.pop()
        out_leaves = [flatten(o)[0] for o in outputs]
        _, out_spec = flatten(outputs[0])
        per_leaf = _out_dims_per_leaf(out_dims, outputs[0], name)
        joined = [
            _join([leaves_[k] for leaves_ in out_leaves], dim, size, name)
            for k, dim in enumerate(per_leaf)
        ]
        return unflatten(out_spec, joined)

    return mapped
