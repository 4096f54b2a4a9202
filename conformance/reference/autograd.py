"""torch.autograd: backward, grad, custom Functions, and the Variable shim.

The checks PyTorch makes before running the graph live here (scalar outputs, gradient shapes,
tensors that do not require grad); the graph walk itself is in `graph.run_backward`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from conformance.reference import grad_mode
from conformance.reference.anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from conformance.reference.grad_mode import (  # noqa: F401 - torch.autograd re-exports these
    enable_grad,
    inference_mode,
    no_grad,
    set_grad_enabled,
)
from conformance.reference.graph import (
    FREED,
    Node,
    RemovableHandle,
    edge,
    run_backward,
    save,
    warn_create_graph_cycle,
)
from conformance.reference.multi_grad_hooks import register_multi_grad_hook
from conformance.reference.ops.define import refresh_view
from conformance.reference.saved_tensors_hooks import (
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)
from conformance.reference.tensor import Tensor


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [value]
    return list(value)


def _seed_gradients(outputs: list, grads: list, create_graph: bool) -> list:
    """The gradient each output starts with: given, or ones for a scalar output."""
    if len(grads) < len(outputs):
        grads = grads + [None] * (len(outputs) - len(grads))
    seeds = []
    for i, (out, grad) in enumerate(zip(outputs, grads)):  # noqa: B905 (padded above)
        if grad is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._dtype.category < 2:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got "
                    f"{out._dtype}"
                )
            seeds.append(_ones_like(out._data))
            continue
        if not isinstance(grad, Tensor):
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(grad).__name__}"
            )
        if grad.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape!r} and "
                f"output[{i}] has a shape of {out.shape!r}."
            )
        if create_graph:
            seeds.append(grad if grad._dtype is out._dtype else grad.to(out._dtype))
        else:
            seeds.append(grad._data.astype(out._dtype.np, copy=False))
    if create_graph:
        seeds = [
            s if isinstance(s, Tensor) else Tensor._wrap(s, o._dtype, o._device)
            for s, o in zip(seeds, outputs, strict=True)
        ]
    return seeds


def _ones_like(array: Any) -> Any:
    ones = array.copy()
    ones[...] = 1
    return ones


def _check_outputs(outputs: list) -> None:
    for i, out in enumerate(outputs):
        if out._view is not None:
            refresh_view(out)
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of `tensors` into the .grad of the leaves (or of `inputs`)."""
    if grad_variables is not None:
        warnings.warn(
            "`grad_variables` is deprecated. Use `grad_tensors` instead.",
            FutureWarning,
            stacklevel=2,
        )
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                "`backward()`. Please only use `grad_tensors`."
            )
    if inputs is not None and len(_as_list(inputs)) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    outputs = _as_list(tensors)
    _check_outputs(outputs)
    seeds = _seed_gradients(outputs, _as_list(grad_tensors), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warn_create_graph_cycle()
    targets = _as_list(inputs) if inputs is not None else None
    for t in targets or ():
        if not t._requires_grad:  # PyTorch retains the grad of each of `inputs`, and says so
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    run_backward(outputs, seeds, retain_graph, create_graph, targets, accumulate=True)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    allow_unused = bool(allow_unused) or materialize_grads
    outs = _as_list(outputs)
    wanted = _as_list(inputs)
    if not wanted:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for t in wanted:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    _check_outputs(outs)
    seeds = _seed_gradients(outs, _as_list(grad_outputs), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(outs, seeds, retain_graph, create_graph, wanted, accumulate=False)
    results = []
    for i, t in enumerate(wanted):
        g = captured.get(id(t))
        if g is None:
            if materialize_grads:
                results.append(t.new_zeros(t.shape))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        elif isinstance(g, Tensor):
            results.append(g)
        else:
            results.append(Tensor._wrap(g, t._dtype, t._device))
    return tuple(results)


class FunctionCtx:
    """The `ctx` a custom Function's forward and backward share."""

    def save_for_backward(self, *tensors: Any) -> None:
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED)
        saved = self.saved
        for s in saved:
            if s is not None and s.counter[0] != s.version:
                s.check(s.array.shape, _dtype_of(s.array), "")
        return tuple(None if s is None else s.unpack(True) for s in saved)

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Any) -> None:
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value


