"""Matrix products: matmul (and @), mm, bmm, mv, dot, outer. Unlike elementwise ops they do
not promote dtypes: mixing float32 and float64 is an error, as in PyTorch (outer, an
elementwise product underneath, does promote). The products with an added term, vdot, inner,
tensordot, kron, cross and multi_dot are in linalg_products.py, einsum in einsum.py; this
module's namespace re-exports them.

matmul is built from the others the way ATen's matmul builds it, so it records the graph
PyTorch records: DotBackward0 for two vectors, MvBackward0 and MmBackward0 for a matrix with a
vector or a matrix, SqueezeBackward4 over MmBackward0 for a vector times a matrix,
UnsafeViewBackward0 over MmBackward0 when a batch is folded into the rows of one matrix, and
UnsafeViewBackward0 over BmmBackward0 when batch dimensions broadcast.
"""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops import pointwise, shape
from conformance.reference.ops.define import op
from conformance.reference.ops.shape import unsafe_view
from conformance.reference.tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger"]


def _need_tensor(name, param, value, position=2):
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{param}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


def empty_product(batch1, batch2):
    """Whether a batched product (b, n, k) @ (b, k, m) has nothing to multiply: PyTorch's
    CPU bmm returns (zeros, or nothing) before comparing the dtypes."""
    b, n, k = batch1.shape
    return 0 in (b, n, k, batch2.shape[2])


def _no_bool(kernel, a, b):
    """The CPU kernels have no bool variant; an empty product returns before reaching one."""
    if a.dtype is dtypes.bool and (kernel == "dot" or a.numel() and b.numel()):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


# -- the products themselves ------------------------------------------------------------------


def _product(a, b):
    """a @ b in a's dtype; half precision accumulates in float32, as PyTorch's CPU kernels do
    (and as NumPy would not: it returns float32 for bfloat16)."""
    if a.dtype in pointwise.HALF_ARRAYS:
        return (pointwise.opmath(a) @ pointwise.opmath(b)).astype(a.dtype)
    return a @ b


def mat1_gradient(grad, mat2, column_major, F):
    """PyTorch's mm_mat1_backward: grad @ mat2.T, computed as (mat2 @ grad.T).T (so laid out
    column-major, and recorded in that order) when mat1 was column-major."""
    return F.t(mat2 @ F.t(grad)) if column_major else grad @ F.t(mat2)


def mat2_gradient(grad, mat1, column_major, F):
    """PyTorch's mm_mat2_backward: mat1.T @ grad, or (grad.T @ mat1).T for a column-major
    mat2 (the transpose of an nn.Linear weight, say)."""
    return F.t(F.t(grad) @ mat1) if column_major else F.t(mat1) @ grad


def column_major(array):
    """Whether a matrix is laid out column by column, as PyTorch's mm backward asks."""
    return (
        array.strides[0] == array.itemsize and array.strides[1] == array.shape[0] * array.itemsize
    )


@op(
    "MmBackward0",
    self=lambda grad, mat2, layouts, F: mat1_gradient(grad, mat2, layouts[0], F),
    mat2=lambda grad, self, layouts, F: mat2_gradient(grad, self, layouts[1], F),
)
def mm_arrays(self, mat2, layouts):
    """`layouts`: whether each operand is column-major, which its gradient's form follows."""
    return _product(self, mat2)


@op(
    "BmmBackward0",
    self=lambda grad, mat2, F: F.bmm(grad, F.transpose(mat2, 1, 2)),
    mat2=lambda grad, self, F: F.bmm(F.transpose(self, 1, 2), grad),
)
def bmm_arrays(self, mat2):
    return _product(self, mat2)


@op(
    "MvBackward0",
    self=lambda grad, vec, F: F.outer(grad, vec),
    vec=lambda grad, self, F: F.t(self) @ grad,
)
def mv_arrays(self, vec):
    return _product(self, vec)


@op(
    "DotBackward0",
    self=lambda grad, tensor, F: grad * tensor,
    tensor=lambda grad, self, F: grad * self,
)
def dot_arrays(self, tensor):
    return _product(self, tensor)


