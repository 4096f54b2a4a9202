"""torch.optim's Adadelta, Adamax, NAdam and RAdam (re-exported by optim.py).

Each step is PyTorch's single-tensor implementation (what runs on the CPU, where `foreach=None`
means False), written on the arrays behind the tensors in PyTorch's order of operations, with
optim.py's `_fused` for the multiply-adds that PyTorch's kernels round once. Every in-place
write bumps its tensor's version, as PyTorch's `add_`/`mul_`/`lerp_` do. Scalar state (`step`,
NAdam's `mu_product`) is a 0-dim tensor of PyTorch's scalar dtype: float32, or float64 under a
float64 default dtype, so NAdam's running product is rounded to float32 as in PyTorch.

`capturable`, `foreach` and `differentiable` change how PyTorch computes, not what (up to
rounding); the engine computes one way and raises where PyTorch refuses a combination: a
capturable step on a device CUDA graphs cannot capture, foreach with differentiable, and
differentiable on a leaf that requires grad (PyTorch's in-place update of it fails).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation
from conformance.reference.optim import (
    Optimizer,
    _bump,
    _check_betas,
    _check_options,
    _fused,
    _lerp,
    _params_with_grad,
    _scalar,
    _scalar_dtype,
)
from conformance.reference.tensor import Tensor

__all__ = ["Adadelta", "Adamax", "NAdam", "RAdam"]

_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


def _scalar_state(value: float, param: Tensor, on_device: bool) -> Tensor:
    """A 0-dim state entry in PyTorch's scalar dtype (`_get_scalar_dtype()`), kept on the CPU
    unless `on_device` (capturable, and always for ASGD), then on the parameter's device."""
    device = param.device if on_device else "cpu"
    return creation.tensor(value, dtype=_scalar_dtype(), device=device)


def _start_states(states: dict, params: list, capturable: bool, *buffers: str) -> None:
    """Each parameter's state on its first step, in torch's key order: the step count, then a
    zero tensor like the parameter for each of `buffers`."""
    for param in params:
        state = states[param]
        if not state:
            state["step"] = _scalar_state(0.0, param, capturable)
            for name in buffers:
                state[name] = creation.zeros_like(param)


def _check_step(
    group: dict, params: list, what: str = "params and state_steps", xla: bool = True
) -> None:
    """What PyTorch's step refuses before (or at) its first write; `what` and `xla` are the
    wording of each optimizer's capturable message."""
    if group["foreach"] and group["differentiable"]:
        raise AssertionError("_foreach ops don't support autograd")
    if group["capturable"]:
        devices = _CAPTURABLE_DEVICES if xla else _CAPTURABLE_DEVICES[:-1]
        if any(p.device.type not in devices for p in params):
            raise AssertionError(
                f"If capturable=True, {what} must be on supported devices: {devices}."
            )
    if group["differentiable"] and any(p.is_leaf and p.requires_grad for p in params):
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def _gradient(param: Tensor, group: dict) -> Any:
    """The gradient a step uses: negated under maximize (never .grad itself)."""
    grad = param._grad._data
    return -grad if group["maximize"] else grad


def _count_step(state: dict) -> float:
    step_t = state["step"]
    step_t._data += 1
    _bump(step_t)
    return step_t.item()