def _dtype_of(array: Any) -> Any:
    from conformance.reference import dtypes

    return dtypes.from_numpy_dtype(array.dtype)


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn of a custom Function's output; named `<Function>Backward`."""

    __slots__ = ()

    def apply(self, grads: list, create_graph: bool) -> tuple:
        device = self._device
        as_tensors = [
            g if g is None or isinstance(g, Tensor) else Tensor._wrap(g, _dtype_of(g), device)
            for g in grads
        ]
        with grad_mode.set_grad_enabled(create_graph):
            result = self.function.backward(self, *as_tensors)
        result = result if isinstance(result, tuple) else (result,)
        expected = len(self.next_functions)
        if len(result) != expected:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{expected}, got {len(result)})"
            )
        out = []
        for g, (node, _) in zip(result, self.next_functions, strict=True):
            if node is None or g is None:
                out.append(None)
            else:
                out.append(g if create_graph else g._data)
        return tuple(out)

    def __repr__(self) -> str:
        # A Python class in PyTorch, so the default repr, module and all.
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    def release(self) -> None:
        if any(s is not None for s in self.saved):
            self.saved = ()
            self._freed = True


class FunctionMeta(type):
    """Each Function subclass gets its own node class, `<Name>Backward`."""

    def __init__(cls, name: str, bases: tuple, namespace: dict) -> None:
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"__slots__": ()})


class Function(metaclass=FunctionMeta):
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grads)`; call `apply`."""

    @classmethod
    def apply(cls, *args: Any) -> Any:
        node = cls._backward_cls(
            tuple(edge(a) if isinstance(a, Tensor) else (None, 0) for a in args)
        )
        node.function = cls
        node.saved = ()
        node.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node._device = next((a._device for a in args if isinstance(a, Tensor)), None)
        with grad_mode.no_grad():
            output = cls.forward(node, *args)
        to_save = getattr(node, "_to_save", ())
        outputs = output if isinstance(output, tuple) else (output,)
        node.saved = tuple(None if t is None else save(t) for t in to_save)
        record = grad_mode.STATE.grad_enabled and any(node.needs_input_grad)
        skip = getattr(node, "_non_differentiable", set())
        results = []
        for nr, o in enumerate(outputs):
            if isinstance(o, Tensor):
                if any(o is a for a in args):
                    o = o.view_as(o)
                if record and id(o) not in skip and o._dtype.category >= 2:
                    o._requires_grad, o.grad_fn, o._output_nr = True, node, nr
            results.append(o)
        node.n_outputs = len(outputs)
        return tuple(results) if isinstance(output, tuple) else results[0]

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )


def Variable(data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """Deprecated since PyTorch 0.4: returns a plain Tensor (a detached alias of `data`)."""
    t = data.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


class DelayedError(Node):
    """The node once_differentiable puts on a backward's results when they would be
    differentiated again: reaching it raises."""

    __slots__ = ()
    MESSAGE = "trying to differentiate twice a function that was marked with @once_differentiable"

    def name(self) -> str:
        return "torch::autograd::Error"

    def apply(self, grads: list, create_graph: bool) -> tuple:
        raise RuntimeError(self.MESSAGE)


DelayedError.__name__ = DelayedError.__qualname__ = "Error"  # PyTorch's class name


def once_differentiable(backward: Callable) -> Callable:
    """For a custom Function's backward that cannot itself be differentiated: it runs without
    recording, and when its incoming gradients require grad (a create_graph backward), its
    results get an `Error` node, so differentiating through them raises instead of silently
    giving a wrong answer."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with grad_mode.no_grad():
            outputs = backward(ctx, *args)
        if not grad_mode.is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        results = (outputs,) if single else outputs
        stand_ins = [
            r.detach().requires_grad_(True) if isinstance(r, Tensor) else None for r in results
        ]
        node = DelayedError(tuple((None, 0) if s is None else edge(s) for s in stand_ins))
        node.n_outputs = len(results)
        marked = []
        for nr, result in enumerate(results):
            if isinstance(result, Tensor):
                result = result.detach()
                result._requires_grad, result.grad_fn, result._output_nr = True, node, nr
            marked.append(result)
        return marked[0] if single else tuple(marked)

    return wrapper


class _GraphNamespace:
    """torch.autograd.graph: the node base class, hook handles, saved-tensor hooks and
    multi-grad hooks."""

    Node = Node
    RemovableHandle = RemovableHandle
    saved_tensors_hooks = saved_tensors_hooks
    save_on_cpu = save_on_cpu
    disable_saved_tensors_hooks = disable_saved_tensors_hooks
    register_multi_grad_hook = staticmethod(register_multi_grad_hook)


graph = _GraphNamespace()
function = type(
    "function",
    (),
    {"FunctionCtx": FunctionCtx, "Function": Function, "once_differentiable": once_differentiable},
)

# torch.autograd.functional
from conformance.reference import autograd_functional as functional  # noqa: E402, F401
from conformance.reference.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402, F401
