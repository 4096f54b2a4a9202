"""Matrix products: matmul (and @), mm, bmm, mv, dot, outer; addmm, addmv, addr, baddbmm,
addbmm; vdot, inner, tensordot, kron, einsum, cross and multi_dot. Unlike elementwise ops most
do not promote dtypes: mixing float32 and float64 is an error, as in PyTorch (addr, kron and
outer, being elementwise products underneath, do promote).

matmul is built from the others the way ATen's matmul builds it, so it records the graph
PyTorch records: DotBackward0 for two vectors, MvBackward0 and MmBackward0 for a matrix with a
vector or a matrix, SqueezeBackward4 over MmBackward0 for a vector times a matrix,
UnsafeViewBackward0 over MmBackward0 when a batch is folded into the rows of one matrix, and
UnsafeViewBackward0 over BmmBackward0 when batch dimensions broadcast.
"""

from __future__ import annotations

import warnings

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops import pointwise, shape
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "outer",
    "ger",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "addbmm",
    "vdot",
    "inner",
    "tensordot",
    "kron",
    "cross",
    "chain_matmul",
    "einsum",
]


def _need_tensor(name, param, value, position=2):
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{param}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


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


@op(
    "MmBackward0",
    self=lambda grad, mat2, F: grad @ F.t(mat2),
    mat2=lambda grad, self, F: F.t(self) @ grad,
)
def mm_arrays(self, mat2):
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
    return mm_arrays(input, mat2)


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
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(mat2.dtype)}"
        )
    _no_bool("bmm", input, mat2)
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


def dot(input, tensor):
    """torch.dot: the zero-dim sum of products of two vectors of one length and one dtype."""
    _need_tensor("dot", "tensor", tensor)
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{scalar_type_name(input.dtype)} and {scalar_type_name(tensor.dtype)}"
        )
    n, n2 = input.shape[0], tensor.shape[0]
    if n != n2:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{n2}] to have the same "
            f"number of elements, but got {n} and {n2} elements respectively"
        )
    _no_bool("dot", input, tensor)
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


@op("UnsafeViewBackward0", self=lambda grad, self_shape, F: F.reshape(grad, self_shape))
def unsafe_view(self, shape):
    """A reshape of a product's fresh result: no copy and, unlike view, no view relation."""
    return self.reshape(shape)


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


# -- products with an added term: addmm, addmv, addr, baddbmm, addbmm --------------------------
# beta * self + alpha * product. As in BLAS, beta == 0 means self is not read at all (a nan
# there does not reach the result), while self's gradient is still grad * beta (nan * 0 stays
# nan). self broadcasts to the product's shape; the engine sums its gradient back.


def _scaled(grad, factor):
    """PyTorch's maybe_multiply: a factor of 1 leaves the gradient as it is."""
    return grad if factor == 1 else grad * factor


def _combine(product, self, beta, alpha):
    dtype = product.dtype
    out = product if alpha == 1 else product * alpha
    if beta != 0:
        out = out + (self if beta == 1 else self * beta)
    return out.astype(dtype, copy=False)


@op(
    "AddmmBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    mat1=lambda grad, mat2, alpha, F: _scaled(grad @ F.transpose(mat2, 0, 1), alpha),
    mat2=lambda grad, mat1, alpha, F: _scaled(F.transpose(mat1, 0, 1) @ grad, alpha),
)
def addmm_arrays(self, mat1, mat2, beta, alpha):
    return _combine(_product(mat1, mat2), self, beta, alpha)


@op(
    "AddmvBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    mat=lambda grad, vec, alpha, F: _scaled(F.outer(grad, vec), alpha),
    vec=lambda grad, mat, alpha, F: _scaled(F.transpose(mat, 0, 1) @ grad, alpha),
)
def addmv_arrays(self, mat, vec, beta, alpha):
    return _combine(_product(mat, vec), self, beta, alpha)


@op(
    "AddrBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    vec1=lambda grad, vec2, alpha, F: _scaled(grad @ vec2, alpha),
    vec2=lambda grad, vec1, alpha, F: _scaled(F.transpose(grad, 0, 1) @ vec1, alpha),
)
def addr_arrays(self, vec1, vec2, beta, alpha):
    product = vec1[:, None] * vec2[None, :]
    if product.dtype == bool:  # the bool kernel reads + as or, * as and
        return (product & bool(alpha)) | (self & bool(beta))
    return _combine(product, self, beta, alpha)


