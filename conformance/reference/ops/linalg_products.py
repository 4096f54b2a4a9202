"""Products with an added term (addmm, addmv, addr, baddbmm, addbmm: beta * self + alpha *
product), vdot, inner, tensordot, kron, cross and linalg.cross, multi_dot and chain_matmul.
Most do not promote dtypes, as in PyTorch; addr and kron, elementwise products underneath,
do."""

from __future__ import annotations

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops import inplace, pointwise, shape
from conformance.reference.ops.define import formula_op, op
from conformance.reference.ops.linalg import (
    _broadcast_batch,
    _need_tensor,
    _no_bool,
    _numel,
    _product,
    check_vectors,
    column_major,
    dot,
    empty_product,
    mat1_gradient,
    mat2_gradient,
    mm,
)
from conformance.reference.ops.shape import unsafe_view
from conformance.reference.tensor import Tensor
from conformance.reference.warn_once import warn_once

__all__ = [
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
]


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
    mat1=lambda grad, mat2, alpha, layouts, F: _scaled(
        mat1_gradient(grad, mat2, layouts[0], F), alpha
    ),
    mat2=lambda grad, mat1, alpha, layouts, F: _scaled(
        mat2_gradient(grad, mat1, layouts[1], F), alpha
    ),
)
def addmm_arrays(self, mat1, mat2, beta, alpha, layouts):
    """`layouts`: whether mat1 and mat2 are column-major, as for mm."""
    return _combine(_product(mat1, mat2), self, beta, alpha)


@op(
    "AddmvBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    mat=lambda grad, vec, alpha, F: _scaled(F.outer(grad, vec), alpha),
    vec=lambda grad, mat, alpha, F: _scaled(F.t(mat) @ grad, alpha),
)
def addmv_arrays(self, mat, vec, beta, alpha):
    return _combine(_product(mat, vec), self, beta, alpha)


@op(
    "AddrBackward0",
    self=lambda grad, beta: _scaled(grad, beta),
    vec1=lambda grad, vec2, alpha, F: _scaled(grad @ vec2, alpha),
    vec2=lambda grad, vec1, alpha, F: _scaled(F.t(grad) @ vec1, alpha),
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
    batch1=lambda grad, batch2, alpha, F: _scaled(
        F.bmm(_per_batch(F, grad, batch2.shape[0]), F.transpose(batch2, 1, 2)), alpha
    ),
    batch2=lambda grad, batch1, alpha, F: _scaled(
        F.bmm(F.transpose(batch1, 1, 2), _per_batch(F, grad, batch1.shape[0])), alpha
    ),
)
def addbmm_arrays(self, batch1, batch2, beta, alpha):
    """The batch's products summed into one matrix: the gradient of each batch1[b] is the
    same grad @ batch2[b].T."""
    return _combine(_product(batch1, batch2).sum(axis=0), self, beta, alpha)


def _per_batch(F, grad, batches):
    """addbmm's gradient, the same for every batch: expanded (not copied) to one per batch,
    for bmm, as PyTorch's formula does."""
    return F.expand(F.unsqueeze(grad, 0), (batches, *grad.shape))


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
    layouts = (column_major(mat1._data), column_major(mat2._data))
    return addmm_arrays(input, mat1, mat2, beta, alpha, layouts)


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
    """torch.baddbmm: beta * input + alpha * bmm(batch1, batch2), input broadcasting. The
    checks come in PyTorch's order: input expands, input and batch1 share a dtype, the
    batches' ranks and sizes, the kernel for batch1's dtype, batch2's dtype."""
    for param, value, position in (("batch1", batch1, 2), ("batch2", batch2, 3)):
        _need_tensor("baddbmm", param, value, position)
    # self is expanded first, to sizes read before any rank is checked (size(2) of a 2-D
    # batch2 is PyTorch's IndexError)
    _expandable(input, (batch1.size(0), batch1.size(1), batch2.size(2)))
    if input.dtype is not batch1.dtype:
        names = (cpp_type_name(t.dtype) for t in (input, batch1, batch2))
        raise RuntimeError(
            "Input dtypes must be the same, got: input {}, batch1: {}, batch2: {}".format(*names)
        )
    for name, value in (("batch1", batch1), ("batch2", batch2)):
        if value.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    b, n, k = batch1.shape
    if tuple(batch2.shape[:2]) != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but "
            f"got: [{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if empty_product(batch1, batch2):
        # PyTorch's kernel returns before its other checks: the result, in batch2's dtype, is
        # empty, or (nothing to sum over) input times beta, multiplied in place
        integral = batch2.dtype.category < dtypes.FLOATING  # (where mul_'s cast rule bites)
        if k == 0 and b * n * batch2.shape[2] and (integral or batch2.dtype is not batch1.dtype):
            result = input.expand(b, n, batch2.shape[2]).to(batch2.dtype, copy=True)
            return result.zero_() if beta == 0 else result.mul_(beta)
        input, batch1 = input.to(batch2.dtype), batch1.to(batch2.dtype)
    beta, alpha = _integral_factors(input, beta, alpha)
    _no_bool("baddbmm", batch1, batch2)
    if batch2.dtype is not batch1.dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(batch1.dtype)} but found "
            f"{scalar_type_name(batch2.dtype)}"
        )
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
    check_vectors("vdot", input, other, "other")
    return vdot_arrays(input, other)


