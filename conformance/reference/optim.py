"""torch.optim: Optimizer, SGD, Adam, AdamW, RMSprop and Adagrad (schedulers: lr_scheduler.py).

The update rules are PyTorch's single-tensor implementations (what runs on the CPU by
default), written on the arrays behind the tensors in the same order of operations. PyTorch's
kernels for add_(alpha=), addcmul_ and lerp_ round a multiply-add once; `_fused` does the same,
so float32 steps equal PyTorch's bit for bit (other dtypes agree to rounding). A step runs
outside autograd, updates each parameter in place (its version goes up by one per in-place
write, as with PyTorch's `add_`), and skips parameters whose .grad is None. Per-parameter state
(momentum buffers, Adam's moments) is kept in reference Tensors, so `optimizer.state` reads as
in PyTorch.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.nn.modules import _clear_grad, typename
from conformance.reference.ops import creation
from conformance.reference.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
__all__ += ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS"]


class _RequiredParameter:
    """The default of an option that every param group must give (no default value)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _scalar(value: Any) -> Any:
    """A hyperparameter given as a one-element tensor is used as a Python number."""
    return value.item() if isinstance(value, Tensor) else value


def _bump(tensor: Tensor) -> None:
    """An in-place write happened: saved tensors that captured the old value must notice."""
    tensor._version_counter[0] += 1


class Optimizer:
    """Holds param groups (dicts of params and options, defaults filled in) and per-parameter
    state; subclasses implement step()."""

    def __init__(self, params: Any, defaults: dict) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {typename(params)}"
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        # model.named_parameters() gives (name, tensor) pairs: keep the names beside.
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in param_group["params"]]
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        if len(tensors) != len(set(tensors)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                UserWarning,
                stacklevel=3,
            )
        existing: set = set()
        for group in self.param_groups:
            existing.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. cannot add param "
                    f"group {which} to the optimizer"
                )
        if not existing.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every .grad to None (the default since PyTorch 2.0), or zero it in place."""
        for group in self.param_groups:
            for p in group["params"]:
                _clear_grad(p, set_to_none)

    def step(self, closure: Any = None) -> Any:
        raise NotImplementedError

    def _closure_loss(self, closure: Any) -> Any:
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    def state_dict(self) -> dict:
        """{'state': {index: state}, 'param_groups': [options with params as indices]}; the
        indices count parameters across groups in order."""
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Options from the saved groups; state copied onto the matching parameters."""
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        by_index = {
            i: p
            for saved, group in zip(saved_groups, groups, strict=True)
            for i, p in zip(saved["params"], group["params"], strict=True)
        }
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in by_index:
                param = by_index[key]
                self.state[param] = {k: _cast_state(param, k, v) for k, v in value.items()}
            else:
                self.state[key] = value
        self.param_groups = [
            {**saved, "params": group["params"]}
            for saved, group in zip(saved_groups, groups, strict=True)
        ]

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(param: Tensor, key: str, value: Any) -> Any:
    """Loaded state follows its parameter's dtype and device, except Adam's step count."""
    if not isinstance(value, Tensor):
        return value
    if key == "step":
        return value.clone()
    if value.is_floating_point():
        return value.to(param.device, param.dtype).clone()
    return value.to(param.device).clone()


def _fused(base: Any, scale: Any, values: Any, out: Any = None) -> Any:
    """base + scale * values, rounded once, as PyTorch's CPU kernels compute add(alpha=),
    addcmul and lerp. float32 goes through float64, where the product of two float32 numbers
    is exact; other dtypes round the product and the sum separately. The float64 work is done
    in place in one temporary: a step over a 784x256 weight took five times as long with a
    temporary per operation. `out` (often `base` itself) receives the result."""
    if base.dtype != "float32":
        result = base + scale * values
    else:
        # An array scale is already rounded to float32 by the caller; PyTorch casts a number
        # to float32 first.
        result = values.astype("float64")
        result *= scale if hasattr(scale, "dtype") else float(np.float32(scale))
        result += base
    if out is None:
        return result.astype(base.dtype, copy=False)
    out[...] = result
    return out


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """start.lerp(end, weight) as PyTorch computes it: from the nearer end, rounded once."""
    if weight < 0.5:
        return _fused(start, weight, end - start)
    return _fused(end, -(1 - float(np.float32(weight))), end - start)