@op(
    "BaddbmmBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    batch1=lambda grad, batch2, alpha, F: _scaled(F.bmm(grad, F.transpose(batch2, 1, 2)), alpha),
    batch2=lambda grad, batch1, alpha, F: _scaled(F.bmm(F.transpose(batch1, 1, 2), grad), alpha),
)
def baddbmm_arrays(self, batch1, batch2, beta, alpha):
    return _combine(_product(batch1, batch2), self, beta, alpha)


@op(
    "AddbmmBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    batch1=lambda grad, batch2, alpha, F: _scaled(grad @ F.transpose(batch2, 1, 2), alpha),
    batch2=lambda grad, batch1, alpha, F: _scaled(F.transpose(batch1, 1, 2) @ grad, alpha),
)
def addbmm_arrays(self, batch1, batch2, beta, alpha):
    """The batch's products summed into one matrix: the gradient of each batch1[b] is the
    same grad @ batch2[b].T."""
    return _combine(_product(batch1, batch2).sum(axis=0), self, beta, alpha)


def _expandable(self, target):
    """self must expand to the product's shape; PyTorch's message if it cannot."""
    sizes = tuple(self.shape)
    padded = (None,) * (len(target) - len(sizes)) + sizes[max(len(sizes) - len(target), 0) :]
    for i, (have, want) in enumerate(zip(padded, target, strict=True)):
        if have not in (None, 1, want) or len(sizes) > len(target):
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size "
                f"({have}) at non-singleton dimension {i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(sizes)}"
            )


def _integral_factors(self, beta, alpha):
    """The mm kernels cast beta and alpha to an integer tensor's type: 0.5 truncates to 0
    (which then leaves self unread). addr refuses such factors instead (_check_factors)."""
    if self.dtype.category < dtypes.FLOATING:
        return int(beta), int(alpha)
    return beta, alpha


