"""In-place ops: compute out of place, check PyTorch's rules, write back, bump the version.

`x.add_(y)` is `add(x, y)` written into x's memory. Before writing, the rules PyTorch
enforces: no in-place change to a leaf that requires grad (or a view of one) while grad mode is
on; the result must fit x's shape and be castable to x's dtype; views made in no_grad mode or
by multi-output ops (unbind, split) may not be changed when the change would need a graph;
inference tensors only inside inference mode. After writing, the history is rebased: x (or,
for a view, its base through a CopySlices node) now comes from the op.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from conformance.reference import dtypes, fp_errors, grad_mode
from conformance.reference import memory_formats as formats
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.graph import Node, SavedTensor, edge, save
from conformance.reference.ops import define
from conformance.reference.tensor import _address

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)


def check_writable(self: Any, needs_graph: bool) -> None:
    """Raise PyTorch's error if `self` may not be changed in place here."""
    if self._inference and not grad_mode.STATE.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can make "
            "a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details."
        )
    if not grad_mode.STATE.grad_enabled:
        return
    base = self._base if self._view is not None else None
    if base is None:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(LEAF)
        return
    _check_view_creation(self, base, needs_graph)
    if base._requires_grad and base.grad_fn is None:  # (after how the view was made)
        raise RuntimeError(VIEW_OF_LEAF)


def _check_view_creation(self: Any, base: Any, needs_graph: bool) -> None:
    """A view made in no_grad mode, or one of several views an op returned (split, chunk,
    unbind), may not be changed in place where a graph is involved."""
    creation = self._view.creation
    if creation == "no_grad" and (needs_graph or base._requires_grad):
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
            "can clarify your code by moving both the view and the inplace either both inside "
            "the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
            "you want the inplace to be tracked)."
        )
    if (
        creation is not None
        and creation.startswith("multi:")
        and (needs_graph or base._requires_grad)
    ):
        if base._requires_grad:
            raise RuntimeError(
                f"Output {self._output_nr} of {creation[6:]} is a view and is being modified "
                "inplace. " + MULTI_VIEW
            )
        # (a view without a node: PyTorch words it as one made in no_grad mode)
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. " + MULTI_VIEW
        )


MULTI_VIEW = (
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one."
)
NO_GRAD_VIEW_CHANGED = (
    "A view was created in no_grad mode and its base or another view of its base has been "
    "modified inplace with grad mode enabled. Given that this use case is ambiguous and "
    "error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) "
    "or both outside (if you want the inplace to be tracked)."
)


def apply_inplace(self: Any, compute: Callable[[], Any], check_overlap: bool = True) -> Any:
    """Run `compute()` (the out-of-place op on self) and make its result self's new value."""
    check_writable(self, needs_graph=False)
    result = compute()
    write_result(self, result, check_overlap)
    return self


def overlaps_itself(array: Any) -> bool:
    """Whether one memory location is several elements of `array` (an expand()ed tensor). An
    empty array has no elements to share one (NumPy gives it zero strides all the same)."""
    return array.size > 0 and any(
        stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape, strict=True)
    )


def expanded_write(self: Any, name: str, example: str) -> bool:
    """index_put_ and masked_fill_ may write a tensor whose elements share memory (an
    expand()ed one): PyTorch warns, on every call, that this is deprecated, and writes. Returns
    whether the usual overlap check should run (not when the warning was given)."""
    if not overlaps_itself(self._data):
        return True
    warnings.warn(
        f"Use of {name} on expanded tensors is deprecated. Please clone() the tensor before "
        f"performing this operation. This also applies to advanced indexing e.g. {example}",
        UserWarning,
        stacklevel=4,
    )
    return False


def index_put_warning(self: Any) -> bool:
    return expanded_write(self, "index_put_", "tensor[indices] = tensor")


def masked_fill_warning(self: Any) -> bool:
    return expanded_write(self, "masked_fill_", "tensor[mask] = scalar")


