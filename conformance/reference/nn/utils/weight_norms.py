"""The hook-based weight_norm and spectral_norm of torch.nn.utils (older than, and still
exported beside, the parametrizations of the same names).

Both replace the parameter `weight` by new parameters (weight_g and weight_v; weight_orig) and
set `module.weight`, a plain tensor attribute, from a forward pre-hook before every call.
torch.nn.utils.weight_norm warns (FutureWarning) that it is deprecated; spectral_norm does not.
"""

from __future__ import annotations

import warnings
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.nn.module import Module
from conformance.reference.nn.parameter import Parameter, UninitializedParameter
from conformance.reference.tensor import Tensor

__all__ = [
    "WeightNorm",
    "weight_norm",
    "remove_weight_norm",
    "SpectralNorm",
    "spectral_norm",
    "remove_spectral_norm",
]


def _reference() -> Any:
    from conformance import reference

    return reference


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """torch.norm_except_dim: the p-norm over every dimension but `dim`, kept as size-1
    dimensions (so it broadcasts against v); dim=-1 means the norm of the whole tensor, a
    0-dim result, not the last dimension."""
    torch = _reference()
    if dim == -1:
        return torch.linalg.vector_norm(v, pow)
    others = tuple(d for d in range(v.ndim) if d != dim)
    return torch.linalg.vector_norm(v, pow, dim=others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """torch._weight_norm: v rescaled so that its norm over all dimensions but `dim` is g."""
    return v * (g / norm_except_dim(v, 2, dim))


def _is_conv_transpose(module: Module) -> bool:
    nn = _reference().nn
    return isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d))


class WeightNorm:
    """The forward pre-hook of torch.nn.utils.weight_norm: weight = g * v / ||v||."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated "
            "in favor of `torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `WeightNorm` can't have uninitialized parameters. "
                "Make sure to run the dummy forward before applying weight normalization"
            )
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split `name` into a magnitude `<name>_g` (norm over all dims but `dim`; dim=None: the
    whole tensor) and a direction `<name>_v`, recombined before each forward."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Fold g and v back into one parameter `name`."""
    return _remove_hook(module, name, WeightNorm, "weight_norm")


def _remove_hook(module: Module, name: str, kind: type, label: str) -> Module:
    """Undo the `kind` hook that reparametrizes `name`, with PyTorch's error if none does."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"{label} of '{name}' not found in {module}")


class SpectralNorm:
    """The forward pre-hook of torch.nn.utils.spectral_norm: weight = weight_orig / sigma, with
    sigma = u . (W v) estimated by power iteration on the buffers weight_u and weight_v, which
    are updated in place in training mode only."""

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but "
                f"got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """`dim` becomes the rows, every other dimension flattened into the columns."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.dim()) if d != self.dim])
        return weight.reshape(weight.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        torch = _reference()
        normalize = torch.nn.functional.normalize
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with grad_mode.no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(torch.mv(weight_mat.t(), u), dim=0, eps=self.eps))
                    u.copy_(normalize(torch.mv(weight_mat, v), dim=0, eps=self.eps))
                # Clones, so that a later in-place update of the buffers cannot break the
                # backward of this forward.
                u = u.clone()
                v = v.clone()
        sigma = torch.dot(u, torch.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with grad_mode.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        normalize = _reference().nn.functional.normalize
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `SpectralNorm` can't have uninitialized parameters. "
                "Make sure to run the dummy forward before applying spectral normalization"
            )
        with grad_mode.no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide `name` by its largest singular value, estimated by power iteration. `dim`, the
    output dimension, defaults to 1 for transposed convolutions and 0 otherwise."""
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Make `name` a parameter again, holding weight_orig / sigma (no further iteration)."""
    return _remove_hook(module, name, SpectralNorm, "spectral_norm")