def _decay(param: Tensor, grad: Any, lr: float, weight_decay: float, decoupled: bool) -> Any:
    """L2 weight decay adds weight_decay * param to the gradient; decoupled (AdamW-style)
    decay shrinks the parameter by lr * weight_decay instead."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param._data *= 1 - lr * weight_decay
        _bump(param)
        return grad
    return _fused(grad, weight_decay, param._data)  # grad.add(param, alpha=weight_decay)


def _moving_square(average: Tensor, grad: Any, beta: float) -> None:
    """average.mul_(beta).addcmul_(grad, grad, value=1 - beta)."""
    a = average._data
    a *= beta
    _fused(a, (1 - beta) * grad, grad, out=a)
    _bump(average)
    _bump(average)


def _moving_average(average: Tensor, grad: Any, beta: float) -> None:
    """average.lerp_(grad, 1 - beta)."""
    average._data[...] = _lerp(average._data, grad, 1 - beta)
    _bump(average)


class Adadelta(Optimizer):
    """Adadelta: the step is grad * sqrt(acc_delta + eps) / sqrt(square_avg + eps), both
    running averages with decay rho, scaled by lr (default 1.0)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_options(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = _scalar(group["lr"]), group["rho"], group["eps"]
            params = _params_with_grad(group)
            _start_states(self.state, params, group["capturable"], "square_avg", "acc_delta")
            _check_step(group, params, xla=False)
            for param in params:
                state = self.state[param]
                _count_step(state)
                grad = _decay(param, _gradient(param, group), lr, group["weight_decay"], False)
                _moving_square(state["square_avg"], grad, rho)
                xp = array_namespace(grad)
                std = xp.sqrt(state["square_avg"]._data + eps)
                delta = xp.sqrt(state["acc_delta"]._data + eps)
                delta /= std
                delta *= grad
                _moving_square(state["acc_delta"], delta, rho)
                _fused(param._data, -lr, delta, out=param._data)  # add_(delta, alpha=-lr)
                _bump(param)
        return loss


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm; exp_inf = max(beta2 * exp_inf, |grad| + eps) takes
    the place of sqrt(exp_avg_sq) + eps, and only the first moment is bias-corrected."""

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_options(lr)
        _check_betas(eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), group["eps"]
            beta1, beta2 = group["betas"]
            params = _params_with_grad(group)
            _start_states(self.state, params, group["capturable"], "exp_avg", "exp_inf")
            _check_step(group, params)
            for param in params:
                state = self.state[param]
                step = _count_step(state)
                grad = _decay(param, _gradient(param, group), lr, group["weight_decay"], False)
                _moving_average(state["exp_avg"], grad, beta1)
                exp_inf = state["exp_inf"]
                e = exp_inf._data
                e *= beta2  # torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps))
                xp = array_namespace(e)
                xp.maximum(e, xp.abs(grad) + eps, out=e)
                _bump(exp_inf)
                _bump(exp_inf)
                clr = lr / (1 - beta1**step)
                param._data += -clr * state["exp_avg"]._data / e  # addcdiv_(value=-clr)
                _bump(param)
        return loss


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum. The momentum coefficient mu_t = beta1 * (1 - 0.5 *
    0.96 ** (t * momentum_decay)) changes each step; their running product (state
    "mu_product") scales the two parts of the step, the gradient and the average."""

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_options(lr)
        _check_betas(eps, betas, weight_decay)
        if not momentum_decay >= 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, momentum_decay = _scalar(group["lr"]), group["eps"], group["momentum_decay"]
            beta1, beta2 = group["betas"]
            params = _params_with_grad(group)
            for param in params:
                state = self.state[param]
                if not state:
                    state["step"] = _scalar_state(0.0, param, group["capturable"])
                    state["mu_product"] = _scalar_state(1.0, param, group["capturable"])
                    state["exp_avg"] = creation.zeros_like(param)
                    state["exp_avg_sq"] = creation.zeros_like(param)
            _check_step(group, params, "params, mu_products and state_steps")
            for param in params:
                state = self.state[param]
                grad = _gradient(param, group)
                step = _count_step(state)
                bias_correction2 = 1 - beta2**step
                decoupled = group["decoupled_weight_decay"]
                grad = _decay(param, grad, lr, group["weight_decay"], decoupled)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = state["mu_product"]
                mu_product._data *= mu  # rounded to the scalar dtype, as PyTorch's tensor
                _bump(mu_product)
                _moving_average(state["exp_avg"], grad, beta1)
                _moving_square(state["exp_avg_sq"], grad, beta2)
                xp = array_namespace(grad)
                denom = xp.sqrt(state["exp_avg_sq"]._data / bias_correction2)
                denom += eps
                product = mu_product.item()
                p = param._data
                p += (-lr * (1.0 - mu) / (1.0 - product)) * grad / denom
                p += (-lr * mu_next) / (1.0 - product * mu_next) * state["exp_avg"]._data / denom
                _bump(param)
                _bump(param)
        return loss


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on only once the variance of its estimate
    is tractable (the approximated moving-average length rho_t exceeds 5), and then scaled by
    the rectification term; before that the step is lr times the bias-corrected average."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_options(lr)
        _check_betas(eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), group["eps"]
            beta1, beta2 = group["betas"]
            params = _params_with_grad(group)
            _start_states(self.state, params, group["capturable"], "exp_avg", "exp_avg_sq")
            _check_step(group, params)
            for param in params:
                state = self.state[param]
                grad = _gradient(param, group)
                step = _count_step(state)
                decoupled = group["decoupled_weight_decay"]
                grad = _decay(param, grad, lr, group["weight_decay"], decoupled)
                _moving_average(state["exp_avg"], grad, beta1)
                _moving_square(state["exp_avg_sq"], grad, beta2)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                update = state["exp_avg"]._data / bias_correction1 * lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    xp = array_namespace(update)
                    adaptive = bias_correction2**0.5 / (xp.sqrt(state["exp_avg_sq"]._data) + eps)
                    rect = (
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                    update = update * adaptive * rect
                param._data -= update  # param.add_(update, alpha=-1.0)
                _bump(param)
        return loss