def mm(input, mat2):
    """torch.mm: (n, k) @ (k, m). Two matrices only: no batches, no broadcasting, no promotion."""
    _need_tensor("mm", "mat2", mat2)
    a, b = input._data, mat2._data  # the arrays' own shapes: no Size objects on this hot path
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    (n, k), (k2, m) = a.shape, b.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{cpp_type_name(input.dtype)} != {cpp_type_name(mat2.dtype)}"
        )
    _no_bool("addmm_impl_cpu_", input, mat2)
    return mm_arrays(input, mat2, (column_major(a), column_major(b)))


def bmm(input, mat2):
    """torch.bmm: (b, n, k) @ (b, k, m), one product per batch; the batch sizes must match."""
    _need_tensor("bmm", "mat2", mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, _, k = input.shape
    if mat2.shape[:2] != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but "
            f"got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    if empty_product(input, mat2):  # (no dtype check: the result takes mat2's)
        return bmm_arrays(input.to(mat2.dtype), mat2)
    _no_bool("bmm", input, mat2)  # (the kernel is chosen by input's dtype, then mat2's compared)
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(mat2.dtype)}"
        )
    return bmm_arrays(input, mat2)


def mv(input, vec):
    """torch.mv: (n, m) @ (m,) gives (n,)."""
    _need_tensor("mv", "vec", vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    n, m = input.shape
    if vec.shape[0] != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({vec.shape[0]})")
    if input.dtype is not vec.dtype:
        v, a = scalar_type_name(vec.dtype), scalar_type_name(input.dtype)
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {v}, {a}, and {v}"
        )
    _no_bool("addmv_impl_cpu", input, vec)
    return mv_arrays(input, vec)


def check_vectors(name, input, other, param):
    """dot's and vdot's shared checks: two 1-D tensors of one dtype and one length, not bool.
    The messages say "dot" for both, as PyTorch's do."""
    _need_tensor(name, param, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(input.dtype)} and {scalar_type_name(other.dtype)}"
        )
    n, n2 = input.shape[0], other.shape[0]
    if n != n2:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{n2}] to have the same "
            f"number of elements, but got {n} and {n2} elements respectively"
        )
    _no_bool("dot", input, other)


def dot(input, tensor):
    """torch.dot: the zero-dim sum of products of two vectors of one length and one dtype."""
    check_vectors("dot", input, tensor, "tensor")
    return dot_arrays(input, tensor)


def outer(input, vec2):
    """torch.outer: input[:, None] * vec2, an elementwise product, so dtypes do promote and the
    node is MulBackward0."""
    _need_tensor("outer", "vec2", vec2)
    for name, value in (("self", input), ("vec2", vec2)):
        if value.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {value.ndim}-D")
    return pointwise.mul(shape.reshape(input, input.shape[0], 1), vec2)


ger = outer


# -- matmul -----------------------------------------------------------------------------------


@op("SqueezeBackward4", self=lambda grad, self_shape, F: F.reshape(grad, self_shape))
def squeeze_first(self):
    """The in-place squeeze_(0) ATen applies to mm's fresh result for vector @ matrix."""
    return self.reshape(self.shape[1:])