def _check_factors(self, beta, alpha):
    if self.dtype.category < dtypes.FLOATING and self.dtype is not dtypes.bool:
        for name, value in (("beta", beta), ("alpha", alpha)):
            if isinstance(value, float):
                raise RuntimeError(
                    f"For integral input tensors, argument {name} must not be a floating point "
                    "number."
                )


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """torch.addmm: beta * input + alpha * (mat1 @ mat2), recorded as one AddmmBackward0."""
    for param, value, position in (("mat1", mat1, 2), ("mat2", mat2, 3)):
        _need_tensor("addmm", param, value, position)
    for name, value in (("mat1", mat1), ("mat2", mat2)):
        if value.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {value.ndim}-D tensor")
    (n, k), (k2, m) = mat1.shape, mat2.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    _expandable(input, (n, m))
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(mat1.dtype)} "
            f"and {scalar_type_name(mat2.dtype)}"
        )
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {scalar_type_name(input.dtype)} "
            f"and {scalar_type_name(mat2.dtype)}"
        )
    beta, alpha = _integral_factors(input, beta, alpha)
    _no_bool("addmm_impl_cpu_", mat1, mat2)
    return addmm_arrays(input, mat1, mat2, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """torch.addmv: beta * input + alpha * (mat @ vec)."""
    for param, value, position in (("mat", mat, 2), ("vec", vec, 3)):
        _need_tensor("addmv", param, value, position)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}"
        )
    n, m = mat.shape
    if vec.shape[0] != m or tuple(input.shape) not in ((n,), (1,), ()):
        size = "x".join(map(str, input.shape))
        raise RuntimeError(
            f"size mismatch, got input ({size}), mat ({n}x{m}), vec ({vec.shape[0]})"
        )
    if not (input.dtype is mat.dtype is vec.dtype):
        names = (scalar_type_name(t.dtype) for t in (input, mat, vec))
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got {}, {}, and {}".format(*names)
        )
    beta, alpha = _integral_factors(input, beta, alpha)
    _no_bool("addmv_impl_cpu", mat, vec)
    return addmv_arrays(input, mat, vec, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """torch.addr: beta * input + alpha * outer(vec1, vec2). Unlike addmm it promotes mixed
    dtypes, and bool tensors work (as or/and)."""
    for param, value, position in (("vec1", vec1, 2), ("vec2", vec2, 3)):
        _need_tensor("addr", param, value, position)
    for name, value in (("vec1", vec1), ("vec2", vec2)):
        if value.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {value.ndim}-D")
    _expandable(input, (vec1.shape[0], vec2.shape[0]))
    common = dtypes.result_type(input, vec1, vec2)
    input, vec1, vec2 = (t if t.dtype is common else t.to(common) for t in (input, vec1, vec2))
    _check_factors(input, beta, alpha)
    return addr_arrays(input, vec1, vec2, beta, alpha)


def _check_batches(kernel, batch1, batch2):
    for name, value in (("batch1", batch1), ("batch2", batch2)):
        if value.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if batch1.dtype is not batch2.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(batch1.dtype)} but found "
            f"{scalar_type_name(batch2.dtype)}"
        )


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """torch.baddbmm: beta * input + alpha * bmm(batch1, batch2), input broadcasting."""
    for param, value, position in (("batch1", batch1, 2), ("batch2", batch2, 3)):
        _need_tensor("baddbmm", param, value, position)
    if batch1.ndim >= 2 and batch2.ndim >= 3:  # self is expanded before the ranks are checked
        _expandable(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    _check_batches("baddbmm", batch1, batch2)
    b, n, k = batch1.shape
    if tuple(batch2.shape[:2]) != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but "
            f"got: [{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if input.dtype is not batch1.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(batch1.dtype)} but found "
            f"{scalar_type_name(input.dtype)}"
        )
    beta, alpha = _integral_factors(input, beta, alpha)
    _no_bool("baddbmm", batch1, batch2)
    return baddbmm_arrays(input, batch1, batch2, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """torch.addbmm: beta * input + alpha * the sum over the batch of batch1[b] @ batch2[b]."""
    for param, value, position in (("batch1", batch1, 2), ("batch2", batch2, 3)):
        _need_tensor("addbmm", param, value, position)
    _check_batches("addbmm", batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            "batch1 and batch2 must have same number of batches, got "
            f"{batch1.shape[0]} and {batch2.shape[0]}"
        )
    _expandable(input, (batch1.shape[1], batch2.shape[2]))
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(
            "Incompatible matrix sizes for bmm "
            f"({batch1.shape[1]}x{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})"
        )
    if input.dtype is not batch1.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(batch1.dtype)} but found "
            f"{scalar_type_name(input.dtype)}"
        )
    beta, alpha = _integral_factors(input, beta, alpha)
    _no_bool("addmm_impl_cpu_", batch1, batch2)
    return addbmm_arrays(input, batch1, batch2, beta, alpha)


# -- vdot, inner, tensordot, kron ----------------------------------------------------------


@op(
    "VdotBackward0",
    self=lambda grad, other: grad * other,
    other=lambda grad, self: grad * self,
)
def vdot_arrays(self, other):
    return _product(self, other)


def vdot(input, other):
    """torch.vdot: dot with the first vector conjugated; for real tensors, dot under its own
    node name and with dot's checks."""
    _need_tensor("vdot", "other", other)
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
    return vdot_arrays(input, other)


def tensordot(a, b, dims=2, out=None):
    """torch.tensordot: the named dims of a and b contracted, as ATen does it: each operand
    permuted to (free, contracted) and flattened to a matrix, one mm, then a view to the
    free dims of a followed by those of b (so the node on top is ViewBackward0)."""
    _need_tensor("tensordot", "b", b)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    for da, db in zip(dims_a, dims_b, strict=True):
        sa, sb = a.shape[da], b.shape[db]
        if sa != sb:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {sa} in dim {da} "
                f"and second has size {sb} in dim {db}"
            )
    contracted_a = [shape.wrap_dim(d, a.ndim) for d in dims_a]
    contracted_b = [shape.wrap_dim(d, b.ndim) for d in dims_b]
    free_a = [d for d in range(a.ndim) if d not in contracted_a]
    free_b = [d for d in range(b.ndim) if d not in contracted_b]
    size = _numel(a.shape[d] for d in contracted_a)
    left = shape.reshape(a.permute(*free_a, *contracted_a), -1, size)
    right = shape.reshape(b.permute(*contracted_b, *free_b), size, -1)
    out_shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return shape.reshape(mm(left, right), *out_shape)