def _check_options(lr: Any, **nonnegative: float) -> None:
    """PyTorch's constructor checks: a tensor lr has one element, and every named option is
    at least zero, each with its own message."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    for name, value in nonnegative.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {name} value: {value}")


def _scalar_dtype() -> Any:
    """The dtype of an optimizer's 0-dim state (PyTorch's _get_scalar_dtype): float64 under a
    float64 default, float32 otherwise."""
    return dtypes.float64 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.float32


def _check_betas(eps: float, betas: tuple, weight_decay: float) -> None:
    """The checks Adam's family shares, in PyTorch's order."""
    if not eps >= 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not weight_decay >= 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _step_counter() -> Tensor:
    """A parameter's step count: a 0-dim float tensor, as PyTorch keeps it."""
    return creation.tensor(0.0, dtype=_scalar_dtype())


def _params_with_grad(group: dict) -> list:
    return [p for p in group["params"] if p._grad is not None]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (the first buffer is the gradient
    itself), dampening, Nesterov momentum, weight decay (added to the gradient used for the
    step, not to .grad) and maximize."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            weight_decay = group["weight_decay"]
            for param in _params_with_grad(group):
                p = param._data
                grad = param._grad._data
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = _fused(grad, weight_decay, param._data)  # grad.add(p, alpha=wd)
                if momentum != 0:
                    state = self.state[param]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._wrap(grad.copy(), param._dtype, param._device)
                        state["momentum_buffer"] = buf
                    else:
                        b = buf._data
                        b *= momentum  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                        _fused(b, 1 - dampening, grad, out=b)
                        _bump(buf)
                        _bump(buf)
                    nesterov = group["nesterov"]
                    grad = _fused(grad, momentum, buf._data) if nesterov else buf._data
                _fused(p, -lr, grad, out=p)  # param.add_(grad, alpha=-lr)
                _bump(param)
        return loss