def _broadcast_batch(a, b):
    """The broadcast of two batch shapes, with PyTorch's error naming the dimension."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i in reversed(range(n)):
        x, y = a[i], b[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i}"
            )
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _numel(sizes):
    n = 1
    for s in sizes:
        n *= s
    return n


def _should_fold(input, other):
    """ATen folds the batch of a >= 3-D operand into the rows of one matrix (one mm or mv
    instead of bmm) when the other operand is a vector or matrix and either that operand
    needs a gradient (so its gradient is one mm, not a sum over a broadcast batch) or the
    folding reshape can be a view."""
    first_larger = input.ndim >= other.ndim
    large, small = (input, other) if first_larger else (other, input)
    if large.ndim < 3 or small.ndim > 2:
        return False
    if small.requires_grad:
        return True
    if input.ndim == 2:
        return False  # folding would need the transposed result copied back
    if large.numel() == 0:
        return True
    sizes, strides = list(large.shape), list(large.stride())
    if not first_larger:  # the large operand is used transposed (mT)
        sizes[-2], sizes[-1] = sizes[-1], sizes[-2]
        strides[-2], strides[-1] = strides[-1], strides[-2]
    return all(strides[i] == strides[i + 1] * sizes[i + 1] for i in range(len(sizes) - 2))


def _folded(input, other):
    """(..., n, k) @ (k, m) as one (N, k) @ (k, m) product; a smaller first operand is handled
    by transposing both sides."""
    transpose = other.ndim > input.ndim
    if transpose:
        large = other.mT
        small = input.t() if input.ndim == 2 else input
    else:
        large, small = input, other
    output_shape = tuple(large.shape[:-1])
    rows = shape.reshape(large, _numel(output_shape), large.shape[-1])
    if small.ndim == 1:
        return unsafe_view(mv(rows, small), output_shape)
    out = unsafe_view(mm(rows, small), output_shape + (small.shape[1],))
    return out.mT.contiguous() if transpose else out


def _batched(input, other):
    """Broadcast the batch dimensions, flatten them into one, and bmm."""
    n = input.shape[-2] if input.ndim > 1 else 1
    k = input.shape[-1]
    k2 = other.shape[-2] if other.ndim > 1 else other.shape[0]
    p = other.shape[-1] if other.ndim > 1 else 1
    batch = _broadcast_batch(input.shape[:-2], other.shape[:-2])
    count = _numel(batch)
    left = shape.reshape(shape.expand(input, batch + (n, k)), count, n, k)
    if other.ndim == 1:
        right = shape.reshape(shape.expand(other, batch + (k2,)), count, k2)
        right = shape.unsqueeze(right, 2)
    else:
        right = shape.reshape(shape.expand(other, batch + (k2, p)), count, k2, p)
    output_shape = batch + ((n,) if input.ndim > 1 else ()) + ((p,) if other.ndim > 1 else ())
    out = bmm(left, right)
    if other.ndim == 1:
        out = shape.squeeze(out, -1)
    return unsafe_view(out, output_shape)


def matmul(input, other):
    """torch.matmul: dot, mv or mm for vectors and matrices; otherwise a batched product whose
    batch dimensions broadcast and whose 1-D operands lose their dimension in the result."""
    _need_tensor("matmul", "other", other)
    d1, d2 = input._data.ndim, other._data.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D"
        )
    if d1 == 1 and d2 == 1:
        return dot(input, other)
    if d1 == 2 and d2 == 1:
        return mv(input, other)
    if d1 == 1 and d2 == 2:
        out = squeeze_first(mm(shape.unsqueeze(input, 0), other))
        out._version_counter[0] += 1  # ATen squeezes in place
        return out
    if d1 == 2 and d2 == 2:
        return mm(input, other)
    if d1 == 3 and d2 == 3 and input.shape[0] != other.shape[0]:
        # A batch of one that needs a gradient is squeezed, so that gradient is not summed
        # over the other operand's batch.
        if other.shape[0] == 1 and other.requires_grad:
            return matmul(input, shape.squeeze(other, 0))
        if input.shape[0] == 1 and input.requires_grad:
            return matmul(shape.squeeze(input, 0), other)
    if _should_fold(input, other):
        return _folded(input, other)
    return _batched(input, other)


def _matmul_operator(self, other):
    """a @ b: NotImplemented for a non-tensor, so Python raises its own TypeError."""
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


def _rmatmul_operator(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


TENSOR_METHODS: dict = {
    "matmul": matmul,
    "mm": mm,
    "bmm": bmm,
    "mv": mv,
    "dot": dot,
    "outer": outer,
    "ger": outer,
    "__matmul__": _matmul_operator,
    "__rmatmul__": _rmatmul_operator,
}

# The other products, in this namespace too (imported last: they build on this module).
from conformance.reference.ops import einsum as _einsum  # noqa: E402
from conformance.reference.ops import linalg_products as _products  # noqa: E402
from conformance.reference.ops.einsum import einsum  # noqa: E402, F401
from conformance.reference.ops.linalg_products import *  # noqa: E402, F403
from conformance.reference.ops.linalg_products import linalg_cross, multi_dot  # noqa: E402, F401

__all__ += _products.__all__ + _einsum.__all__
TENSOR_METHODS.update(_products.TENSOR_METHODS)
TENSOR_IN_PLACE: dict = dict(_products.TENSOR_IN_PLACE)