def inner(input, other):
    """torch.inner: a product over the last dims (tensordot over -1 and -1); a 0-dim operand
    makes it an elementwise product instead."""
    _need_tensor("inner", "other", other)
    if input.ndim == 0 or other.ndim == 0:
        return pointwise.mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other):
    """torch.kron: every element of input times all of other, laid out blockwise. ATen
    interleaves the dims of both as (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...), multiplies (so
    dtypes promote) and folds the pairs: UnsafeViewBackward0 over MulBackward0."""
    _need_tensor("kron", "other", other)
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    left = shape.reshape(input, *[s for n in a_shape for s in (n, 1)])
    right = shape.reshape(other, *[s for n in b_shape for s in (1, n)])
    product = pointwise.mul(left, right)
    return unsafe_view(product, tuple(x * y for x, y in zip(a_shape, b_shape, strict=True)))


# -- cross, multi_dot ----------------------------------------------------------------------


def _cross_grad(a, b, dim, F):
    return formula_op(F, linalg_cross_arrays)(a, b, dim)


@op(
    "LinalgCrossBackward0",
    self=lambda grad, other, dim, F: _cross_grad(other, grad, dim, F),
    other=lambda grad, self, dim, F: _cross_grad(grad, self, dim, F),
)
def linalg_cross_arrays(self, other, dim):
    """The cross product along `dim`, written with indexing (the same on NumPy and CuPy)."""
    xp = array_namespace(self)
    self, other = xp.broadcast_arrays(self, other)
    a = [xp.take(self, i, axis=dim) for i in range(3)]
    b = [xp.take(other, i, axis=dim) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return xp.stack(parts, axis=dim)


def linalg_cross(input, other, *, dim=-1):
    """torch.linalg.cross: broadcasting operands of one rank and one dtype, length 3 along
    `dim` (the last by default)."""
    _need_tensor("linalg_cross", "other", other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    given, dim = dim, shape.wrap_dim(dim, input.ndim)
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {given} must have length 3. "
            f"Got {input.shape[dim]} and {other.shape[dim]}"
        )
    _broadcast_batch(input.shape, other.shape)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(input.dtype)} but found "
            f"{scalar_type_name(other.dtype)}"
        )
    if input.dtype is dtypes.bool:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return linalg_cross_arrays(input, other, dim)


def cross(input, other, dim=None):
    """torch.cross: linalg.cross, except that without `dim` it takes the first dimension of
    size 3 (PyTorch warns that this default is deprecated)."""
    if dim is None:
        _need_tensor("cross", "other", other)
        sizes = _broadcast_batch(input.shape, other.shape) if input.ndim == other.ndim else ()
        dim = next((i for i, n in enumerate(sizes) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\n"
            "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
            "The default value of dim will change to agree with that of linalg.cross in a "
            "future release.",
            UserWarning,
            stacklevel=2,
        )
    return linalg_cross(input, other, dim=dim)


def _chain_order(sizes):
    """The cheapest parenthesisation of a matrix chain (the textbook dynamic programme that
    ATen's multi_dot uses): order[i][j] is where the product of matrices i..j splits."""
    n = len(sizes) - 1
    cost = [[0] * n for _ in range(n)]
    order = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], order[i][j] = c, k
    return order


def _chain(matrices, order, i, j):
    if i == j:
        return matrices[i]
    k = order[i][j]
    return mm(_chain(matrices, order, i, k), _chain(matrices, order, k + 1, j))


def multi_dot(tensors):
    """torch.linalg.multi_dot: a chain of mm in the cheapest order. The first and last may be
    vectors (a row and a column); the result is viewed back without them (ViewBackward0)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    for name, t in (("first", first), ("last", last)):
        if t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {name} tensor must be 1D or 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype is not first.dtype:
            raise RuntimeError(
                f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{cpp_type_name(first.dtype)} and tensor {i} {cpp_type_name(t.dtype)}"
            )
    matrices = list(tensors)
    if first.ndim == 1:
        matrices[0] = shape.unsqueeze(first, 0)
    if last.ndim == 1:
        matrices[-1] = shape.unsqueeze(last, 1)
    for i in range(n - 1):
        a, b = matrices[i], matrices[i + 1]
        if a.shape[1] != b.shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} "
                f"and {list(tensors[i + 1].shape)} cannot be multiplied"
            )
    sizes = [matrices[0].shape[0]] + [m.shape[1] for m in matrices]
    result = _chain(matrices, _chain_order(sizes), 0, n - 1)
    out_shape = ([first.shape[0]] if first.ndim == 2 else []) + (
        [last.shape[1]] if last.ndim == 2 else []
    )
    return shape.view(result, *out_shape)


def chain_matmul(*matrices):
    """torch.chain_matmul (deprecated, with a warning): multi_dot of matrices only; one matrix
    comes back as a copy."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


