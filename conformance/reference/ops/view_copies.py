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
from collections.abc import Callable
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.ops import indexing, rearranging, shape
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
    def copy(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        with grad_mode.no_grad():
            viewed = view_function(input, *args, **kwargs)
        first = viewed[0] if isinstance(viewed, tuple | list) else viewed
        earlier = len(input._view.steps) if input._base is not None and input._view else 0
        steps = first._view.steps[earlier:] if first._view is not None else ()
        if len(steps) != 1:  # (a view function made of several steps: not one of these)
            raise NotImplementedError(f"{name}: {len(steps)} view steps")
        view, arguments, _ = steps[0]
        return _copying(view, node_name)(input, *arguments)

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = f"torch.{name}: {name[:-5]}'s values in a tensor of their own."
    return copy


def _slice(input: Tensor, dim: int = 0, start: Any = None, end: Any = None, step: int = 1):
    """torch.slice_copy's view: SliceBackward0 even for the whole dimension (where x[:] is an
    alias)."""
    return shape.slice_dim(input, dim, start, end, step)


_VIEWS: dict[str, Callable] = {
    "alias": indexing.alias,
    "as_strided": lambda input, *a, **k: input.as_strided(*a, **k),
    "diagonal": rearranging.diagonal,
    "expand": lambda input, *a, **k: input.expand(*a, **k),
    "permute": lambda input, dims: input.permute(dims),
    "select": lambda input, dim, index: input.select(dim, index),
    "slice": _slice,
    "split": lambda input, *a, **k: input.split(*a, **k),
    "split_with_sizes": lambda input, *a, **k: input.split_with_sizes(*a, **k),
    "squeeze": lambda input, *a, **k: input.squeeze(*a, **k),
    "t": lambda input: input.t(),
    "transpose": lambda input, dim0, dim1: input.transpose(dim0, dim1),
    "unbind": lambda input, dim=0: input.unbind(dim),
    "unfold": lambda input, dimension, size, step: input.unfold(dimension, size, step),
    "unsqueeze": lambda input, dim: input.unsqueeze(dim),
    "view": lambda input, *a, **k: input.view(*a, **k),
}
COPIES: dict[str, Callable] = {f"{n}_copy": _copy_of(f, f"{n}_copy") for n, f in _VIEWS.items()}
COPIES["narrow_copy"] = _copy_of(shape.narrow, "narrow_copy", "NarrowCopyBackward0")
globals().update(COPIES)
__all__ = sorted(COPIES)
TENSOR_METHODS: dict = {"narrow_copy": COPIES["narrow_copy"]}
