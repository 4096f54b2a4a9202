"""torch.nn.utils: clipping gradients, and parameters as one flat vector; `rnn` holds the
padded and packed sequences of the recurrent layers, `parametrize` and `parametrizations` the
tensors computed from other tensors, weight_norms.py the older hook-based weight_norm and
spectral_norm, and fusion.py the folding of batch norms into convolutions and linear layers.

The clipping functions work on `.grad` in place and record nothing (PyTorch runs them under
no_grad). The total norm is the norm of the per-tensor norms, each tensor's computed in its own
dtype, as PyTorch's non-foreach path computes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.nn.utils import fusion, parametrizations, parametrize, rnn
from conformance.reference.nn.utils.fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from conformance.reference.nn.utils.init import skip_init
from conformance.reference.nn.utils.memory_format import (
    convert_conv2d_weight_memory_format,
    convert_conv3d_weight_memory_format,
)
from conformance.reference.nn.utils.weight_norms import (
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)
from conformance.reference.tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
    "parameters_to_vector",
    "vector_to_parameters",
    "rnn",
    "parametrize",
    "parametrizations",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
    "fusion",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "skip_init",
    "convert_conv2d_weight_memory_format",
    "convert_conv3d_weight_memory_format",
]


def _reference() -> Any:
    from conformance import reference

    return reference


def _as_list(tensors: Tensor | Iterable[Tensor]) -> list:
    """A single tensor or any iterable (a generator is read once)."""
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of the tensors' norms (a float32 0 when there are none)."""
    torch = _reference()
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return torch.tensor(0.0)
    with grad_mode.no_grad():
        first_device = tensors[0].device
        norms = [torch.linalg.vector_norm(t, norm_type) for t in tensors]
        total = torch.linalg.vector_norm(
            torch.stack([n.to(first_device) for n in norms]), norm_type
        )
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale every .grad by min(1, max_norm / (total_norm + 1e-6)), in place. The factor is
    applied even when it is 1, as PyTorch does (to avoid a device synchronisation)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with grad_mode.no_grad():
        coefficient = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coefficient.to(g.device))


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients so that their total norm is at most max_norm; returns the total
    norm before clipping (norm_type may be inf: the largest absolute value)."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every .grad into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with grad_mode.no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def _check_param_device(param: Tensor, old_device: Any) -> Any:
    if old_device is not None and param.device != old_device:
        raise TypeError(
            "Found two parameters on different devices, this is currently not supported."
        )
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined into one new vector (CatBackward0: a gradient
    flows back to each parameter)."""
    device = None
    pieces = []
    for param in parameters:
        device = _check_param_device(param, device)
        pieces.append(param.view(-1))
    return _reference().cat(pieces)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next slice of `vec` as its data: the parameters
    then share vec's memory (PyTorch assigns `param.data`, so nothing is recorded)."""
    if not isinstance(vec, Tensor):
        from conformance.reference.nn.modules import typename

        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer : pointer + n].view_as(param).data
        pointer += n