# -- einsum --------------------------------------------------------------------------------
# ATen's einsum, step for step, so the graph is PyTorch's (there is no EinsumBackward node):
# each operand's repeated subscripts become a diagonal, missing subscripts are unsqueezed and
# the operand permuted to one common order (output subscripts first, then the summed ones in
# alphabetical order, upper case first); one operand is then summed, several are contracted
# left to right, each pair as a bmm between permutes and reshapes (or a mul if nothing is
# summed), and the summed dimensions, size 1 by then, are viewed away. Without opt_einsum
# installed (as here) PyTorch contracts left to right too.


def _label_rank(label):
    return ord(label) - ord("A") if label <= "Z" else ord(label) - ord("a") + 26


def _parse_subscripts(term, operand, index):
    """A term's subscripts as a list; an ellipsis becomes one entry (an int, counted from the
    last) per dimension it covers."""
    labels, ellipsis = [], False
    i = 0
    while i < len(term):
        char = term[i]
        if term.startswith("...", i):
            if ellipsis:
                raise RuntimeError(
                    f"einsum(): found '.' for operand {index} for which an ellipsis was "
                    "already found"
                )
            ellipsis = True
            labels.append("...")
            i += 3
            continue
        if char == ".":
            raise RuntimeError(
                f"einsum(): found '.' for operand {index} that is not part of any ellipsis"
            )
        if not char.isascii() or not char.isalpha():
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
        labels.append(char)
        i += 1
    named = len(labels) - ellipsis
    if operand is None:
        return labels
    if (operand.ndim < named) if ellipsis else (operand.ndim != named):
        raise RuntimeError(
            f"einsum(): the number of subscripts in the equation ({named}) "
            + (
                f"is more than the number of dimensions ({operand.ndim}) for operand {index}"
                if ellipsis
                else f"does not match the number of dimensions ({operand.ndim}) for operand "
                f"{index} and no ellipsis was given"
            )
        )
    if ellipsis:
        at = labels.index("...")
        covered = operand.ndim - named
        labels[at : at + 1] = list(range(covered, 0, -1))
    return labels


def _sumproduct_pair(left, right, sum_dims):
    """(left * right) summed over sum_dims (kept as size 1) by one bmm."""
    if not sum_dims:
        return pointwise.mul(left, right)
    lro, lo, ro = [], [], []
    for i in range(left.ndim):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            continue
        if sl and sr:
            lro.append(i)
        elif sl:
            lo.append(i)
        else:
            ro.append(i)
    summed = list(sum_dims)
    lro_size = _numel(left.shape[d] for d in lro)
    lo_size = _numel(left.shape[d] for d in lo)
    ro_size = _numel(right.shape[d] for d in ro)
    sum_size = _numel(left.shape[d] if left.shape[d] != 1 else right.shape[d] for d in summed)
    out_size = [left.shape[d] for d in lro + lo] + [1] * len(summed)
    out_size += [right.shape[d] for d in ro]
    order = lro + lo + summed + ro
    inverse = [order.index(d) for d in range(len(order))]
    left = shape.reshape(left.permute(*order), lro_size, lo_size, sum_size)
    right = right.permute(*lro, *summed, *ro, *lo)
    right = shape.reshape(right, lro_size, sum_size, ro_size)
    return shape.view(bmm(left, right), *out_size).permute(*inverse)


