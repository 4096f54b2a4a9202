"""What several families of functional forms share: the torch-like namespace (looked up late),
PyTorch's type check of a tensor argument, dim wrapping, shape broadcasting, the gradient
of a clamp (passed where kept, zero elsewhere), and the affine weight and bias of the norm
layers."""

from __future__ import annotations

from typing import Any

from conformance.reference.nn import init
from conformance.reference.nn.parameter import Parameter
from conformance.reference.ops import creation, define
from conformance.reference.tensor import Size, Tensor


def _reference() -> Any:
    """The torch-like namespace, looked up when called (it imports this package)."""
    from conformance import reference

    return reference


def _require_tensor(name: str, value: Any, argument: str = "input") -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{argument}' (position 1) must be Tensor, not "
            f"{type(value).__name__}"
        )


def no_grad_argument(function: str, argument: str, value: Any) -> None:
    """PyTorch refuses a tensor that requires grad for an argument its derivatives do not
    cover (derivatives.yaml's non-differentiable arguments, such as a loss's class weights),
    while grad mode is on."""
    if value is not None and value.requires_grad and _reference().is_grad_enabled():
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{argument}'. This input cannot have requires_grad True."
        )


def _dim(dim: int, ndim: int) -> int:
    """dim in [-ndim, ndim), made non-negative; PyTorch's IndexError otherwise."""
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    if not low <= dim <= high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim % max(ndim, 1)


def _masked(grad, keep, F):
    """The gradient where `keep`, zero elsewhere (an inf gradient too, which 0 * grad is not)."""
    return F.where(keep, grad, F.zeros_like(grad))


def broadcast_shapes(*shapes: tuple) -> Size:
    """The common shape, with PyTorch's message when two sizes disagree."""
    return Size(define.broadcast_shape(list(shapes)))


def affine_parameters(
    module: Any, shape: Any, affine: bool, bias: bool, device: Any, dtype: Any
) -> None:
    """A norm layer's weight and bias, as PyTorch's BatchNorm, GroupNorm and LayerNorm register
    them: weight before bias (the order of state_dict and named_parameters), and an absent one
    registered as None, so that it reads None and load_state_dict expects no key for it.
    Their values are reset_affine's."""
    module.register_parameter("weight", _empty_parameter(affine, shape, device, dtype))
    module.register_parameter("bias", _empty_parameter(affine and bias, shape, device, dtype))


def _empty_parameter(wanted: bool, shape: Any, device: Any, dtype: Any) -> Parameter | None:
    return Parameter(creation.empty(shape, device=device, dtype=dtype)) if wanted else None


def reset_affine(module: Any, affine: bool) -> None:
    """The identity transform, weight ones and bias zeros: PyTorch's norm layers start (and
    reset_parameters() returns) there, so a fresh layer only normalises."""
    if affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)
