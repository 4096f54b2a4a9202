"""torch.linalg.householder_product (torch.orgqr): the first n columns of the product of k
Householder reflections H_i = I - tau_i v_i v_i^T, where v_i is column i of the input below
its diagonal with a 1 on it (how geqrf stores the Q of a QR decomposition). Real dtypes only,
as the engine has no complex tensors; float32 and float64 (PyTorch's CPU kernel refuses the
half types and integers).

The product is built from the right, Q_k being the first n columns of the identity and
Q_i = H_i Q_(i+1) = Q_(i+1) - tau_i v_i (v_i^T Q_(i+1)). Its derivative runs those rank-one
updates backwards: with G the gradient reaching Q_i, w = v_i^T Q_(i+1) and u = v_i^T G,
tau_i receives -(u . w), v_i (so the input's column i below the diagonal) receives
-tau_i (G w^T + Q_(i+1) u^T), and G becomes H_i G for Q_(i+1). A create_graph backward
differentiates the same updates written with reference ops.
"""

from __future__ import annotations

from typing import Any

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.ops.define import Joint, op
from conformance.reference.tensor import Tensor

__all__ = ["householder_product", "orgqr"]

_NAME = "torch.linalg.householder_product"


def _mT(x: Any) -> Any:
    return x.swapaxes(-1, -2) if hasattr(x, "swapaxes") else x.transpose(-1, -2)


def _iterates(A: Any, tau: Any) -> tuple[Any, list]:
    """The reflectors' vectors V (..., m, k) and Q_0, ..., Q_k, on arrays."""
    xp = array_namespace(A)
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V = xp.tril(A[..., :, :k], -1) + xp.eye(m, k, dtype=A.dtype)
    Q = xp.broadcast_to(xp.eye(m, n, dtype=A.dtype), A.shape).copy()
    iterates = [Q]
    for i in reversed(range(k)):
        v = V[..., :, i : i + 1]
        Q = Q - tau[..., i, None, None] * (v @ (_mT(v) @ Q))
        iterates.append(Q)
    return V, iterates[::-1]


def _composed(A: Tensor, tau: Tensor) -> Tensor:
    """The same product from reference ops, so that its backward is recorded."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    from conformance import reference as torch

    V = torch.tril(A[..., :, :k], -1) + torch.eye(m, k, dtype=A.dtype)
    Q = torch.eye(m, n, dtype=A.dtype).expand(A.shape)
    for i in reversed(range(k)):
        v = V[..., :, i : i + 1]
        Q = Q - tau[..., i, None, None] * (v @ (v.mT @ Q))
    return Q


def _gradients(grad: Any, input: Any, tau: Any, F: Any) -> tuple:
    if 0 in input.shape or 0 in tau.shape:  # (PyTorch returns no gradient at all then)
        return None, None
    if F.records_graph:
        from conformance.reference import autograd

        wanted = [t for t in (input, tau) if t.requires_grad]
        found = autograd.grad(_composed(input, tau), wanted, grad, create_graph=True)
        given = dict(zip(map(id, wanted), found, strict=True))
        return given.get(id(input)), given.get(id(tau))
    xp = array_namespace(input)
    V, iterates = _iterates(input, tau)
    k = tau.shape[-1]
    grad_V = xp.zeros(V.shape, V.dtype)
    grad_tau = xp.zeros(tau.shape, tau.dtype)
    G = grad
    for i in range(k):
        v, t, following = V[..., :, i : i + 1], tau[..., i, None, None], iterates[i + 1]
        w, u = _mT(v) @ following, _mT(v) @ G
        grad_tau[..., i] = -(u * w).sum(axis=(-2, -1))
        grad_V[..., :, i : i + 1] = -t * (G @ _mT(w) + following @ _mT(u))
        G = G - t * (v @ u)
    grad_input = xp.zeros(input.shape, input.dtype)
    grad_input[..., :, :k] = xp.tril(grad_V, -1)
    return grad_input, grad_tau


_BACKWARD = Joint(_gradients)


@op("LinalgHouseholderProductBackward0", input=_BACKWARD[0], tau=_BACKWARD[1])
def _householder_product(input: Any, tau: Any) -> Any:
    return _iterates(input, tau)[1][0]


def householder_product(input: Tensor, tau: Tensor) -> Tensor:
    """torch.linalg.householder_product, with PyTorch's checks in its order."""
    if input.ndim < 2:
        raise RuntimeError(f"{_NAME}: input must have at least 2 dimensions.")
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(
            f"{_NAME}: Expected tau to have one dimension less than input, but got tau.ndim "
            f"equal to {tau.ndim} and input.ndim is equal to {input.ndim}"
        )
    m, n = input.shape[-2:]
    if m < n:
        raise RuntimeError(
            f"{_NAME}: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if n < tau.shape[-1]:
        raise RuntimeError(
            f"{_NAME}: input.shape[-1] must be greater than or equal to tau.shape[-1]"
        )
    if tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(
            f"{_NAME}: Expected batch dimensions of tau to be equal to input.shape[:-2], but "
            f"got {list(tau.shape[:-1])}"
        )
    if tau.dtype is not input.dtype:
        raise RuntimeError(
            f"{_NAME}: tau dtype {scalar_type_name(tau.dtype)} does not match input dtype "
            f"{scalar_type_name(input.dtype)}"
        )
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(
            f"\"orgqr_cpu\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return _householder_product(input, tau)


orgqr = householder_product

TENSOR_METHODS: dict = {"orgqr": orgqr}
