"""torch.optim's ASGD and Rprop (re-exported by optim.py; LBFGS is in optim_lbfgs.py).

Both follow PyTorch's single-tensor steps on the arrays, as optim_adaptive.py does.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.devices import array_namespace
from conformance.reference.ops import creation
from conformance.reference.optim import (
    Optimizer,
    _bump,
    _check_options,
    _fused,
    _params_with_grad,
    _scalar,
)
from conformance.reference.optim_adaptive import (
    _check_step,
    _count_step,
    _decay,
    _gradient,
    _scalar_state,
)

__all__ = ["ASGD", "Rprop"]


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step eta = lr / (1 + lambd * lr * t) ** alpha and
    weight shrinkage 1 - lambd * eta, keeping the running average of the iterates in state
    "ax" (averaging starts after t0 steps; before that ax is the parameter). eta and mu are
    0-dim tensors of the scalar dtype, so eta is rounded to float32 by default, as in PyTorch."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_options(lr)
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
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
            lr, lambd, alpha, t0 = _scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            params = _params_with_grad(group)
            for param in params:
                state = self.state[param]
                if not state:
                    state["step"] = _scalar_state(0.0, param, True)
                    state["eta"] = _scalar_state(lr, param, True)
                    state["mu"] = _scalar_state(1.0, param, True)
                    state["ax"] = creation.zeros_like(param)
            _check_step(group, params, "params, mus, etas, and state_steps")
            for param in params:
                state = self.state[param]
                grad = _gradient(param, group)
                step = _count_step(state)
                grad = _decay(param, grad, lr, group["weight_decay"], False)
                eta, mu, ax = state["eta"], state["mu"], state["ax"]
                p = param._data
                p *= 1 - lambd * eta.item()  # param.mul_(1 - lambd * eta)
                _fused(p, -eta.item(), grad, out=p)  # param.add_(grad, alpha=-eta)
                _bump(param)
                _bump(param)
                if mu.item() != 1:
                    ax._data += (p - ax._data) * mu._data  # ax.add_(param.sub(ax).mul_(mu))
                else:
                    ax._data[...] = p  # ax.copy_(param)
                _bump(ax)
                eta._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
                mu._data[...] = 1 / max(1, step - t0)
                _bump(eta)
                _bump(mu)
        return loss


class Rprop(Optimizer):
    """Resilient backpropagation: only the gradient's sign is used. Each element's step size
    grows by etaplus while the sign holds and shrinks by etaminus when it flips (clamped to
    step_sizes); after a flip that element does not move, and its gradient is remembered as
    zero ("prev"). Step sizes start at lr."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        etas: tuple = (0.5, 1.2),
        step_sizes: tuple = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_options(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            params = _params_with_grad(group)
            for param in params:
                state = self.state[param]
                if not state:
                    state["step"] = _scalar_state(0.0, param, group["capturable"])
                    state["prev"] = creation.zeros_like(param)
                    state["step_size"] = creation.full_like(param, _scalar(group["lr"]))
            _check_step(group, params)
            for param in params:
                state = self.state[param]
                grad = _gradient(param, group)
                _count_step(state)
                prev, step_size = state["prev"], state["step_size"]
                xp = array_namespace(grad)
                # Assigned one after another as PyTorch does, so a NaN product keeps its NaN.
                sign = xp.sign(grad * prev._data)
                sign[sign > 0] = etaplus
                sign[sign < 0] = etaminus
                sign[sign == 0] = 1
                s = step_size._data
                s *= sign  # step_size.mul_(sign).clamp_(step_size_min, step_size_max)
                xp.clip(s, step_size_min, step_size_max, out=s)
                _bump(step_size)
                _bump(step_size)
                grad = grad.copy()
                grad[sign == etaminus] = 0
                param._data -= xp.sign(grad) * s  # addcmul_(grad.sign(), step_size, value=-1)
                _bump(param)
                prev._data[...] = grad
                _bump(prev)
        return loss