class Adam(Optimizer):
    """Adam: moving averages of the gradient (m) and its square (v), bias-corrected, step
    lr * m_hat / (sqrt(v_hat) + eps). weight_decay adds to the gradient (L2); AdamW instead
    shrinks the parameter first (decoupled weight decay)."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_options(lr)
        _check_betas(eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _init_state(self, param: Tensor, amsgrad: bool) -> dict:
        """Lazily, at a parameter's first step: the step count (a float tensor, as PyTorch
        keeps it) and zeroed moments."""
        state = self.state[param]
        if not state:
            state["step"] = _step_counter()
            state["exp_avg"] = creation.zeros_like(param)
            state["exp_avg_sq"] = creation.zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = creation.zeros_like(param)
        return state

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            amsgrad = group["amsgrad"]
            for param in _params_with_grad(group):
                state = self._init_state(param, amsgrad)
                p = param._data
                grad = param._grad._data
                if group["maximize"]:
                    grad = -grad
                step_t = state["step"]
                step_t._data += 1
                _bump(step_t)
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p *= 1 - lr * weight_decay
                        _bump(param)
                    else:
                        grad = _fused(grad, weight_decay, p)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                m, v = exp_avg._data, exp_avg_sq._data
                m[...] = _lerp(m, grad, 1 - beta1)  # exp_avg.lerp_(grad, 1 - beta1)
                _bump(exp_avg)
                v *= beta2  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                _fused(v, (1 - beta2) * grad, grad, out=v)
                _bump(exp_avg_sq)
                _bump(exp_avg_sq)
                step = step_t.item()
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                step_size = lr / bias_correction1
                if amsgrad:
                    max_sq = state["max_exp_avg_sq"]
                    array_namespace(v).maximum(max_sq._data, v, out=max_sq._data)
                    _bump(max_sq)
                    v = max_sq._data
                denom = array_namespace(v).sqrt(v) / bias_correction2_sqrt
                denom += eps
                p += (-step_size * exp_avg._data) / denom  # addcdiv_(exp_avg, denom, -step_size)
                _bump(param)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2): the parameter shrinks by
    lr * weight_decay before the Adam step."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )


class RMSprop(Optimizer):
    """RMSprop: a moving average of the squared gradient (square_avg, decay `alpha`) scales
    the step; `centered` subtracts the squared moving average of the gradient first, and
    `momentum` keeps a buffer of the scaled steps. eps is added after the square root."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_options(lr, epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, param: Tensor, group: dict) -> dict:
        state = self.state[param]
        if not state:
            state["step"] = _step_counter()
            state["square_avg"] = creation.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = creation.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = creation.zeros_like(param)
        return state

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
            momentum, weight_decay = group["momentum"], group["weight_decay"]
            for param in _params_with_grad(group):
                state = self._init_state(param, group)
                grad = param._grad._data
                if group["maximize"]:
                    grad = -grad
                state["step"]._data += 1
                _bump(state["step"])
                if weight_decay != 0:
                    grad = _fused(grad, weight_decay, param._data)
                square_avg = state["square_avg"]
                sq = square_avg._data
                sq *= alpha  # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                _fused(sq, (1 - alpha) * grad, grad, out=sq)
                _bump(square_avg)
                _bump(square_avg)
                xp = array_namespace(sq)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    g = grad_avg._data
                    g[...] = _lerp(g, grad, 1 - alpha)  # grad_avg.lerp_(grad, 1 - alpha)
                    _bump(grad_avg)
                    avg = xp.sqrt(_fused(sq, -1 * g, g))  # square_avg.addcmul(g, g, value=-1)
                else:
                    avg = xp.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buffer = state["momentum_buffer"]
                    buf = buffer._data
                    buf *= momentum  # buf.mul_(momentum).addcdiv_(grad, avg)
                    buf += grad / avg
                    _bump(buffer)
                    _bump(buffer)
                    _fused(param._data, -lr, buf, out=param._data)  # add_(buf, alpha=-lr)
                else:
                    param._data += -lr * grad / avg  # param.addcdiv_(grad, avg, value=-lr)
                _bump(param)
        return loss


class Adagrad(Optimizer):
    """Adagrad: the running sum of squared gradients (starting at initial_accumulator_value)
    scales each step; the learning rate decays as lr / (1 + (step - 1) * lr_decay). Unlike the
    other optimizers, its state exists from construction, not from the first step."""

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_options(
            lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = _step_counter()
                state["sum"] = creation.full_like(param, initial_accumulator_value)

    def step(self, closure: Any = None) -> Any:
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), group["eps"]
            weight_decay, lr_decay = group["weight_decay"], group["lr_decay"]
            for param in _params_with_grad(group):
                state = self.state[param]
                step_t = state["step"]
                step_t._data += 1
                _bump(step_t)
                grad = param._grad._data
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = _fused(grad, weight_decay, param._data)
                clr = lr / (1 + (step_t.item() - 1) * lr_decay)
                total = state["sum"]
                _fused(total._data, grad, grad, out=total._data)  # addcmul_(grad, grad)
                _bump(total)
                std = array_namespace(grad).sqrt(total._data)
                std += eps
                param._data += -clr * grad / std  # param.addcdiv_(grad, std, value=-clr)
                _bump(param)
        return loss


from conformance.reference import lr_scheduler  # noqa: E402 - torch.optim.lr_scheduler
from conformance.reference.optim_adaptive import Adadelta, Adamax, NAdam, RAdam  # noqa: E402
from conformance.reference.optim_classic import ASGD, Rprop  # noqa: E402
from conformance.reference.optim_lbfgs import LBFGS  # noqa: E402