def check_no_overlap(self: Any) -> None:
    """Ops that read self while writing it refuse memory that overlaps itself."""
    if overlaps_itself(self._data):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def check_fits_output(self: Any, others: list) -> None:
    """The operands of an in-place op broadcast together, and to no more than self's shape
    (PyTorch's two errors)."""
    grown = define.broadcast_shape([tuple(self.shape), *(tuple(t.shape) for t in others)])
    if grown != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(grown)}"
        )


def check_castable(result: Any, self: Any) -> None:
    """An in-place result must fit self's dtype under PyTorch's casting rule."""
    if not dtypes.can_cast(result, self._dtype):
        raise RuntimeError(
            f"result type {scalar_type_name(result)} can't be cast to the desired "
            f"output type {scalar_type_name(self._dtype)}"
        )


def check_out_matches(self: Any, shape: Any = None, dtype: Any = None) -> None:
    """The check of PyTorch's structured kernels (cumsum_, addmm_, ...) run in place: self is
    the output, so the op's output shape and dtype must be self's exactly (no broadcasting of
    self, no cast), worded as "Bad in-place call"."""
    if shape is not None and tuple(shape) != tuple(self.shape):
        raise RuntimeError(
            f"Bad in-place call: input tensor size {list(self.shape)} and output tensor size "
            f"{list(shape)} should match"
        )
    if dtype is not None and dtype is not self._dtype:
        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {dtypes.cpp_type_name(self._dtype)} and "
            f"output tensor dtype {dtypes.cpp_type_name(dtype)} should match"
        )


def write_result(self: Any, result: Any, check_overlap: bool = True) -> None:
    """Write `result` into self. Ops that read self while writing refuse memory that overlaps
    itself; fill_ and zero_ read nothing and may write it, as in PyTorch."""
    if result.shape != self.shape:  # the shape first, as PyTorch's TensorIterator
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if check_overlap:  # then the overlap, then the dtype: TensorIterator's order
        check_no_overlap(self)
    check_castable(result._dtype, self)
    if result._requires_grad and grad_mode.STATE.grad_enabled:
        check_writable(self, needs_graph=True)
    _keep_original_self(self, result)
    data = result._data
    if data.dtype != self._data.dtype:
        with fp_errors.quiet():  # a float64 result too big for a float16 self is inf, silently
            data = data.astype(self._data.dtype)
    if not check_overlap and overlaps_itself(self._data):
        # Elements share memory: write only what the op changed, or an unchanged alias
        # written later would put the old value back.
        changed = data != self._data
        self._data[changed] = data[changed]
    else:
        self._data[...] = data
    self._version_counter[0] += 1
    if result.grad_fn is not None and grad_mode.STATE.grad_enabled:
        rebase_history(self, result)


def _keep_original_self(self: Any, result: Any) -> None:
    """The op saved `self` by reference, but self is about to change: like PyTorch, keep a
    copy of the original (other saved references to self still see the change and fail). The
    copy is a recorded clone when self has a history, so a create_graph backward can still
    differentiate through the original (sin_'s cos(x), say)."""
    values = getattr(result.grad_fn, "values", None)
    saved = values.get("self") if values else None
    if isinstance(saved, SavedTensor) and saved.tensor is self:
        if self._requires_grad:
            original = self.clone()
        else:
            original = define.Tensor._wrap(self._data.copy(), self._dtype, self._device)
        values["self"] = save(original)


def rebase_history(self: Any, result: Any) -> None:
    """After an in-place op, `self` is the op's output in the graph."""
    node = result.grad_fn
    _retarget_saved_result(node, self)
    if self._view is None or self._base is None:
        self.grad_fn, self._requires_grad, self._output_nr = node, True, result._output_nr
        return
    base = self._base
    copy = CopySlices(edge(base), self._view.steps, node, base._data.strides)
    base.grad_fn, base._requires_grad, base._output_nr = copy, True, 0
    # The view's own history now runs through its base: replay the view steps on the base.
    self.grad_fn, self._requires_grad = regenerated_history(self._view.steps, base), True
    self._output_nr = 0
    self._view.version = self._version_counter[0]


