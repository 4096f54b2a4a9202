"""PyTorch's *_copy ops (permute_copy, view_copy, split_copy, ...): what a view op computes,
in a tensor of its own (contiguous, sharing neither memory nor version counter with the
input), recorded under the view's node name with "_copy" added (PermuteBackward0_copy) and
the view's derivative. Functionalization produces them; torch exports them.

Each is the view function run without grad, whose one recorded view step (the view op and
its arguments) is then run again as that op's copying twin. narrow_copy is its own op in
PyTorch (NarrowCopyBackward0), with slice's derivative.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.ops import argument_errors, indexing, rearranging, shape
from conformance.reference.ops.define import Op, ViewOp
from conformance.reference.tensor import Tensor


@functools.cache
def _copying(view: ViewOp, node_name: str | None = None) -> Op:
    """The op computing `view`'s values into a new array, with its derivatives."""

    @functools.wraps(view.forward)
    def forward(*args: Any) -> Any:
        out = view.forward(*args)
        return tuple(o.copy() for o in out) if isinstance(out, tuple) else out.copy()

    forward.__name__ = f"{view.__name__}_copy"
    formulas = {name: formula for name, formula, _ in view.node.derivatives}
    return Op(forward, node_name or f"{view.node.__name__}_copy", formulas)


def _copy_of(view_function: Callable, name: str, node_name: str | None = None) -> Callable:
    """torch.<name>: `view_function`'s parameters (torch's names) behind the argument
    parser's refusals (a missing argument, an input that is not a Tensor)."""
    signature = inspect.signature(view_function)

    @functools.wraps(view_function)
    def copy(*args: Any, **kwargs: Any) -> Any:
        input = signature.bind(*args, **kwargs).arguments["input"]
        with grad_mode.no_grad():
            viewed = view_function(*args, **kwargs)
        first = viewed[0] if isinstance(viewed, tuple | list) else viewed
        earlier = len(input._view.steps) if input._base is not None and input._view else 0
        steps = first._view.steps[earlier:] if first._view is not None else ()
        if not steps:  # (view(dtype): no view op, and not differentiable)
            with grad_mode.no_grad():
                return first.clone()
        if len(steps) != 1:  # (a view function made of several steps: not one of these)
            raise NotImplementedError(f"{name}: {len(steps)} view steps")
        view, arguments, _ = steps[0]
        return _copying(view, node_name)(input, *arguments)

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = f"torch.{name}: {name[:-5]}'s values in a tensor of their own."
    return argument_errors.parsed(copy, ((0, name, "input", 1),), exported=name)


# The views, with the parameters torch's *_copy functions take.


def _alias(input):
    return indexing.alias(input)


def _as_strided(input, size, stride, storage_offset=None):
    return input.as_strided(size, stride, storage_offset)


def _diagonal(input, offset=0, dim1=0, dim2=1):
    return rearranging.diagonal(input, offset, dim1, dim2)


def _expand(input, size, *, implicit=False):
    return input.expand(size)


def _permute(input, dims):
    return input.permute(dims)


def _select(input, dim, index):
    return input.select(dim, index)


def _slice(input, dim=0, start=None, end=None, step=1):
    """SliceBackward0 even for the whole dimension (where x[:] is an alias)."""
    return shape.slice_dim(input, dim, start, end, step)


def _split(input, split_size, dim=0):
    return input.split(split_size, dim)


def _split_with_sizes(input, split_sizes, dim=0):
    return input.split_with_sizes(split_sizes, dim)


def _squeeze(input, dim=None):
    return input.squeeze() if dim is None else input.squeeze(dim)


def _t(input):
    return input.t()


def _transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


def _unbind(input, dim=0):
    return input.unbind(dim)


def _unfold(input, dimension, size, step):
    return input.unfold(dimension, size, step)


def _unsqueeze(input, dim):
    return input.unsqueeze(dim)


def _view(input, size):
    return input.view(size)


_VIEWS = (
    _alias,
    _as_strided,
    _diagonal,
    _expand,
    _permute,
    _select,
    _slice,
    _split,
    _split_with_sizes,
    _squeeze,
    _t,
    _transpose,
    _unbind,
    _unfold,
    _unsqueeze,
    _view,
)
COPIES: dict[str, Callable] = {
    f"{f.__name__[1:]}_copy": _copy_of(f, f"{f.__name__[1:]}_copy") for f in _VIEWS
}
COPIES["narrow_copy"] = _copy_of(shape.narrow, "narrow_copy", "NarrowCopyBackward0")


def _overloaded(name: str, overloads: tuple[str, ...], any_input: bool) -> None:
    """squeeze_copy and view_copy have several overloads: without an input (or, for view_copy,
    with a non-Tensor one) PyTorch lists them."""
    function = COPIES[name]

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        given = args[0] if args else kwargs.get("input")
        if given is None or (any_input and not isinstance(given, Tensor)):
            raise argument_errors.invalid_arguments(name, overloads, args, kwargs or None)
        return function(*args, **kwargs)

    COPIES[name] = checked


_OUT = "*, Tensor out = None"
_overloaded(
    "squeeze_copy",
    (
        f"Tensor input, {_OUT}",
        f"Tensor input, int dim, {_OUT}",
        f"Tensor input, tuple of ints dim, {_OUT}",
    ),
    any_input=False,
)
_overloaded(
    "view_copy",
    (f"Tensor input, torch.dtype dtype, {_OUT}", f"Tensor input, tuple of ints size, {_OUT}"),
    any_input=True,
)
globals().update(COPIES)
__all__ = sorted(COPIES)
TENSOR_METHODS: dict = {"narrow_copy": COPIES["narrow_copy"]}
