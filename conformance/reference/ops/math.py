"""The math namespace `F` that derivative formulas use.

A formula runs on arrays in an ordinary backward and on Tensors when create_graph=True. The
operators (+, *, @, ...) work on both; the few functions a formula needs beyond operators are
here twice, once over arrays (`ArrayMath`) and once over reference ops (`TensorMath`, which
records the graph of the backward pass).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.devices import array_namespace
from conformance.reference.ops import define
from conformance.reference.ops.cascade_sum import summed


def reduced_axes(shape: tuple, target: tuple) -> tuple[tuple, tuple]:
    """Axes to sum so a broadcast `shape` comes back to `target`: (leading, kept)."""
    lead = len(shape) - len(target)
    kept = tuple(i for i, n in enumerate(target) if n == 1 and shape[lead + i] != 1)
    return tuple(range(lead)), kept


def _reference_op(name: str) -> Any:
    from conformance import reference
    from conformance.reference.ops import extremes, pointwise, reductions, shape, softmax, variance

    for module in (shape, pointwise, reductions, extremes, variance, softmax, reference):
        found = getattr(module, name, None)
        if found is not None:
            return found
    raise AttributeError(f"no op named {name!r} for a derivative formula")


class ArrayMath:
    """Formula helpers over arrays (NumPy or CuPy). Any other name is an op, run through its
    array forward (no graph, no promotion: a backward's dtypes already match)."""

    records_graph = False

    def __getattr__(self, name: str) -> Any:
        found = _reference_op(name)
        found = found.forward if isinstance(found, define.Op) else found
        setattr(self, name, found)  # found once, then an ordinary attribute
        return found

    @staticmethod
    def sum_to(a: Any, shape: tuple) -> Any:
        if a.shape == tuple(shape):
            return a
        lead, kept = reduced_axes(a.shape, tuple(shape))
        # (one sum over every reduced dim, kept, as ATen's sum_to takes it)
        return summed(a, lead + tuple(len(lead) + d for d in kept), True).reshape(shape)

    @staticmethod
    def expand(a: Any, shape: tuple) -> Any:
        """A fresh array (not a read-only broadcast view): it may become a .grad as it is."""
        out = array_namespace(a).empty(shape, a.dtype)
        out[...] = a
        return out

    @staticmethod
    def unsqueeze_dims(a: Any, dims: tuple, ndim: int) -> Any:
        """Put back reduced dimensions (for reductions without keepdim)."""
        return array_namespace(a).expand_dims(a, tuple(d % ndim for d in dims)) if dims else a

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        return array_namespace(cond).where(cond, a, b)

    @staticmethod
    def zeros(shape: tuple, like: Any) -> Any:
        return array_namespace(like).zeros(shape, like.dtype)

    @staticmethod
    def ones_like(a: Any) -> Any:
        return array_namespace(a).ones_like(a)

    @staticmethod
    def zeros_like(a: Any) -> Any:
        return array_namespace(a).zeros_like(a)

    @staticmethod
    def in_dtype_of(a: Any, like: Any) -> Any:
        """a in like's dtype: a formula that computes in the promoted dtype, as ATen's do."""
        return a.astype(like.dtype, copy=False)

    @staticmethod
    def exp(a: Any) -> Any:
        return array_namespace(a).exp(a)

    @staticmethod
    def log(a: Any) -> Any:
        return array_namespace(a).log(a)

    @staticmethod
    def sqrt(a: Any) -> Any:
        return array_namespace(a).sqrt(a)

    @staticmethod
    def sign(a: Any) -> Any:
        xp = array_namespace(a)
        return xp.where(xp.isnan(a), 0, xp.sign(a)).astype(a.dtype, copy=False)

    sgn = sign  # for real numbers; PyTorch's formulas say sgn (SgnBackward0 under create_graph)

    @staticmethod
    def masked_fill(a: Any, mask: Any, value: Any) -> Any:
        """PyTorch's formulas zero entries with masked_fill_ (MaskedFillBackward0)."""
        return array_namespace(a).where(mask, value, a).astype(a.dtype, copy=False)

    @staticmethod
    def cos(a: Any) -> Any:
        return array_namespace(a).cos(a)

    @staticmethod
    def sin(a: Any) -> Any:
        return array_namespace(a).sin(a)

    @staticmethod
    def transpose(a: Any, d0: int, d1: int) -> Any:
        # (a 0-d tensor transposes to itself: dims 0 and -1 name its one pseudo-dimension)
        return array_namespace(a).swapaxes(a, d0, d1) if a.ndim else a

    @staticmethod
    def unsqueeze(a: Any, dim: int) -> Any:
        return array_namespace(a).expand_dims(a, dim % (a.ndim + 1))

    @staticmethod
    def select(a: Any, dim: int, index: int) -> Any:
        return a[(slice(None),) * (dim % a.ndim) + (index, Ellipsis)]

    @staticmethod
    def reshape(a: Any, shape: tuple) -> Any:
        return a.reshape(shape)

    @staticmethod
    def sum(a: Any, dims: Any = None, keepdim: bool = False) -> Any:
        return summed(a, dims, keepdim)

    @staticmethod
    def outer(a: Any, b: Any) -> Any:
        return array_namespace(a).multiply.outer(a, b)

    @staticmethod
    def cat(arrays: list, dim: int = 0) -> Any:
        """The gradient of split: its pieces joined again (torch.cat takes Tensors only)."""
        return array_namespace(arrays[0]).concatenate(arrays, axis=dim)

    @staticmethod
    def stack(arrays: list, dim: int = 0) -> Any:
        """The gradient of unbind: its pieces stacked again."""
        return array_namespace(arrays[0]).stack(arrays, axis=dim)

    @staticmethod
    def bmm(a: Any, b: Any) -> Any:
        return a @ b


ArrayMath.to_device = staticmethod(lambda a, device: _move(a, device))


def _move(array: Any, device: Any) -> Any:
    from conformance.reference.devices import move_array

    return move_array(array, device)


class TensorMath:
    """The same helpers over reference Tensors, so the backward pass is recorded."""

    records_graph = True

    @staticmethod
    def sum_to(a: Any, shape: tuple) -> Any:
        if tuple(a.shape) == tuple(shape):
            return a
        # As PyTorch's sum_to records it: a plain sum to a 0-dim shape; otherwise one sum
        # over every reduced dim, kept, then a view only when leading dims go.
        if not shape:
            return a.sum()
        lead, kept = reduced_axes(tuple(a.shape), tuple(shape))
        dims = lead + tuple(len(lead) + d for d in kept)
        if dims:  # (sum over dim=() would sum everything)
            a = a.sum(dim=dims, keepdim=True)
        return a.view(shape) if lead else a

    @staticmethod
    def expand(a: Any, shape: tuple) -> Any:
        return a.expand(shape)

    @staticmethod
    def to_device(a: Any, device: Any) -> Any:
        return a.to(device)

    @staticmethod
    def unsqueeze_dims(a: Any, dims: tuple, ndim: int) -> Any:
        for d in sorted(d % ndim for d in dims):
            a = a.unsqueeze(d)
        return a

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Any:
        from conformance.reference.ops import pointwise

        return pointwise.where(cond, a, b)

    @staticmethod
    def zeros(shape: tuple, like: Any) -> Any:
        return like.new_zeros(shape)

    @staticmethod
    def ones_like(a: Any) -> Any:
        return a.new_ones(a.shape)

    @staticmethod
    def zeros_like(a: Any) -> Any:
        return a.new_zeros(a.shape)

    @staticmethod
    def in_dtype_of(a: Any, like: Any) -> Any:
        return a.to(like.dtype)

    @staticmethod
    def transpose(a: Any, d0: int, d1: int) -> Any:
        return a.transpose(d0, d1)

    @staticmethod
    def reshape(a: Any, shape: tuple) -> Any:
        return a.reshape(shape)

    @staticmethod
    def sum(a: Any, dims: Any = None, keepdim: bool = False) -> Any:
        return a.sum() if dims is None else a.sum(dim=dims, keepdim=keepdim)

    @staticmethod
    def outer(a: Any, b: Any) -> Any:
        return a.outer(b)

    @staticmethod
    def bmm(a: Any, b: Any) -> Any:
        """torch.bmm itself (a @ b would go through matmul's batched composition)."""
        from conformance.reference.ops import linalg

        return linalg.bmm(a, b)

    def __getattr__(self, name: str) -> Any:
        found = _reference_op(name)
        setattr(self, name, found)
        return found


define.ArrayMath = ArrayMath()
define.TensorMath = TensorMath()