def _retarget_saved_result(node: Node, self: Any) -> None:
    """A node that saved its output saved the temporary; it must watch self instead."""
    values = getattr(node, "values", None)
    if values and "result" in values:
        saved = values["result"]
        saved.array, saved.counter = self._data, self._version_counter
        saved.version = self._version_counter[0]


class CopySlices(Node):
    """The base's node after one of its views was changed in place by `fn`.

    Backward: the gradient outside the view goes to the base's old history; inside the view it
    goes through `fn`, whose first input was the view's old value.
    """

    __slots__ = ("steps", "fn", "base_strides")

    def __init__(self, base_edge: tuple, steps: tuple, fn: Node, base_strides: tuple) -> None:
        super().__init__((base_edge,) + tuple(fn.next_functions[1:]))
        self.steps, self.fn, self.base_strides = steps, fn, base_strides

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def apply(self, grads: list, create_graph: bool) -> tuple:
        grad = grads[0]
        if create_graph:
            return self._apply_recorded(grad)
        if isinstance(grad, define.Tensor):
            grad = grad._data
        result = _in_layout(grad.copy(), self.base_strides)
        region = define.replay_view(self.steps, result, on_arrays=True)
        fn_grads = self.fn.apply([region.copy()], create_graph)
        if fn_grads and fn_grads[0] is not None:
            region[...] = fn_grads[0]
        else:
            region[...] = 0
        return (result,) + tuple(fn_grads[1:])

    def _apply_recorded(self, grad: Any) -> tuple:
        """The same with Tensors, for create_graph, as PyTorch's CopySlices::apply_with_saved
        records it: the gradient copied into a tensor laid out as the base
        (new_empty_strided(...).copy_(grad): CopyBackwards), the view's region of it taken by
        as_strided (AsStridedBackward0), a clone of the region through `fn`, and fn's gradient
        copied back into the region (an in-place change of a view: CopySlices again)."""
        if not isinstance(grad, define.Tensor):
            grad = define.Tensor._wrap(grad._data, grad._dtype, grad._device)
        result = _copy_in_layout(grad, self.base_strides)
        region = _region(self.steps, result)
        fn_grads = self.fn.apply([region.clone(memory_format=formats.contiguous_format)], True)
        inner = fn_grads[0] if fn_grads and fn_grads[0] is not None else region.new_zeros(())
        region.copy_(inner)
        return (result,) + tuple(fn_grads[1:])

    def release(self) -> None:
        self.fn.release()