def einsum(equation, *operands):
    """torch.einsum: a sum of products named by subscripts ("ij,jk->ik"). The operands may
    also come as one list."""
    from conformance.reference.ops import rearranging

    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    inputs = [
        _parse_subscripts(t, op_, i) for i, (t, op_) in enumerate(zip(terms, operands, strict=True))
    ]
    ellipsis_dims = max((x for labels in inputs for x in labels if isinstance(x, int)), default=0)
    if arrow:
        output = _parse_subscripts(rhs, None, None)
        if "..." in output:
            at = output.index("...")
            output[at : at + 1] = list(range(ellipsis_dims, 0, -1))
        seen = set()
        for label in output:
            if isinstance(label, str):
                if label in seen:
                    raise RuntimeError(
                        f"einsum(): output subscript {label} appears more than once in the output"
                    )
                if not any(label in labels for labels in inputs):
                    raise RuntimeError(
                        f"einsum(): output subscript {label} does not appear in the equation "
                        "for any input operand"
                    )
                seen.add(label)
    else:
        counts = {}
        for labels in inputs:
            for label in labels:
                if isinstance(label, str):
                    counts[label] = counts.get(label, 0) + 1
        once = sorted((x for x, n in counts.items() if n == 1), key=_label_rank)
        output = list(range(ellipsis_dims, 0, -1)) + once
    summed = sorted({x for labels in inputs for x in labels if x not in output}, key=_label_rank)
    order = output + summed
    sizes = {}
    ops = []
    for index, (labels, operand) in enumerate(zip(inputs, operands, strict=True)):
        first = {}
        kept = []
        for label in labels:
            if label in first:  # a repeated subscript: the diagonal, moved back in place
                at = first[label]
                if operand.shape[at] != operand.shape[len(kept)]:
                    raise RuntimeError(
                        f"einsum(): subscript {label} is repeated for operand {index} but the "
                        f"sizes don't match, {operand.shape[len(kept)]} != {operand.shape[at]}"
                    )
                operand = rearranging.diagonal(operand, 0, at, len(kept))
                operand = rearranging.movedim(operand, -1, at)
                continue
            first[label] = len(kept)
            kept.append(label)
        for dim, label in enumerate(kept):
            size = operand.shape[dim]
            known = sizes.get(label, 1)
            if size != 1 and known != 1 and size != known:
                if isinstance(label, str):
                    raise RuntimeError(
                        f"einsum(): subscript {label} has size {size} for operand {index} which "
                        f"does not broadcast with previously seen size {known}"
                    )
                covered = sum(isinstance(x, int) for x in labels)
                raise RuntimeError(
                    f"einsum(): dimension {covered - label} covered by ellipsis in operand "
                    f"{index}has size {size} which does not broadcast with previously seen "
                    f"ellipsis with size {known} for the respective dimension"
                )
            if size != 1:
                sizes[label] = size
        for label in order:
            if label not in kept:
                operand = shape.unsqueeze(operand, operand.ndim)
                kept.append(label)
        operand = operand.permute(*[kept.index(label) for label in order])
        alone = [
            len(output) + k
            for k, label in enumerate(summed)
            if label in labels
            and not any(label in other for other in inputs if other is not labels)
        ]
        ops.append(operand.sum(alone, True) if alone and len(operands) > 1 else operand)
    n_out = len(output)
    result = ops[0]
    if len(ops) == 1:
        if summed:
            result = result.sum(list(range(n_out, len(order))))
        return result
    last_use = {
        label: max(i for i, labels in enumerate(inputs) if label in labels) for label in summed
    }
    for i, b in enumerate(ops[1:], 1):
        sum_dims = []
        for k, label in enumerate(summed):
            dim = n_out + k
            if last_use[label] != i:
                continue
            if result.shape[dim] != 1 and b.shape[dim] != 1:
                sum_dims.append(dim)
            elif result.shape[dim] != 1:
                result = result.sum(dim, True)
            elif b.shape[dim] != 1:
                b = b.sum(dim, True)
        result = _sumproduct_pair(result, b, sum_dims)
    if summed:
        result = shape.view(result, *result.shape[:n_out])
    return result


TENSOR_METHODS: dict = {
    "matmul": matmul,
    "mm": mm,
    "bmm": bmm,
    "mv": mv,
    "dot": dot,
    "outer": outer,
    "ger": outer,
    "addmm": addmm,
    "addmv": addmv,
    "addr": addr,
    "baddbmm": baddbmm,
    "addbmm": addbmm,
    "vdot": vdot,
    "inner": inner,
    "kron": kron,
    "cross": lambda self, other, dim=None: cross(self, other, dim),
    "__matmul__": _matmul_operator,
    "__rmatmul__": _rmatmul_operator,
}