def tensordot(a, b, dims=2, out=None):
    """torch.tensordot: the named dims of a and b contracted, as ATen does it. A contracted
    dim of size 1 on one side is broadcast: the other side is summed over it right away (sum
    with keepdim). Each operand is permuted to (free, contracted) and (contracted, free); when
    each has one free element the result is a dot product (of the two flattened when both are
    contiguous, else a sum of the squeezed operands' product), otherwise both are flattened
    to matrices for one mm. A view to the free dims of a then b is the node on top."""
    for operand in (a, b):  # torch.tensordot is Python: a number fails at its first use
        if not isinstance(operand, Tensor):
            raise AttributeError(f"'{type(operand).__name__}' object has no attribute 'dim'")
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
    left, right, size = a, b, 1
    for da, db in zip(dims_a, dims_b, strict=True):
        sa, sb = a.shape[da], b.shape[db]
        if sb == 1:
            left = left.sum(da, True)
        elif sa == 1:
            right = right.sum(db, True)
        elif sa != sb:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {sa} in dim {da} "
                f"and second has size {sb} in dim {db}"
            )
        else:
            size *= sa
    contracted_a = [shape.wrap_dim(d, a.ndim) for d in dims_a]
    contracted_b = [shape.wrap_dim(d, b.ndim) for d in dims_b]
    free_a = [d for d in range(a.ndim) if d not in contracted_a]
    free_b = [d for d in range(b.ndim) if d not in contracted_b]
    out_shape = [left.shape[d] for d in free_a] + [right.shape[d] for d in free_b]
    size_a, size_b = _numel(left.shape[d] for d in free_a), _numel(right.shape[d] for d in free_b)
    left = left.permute(*free_a, *contracted_a)
    right = right.permute(*contracted_b, *free_b)
    if size_a == 1 and size_b == 1:
        if left.is_contiguous() and right.is_contiguous():
            product = dot(_flat(left), _flat(right))
        else:
            product = pointwise.mul(left.squeeze(), right.squeeze()).sum()
        return shape.reshape(product, *out_shape)
    left = shape.reshape(left, size_a, size)
    right = shape.reshape(right, size, size_b)
    return shape.reshape(mm(left, right), *out_shape)


def _flat(tensor):
    """Tensor.flatten() as PyTorch has it: a vector is itself (no view recorded)."""
    return tensor if tensor.ndim == 1 else shape.reshape(tensor, -1)


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
    dtypes promote) and folds the pairs, each step an _unsafe_view: UnsafeViewBackward0 over
    MulBackward0 over two UnsafeViewBackward0. So, as in PyTorch, an input whose layout the
    product inherits and cannot fold (a transposed matrix) raises view()'s error."""
    _need_tensor("kron", "other", other)
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    left = unsafe_view(input, tuple(s for n in a_shape for s in (n, 1)))
    right = unsafe_view(other, tuple(s for n in b_shape for s in (1, n)))
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
    given, dim = dim, shape.existing_dim(dim, input.ndim)
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
        warn_once(  # once per process, as in PyTorch
            "Using torch.cross without specifying the dim arg is deprecated.\n"
            "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
            "The default value of dim will change to agree with that of linalg.cross in a "
            "future release."
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
    warn_once(  # once per process, as in PyTorch
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters."
    )
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


TENSOR_METHODS: dict = {
    "addmm": addmm,
    "addmv": addmv,
    "addr": addr,
    "baddbmm": baddbmm,
    "addbmm": addbmm,
    "vdot": vdot,
    "inner": inner,
    "kron": kron,
    "cross": lambda self, other, dim=None: cross(self, other, dim),
}


def _product_in_place(product):
    """addmm_, addmv_, baddbmm_, addbmm_: self is the output, so it must already have the
    product's shape (it is not broadcast as in the out-of-place op), PyTorch's check after
    the op's own."""

    def compute(self, *args, **kwargs):
        result = product(self, *args, **kwargs)
        inplace.check_out_matches(self, shape=result.shape)
        return result

    compute.__name__ = product.__name__
    return compute


def _addr_in_place(self, vec1, vec2, *, beta=1, alpha=1):
    """addr_: self must be the outer product's matrix, checked before the op's own checks."""
    for param, value, position in (("vec1", vec1, 1), ("vec2", vec2, 2)):
        _need_tensor("addr_", param, value, position)
    if self.ndim != 2:
        raise RuntimeError(f"2D tensor expected, got {self.ndim}D tensor for input")
    outer = tuple(vec1.shape[:1]) + tuple(vec2.shape[:1])
    if vec1.ndim == vec2.ndim == 1 and tuple(self.shape) != outer:
        raise RuntimeError(
            f"size mismatch, input: {list(self.shape)}, v1: {list(vec1.shape)}, "
            f"v2: {list(vec2.shape)}"
        )
    return addr(self, vec1, vec2, beta=beta, alpha=alpha)


TENSOR_IN_PLACE: dict = {
    "addmm_": _product_in_place(addmm),
    "addmv_": _product_in_place(addmv),
    "addr_": _addr_in_place,
    "baddbmm_": _product_in_place(baddbmm),
    # PyTorch's addbmm_ resizes a self of another (broadcastable) shape; here that is refused.
    "addbmm_": _product_in_place(addbmm),
}