def _in_layout(array: Any, base_strides: tuple) -> Any:
    """A fresh `array` (the gradient's copy) laid out as the base when the base is dense: as
    PyTorch's new_empty_strided(base's sizes and strides), so that an as_strided view step
    lands where it did on the base (channels_last, transposed)."""
    if array.strides == base_strides or not array.size:
        return array
    strides = tuple(s // array.itemsize for s in base_strides)
    if not formats.is_non_overlapping_and_dense(array.shape, strides):
        return array
    return copy_with_strides(array, strides)


def _copy_in_layout(grad: Any, base_strides: tuple) -> Any:
    """grad.new_empty_strided(base's sizes and strides).copy_(grad), recorded (CopyBackwards)."""
    target = define.Tensor._wrap(grad._data, grad._dtype, grad._device)  # only its shape is read
    result = copy_from(target, grad)
    result._data = _in_layout(result._data, base_strides)  # fresh: nobody else holds it yet
    return result


def _region(steps: tuple, result: Any) -> Any:
    """The view's region of `result`, taken as PyTorch takes it: as_strided with the sizes,
    strides and storage offset the view's steps give on result's memory (replayed on the
    array). A view that reinterprets the dtype (view_as_real) is replayed step by step."""
    array = define.replay_view(steps, result._data, on_arrays=True)
    if array.dtype != result._data.dtype:
        return define.replay_view(steps, result)
    itemsize = array.itemsize
    strides = tuple(s // itemsize for s in array.strides)
    offset = (_address(array) - _address(result._data)) // itemsize
    return as_strided(result, array.shape, strides, result.storage_offset() + offset)


def change_metadata(self: Any, new_data: Any) -> Any:
    """transpose_, t_, squeeze_, unsqueeze_, resize_: self gets a new shape over (usually) the
    same memory. Allowed on a detached alias since PyTorch 2.0; the original keeps its shape."""
    view = self._view is not None and self._base is not None
    if view and grad_mode.STATE.grad_enabled and self._base._requires_grad:
        raise RuntimeError(
            "set_sizes_and_strides is not allowed on a Tensor created from .data or .detach()."
        )
    self._data = new_data
    self._version_counter[0] += 1
    return self


def resize(self: Any, *size: Any) -> Any:
    """resize_: keep the elements that fit, in order; refused on tensors that require grad."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    n = 1
    for s in size:
        n *= s
    flat = self._data.reshape(-1)
    if n <= flat.size and self._data.flags.c_contiguous:
        return change_metadata(self, flat[:n].reshape(size))
    xp = array_namespace(self._data)
    grown = xp.zeros(n, dtype=self._data.dtype)
    grown[: flat.size] = flat[:n]
    return change_metadata(self, grown.reshape(size))


def write_out(out: Any, result: Any, op_name: str) -> Any:
    """Ops called with out=: the result is written into `out`, an in-place change of it."""
    if grad_mode.STATE.grad_enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{op_name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if out.shape != result.shape:
        if out.numel() == 0:
            out._data = result._data.astype(out._data.dtype)
            out._version_counter[0] += 1
            return out
        raise RuntimeError(
            f"output with shape {list(out.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if not dtypes.can_cast(result._dtype, out._dtype):
        raise RuntimeError(
            f"result type {scalar_type_name(result._dtype)} can't be cast to the desired "
            f"output type {scalar_type_name(out._dtype)}"
        )
    out._data[...] = result._data
    out._version_counter[0] += 1
    return out


@define.op(
    "AsStridedBackward0",
    self=lambda grad, self_shape, positions, F: define.formula_op(F, index_put_accumulate)(
        F.zeros(self_shape, grad), positions, grad
    ),
)
def _as_strided_view(self, positions):
    """The view's elements picked out of its base (the node is what matters, not this)."""
    return self[positions]


@define.op("AsStridedBackward0", self=lambda grad, F: F.sum(grad))
def _as_strided_view_of_scalar(self, shape):
    """A view of a 0-dim base: its one element, as many times as the view has elements."""
    return array_namespace(self).broadcast_to(self, shape).copy()


def regenerated_history(steps: tuple, base: Any) -> Node:
    """The grad_fn a view gets when its base (or another view of it) changed in place: one
    AsStridedBackward0 from the base's new history, as PyTorch 2.13 regenerates it, whose
    gradient adds the view's gradient into the base's elements the view covers (twice where
    an expanded view covers one twice)."""
    xp = array_namespace(base._data)
    if base._data.ndim == 0:  # every element of the view is the base's one element
        shape = define.replay_view(steps, base._data, on_arrays=True).shape
        with grad_mode.set_grad_enabled(True):
            return _as_strided_view_of_scalar(base, shape).grad_fn
    grids = xp.indices(base._data.shape)
    positions = tuple(define.replay_view(steps, grid, on_arrays=True) for grid in grids)
    with grad_mode.set_grad_enabled(True):
        return _as_strided_view(base, positions).grad_fn


from conformance.reference.ops.fills_and_copies import copy_from  # noqa: E402
from conformance.reference.ops.indexing import index_put_accumulate  # noqa: E402
from conformance.reference.ops.shape import copy_with_strides  # noqa: E402
from conformance.reference.ops.strided import as_strided  # noqa: E402
