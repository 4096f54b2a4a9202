"""How an op is declared: a forward on arrays and, beside it, one derivative per input.

    @pointwise("MulBackward0",
               self=lambda grad, other: grad * other,
               other=lambda grad, self: grad * self)
    def mul(self, other):
        return self * other

The forward sees arrays (NumPy or CuPy). A derivative names what it reads through its
parameters: `grad` (the output's gradient), `result` (the output), any forward parameter, an
input's shape as `<name>_shape`, and `F`, the math namespace. What the derivatives read is what
the node saves, as in PyTorch's derivatives.yaml, so freeing and the in-place version check
follow from the declaration. A derivative runs on arrays in an ordinary backward, and on Tensors
(through `F` and operators) when `create_graph=True`, so one formula serves both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.graph import FREED, Node, SavedTensor, edge

Tensor: Any = None  # set by conformance.reference.tensor
ArrayMath: Any = None  # set by conformance.reference.ops.math
TensorMath: Any = None

# Names a derivative may read that are not forward parameters.
_SPECIAL = {"grad", "grads", "result", "F"}


class FormulaNode(Node):
    """A node built from an op's declared derivatives (see the module docstring)."""

    __slots__ = ("values", "inputs")
    derivatives: tuple = ()  # (input name, formula, names the formula reads), per input
    multi_output = False

    def apply(self, grads: list, create_graph: bool) -> tuple:
        if self._freed:
            raise RuntimeError(FREED)
        values = self.values
        if create_graph:
            math = TensorMath
            device = values["result_meta"][1]
            grads = [_as_tensor(g, device) for g in grads]
        else:
            math = ArrayMath
            grads = [g._data if isinstance(g, Tensor) else g for g in grads]
        if self.multi_output:
            like = next(g for g in grads if g is not None)
            shapes = values["result_shapes"]
            grads = [
                math.zeros(s, like) if g is None else g for g, s in zip(grads, shapes, strict=True)
            ]
        grad = grads if self.multi_output else grads[0]
        results = []
        for (_, formula, reads), (node, _), meta in zip(
            self.derivatives, self.next_functions, self.inputs, strict=True
        ):
            if node is None:
                results.append(None)
                continue
            args = []
            for read in reads:
                if read == "grad" or read == "grads":
                    args.append(grad)
                elif read == "F":
                    args.append(math)
                else:
                    value = values[read]
                    kind = type(value)
                    if kind is SavedTensor:
                        value.check(*self._origin(read, value))
                        value = value.unpack(create_graph)
                    elif kind is _Number:
                        value = value.value
                    args.append(value)
            results.append(_fit(as_array(formula(*args)), meta, create_graph))
        return tuple(results)

    def _origin(self, read: str, saved: SavedTensor) -> tuple:
        shape, dtype = saved.array.shape, dtypes.from_numpy_dtype(saved.array.dtype)
        if saved.is_output:
            return shape, dtype, f", which is output 0 of {self.name()}"
        producer = saved.tensor.grad_fn
        origin = "" if producer is None else f", which is output 0 of {producer.name()}"
        return shape, dtype, origin

    def release(self) -> None:
        values = self.values
        for key, value in list(values.items()):
            if type(value) is SavedTensor or type(value) is _Number:
                del values[key]
                self._freed = True


def _as_tensor(grad: Any, device: Any) -> Any:
    if grad is None or isinstance(grad, Tensor):
        return grad
    return Tensor._wrap(grad, dtypes.from_numpy_dtype(grad.dtype), device)


def _fit(grad: Any, meta: tuple, create_graph: bool) -> Any:
    """Reduce a broadcast gradient to its input's shape and give it the input's dtype."""
    shape, dtype = meta
    if grad is None:
        return None
    if create_graph:
        if grad.shape != shape:
            grad = TensorMath.sum_to(grad, shape)
        return grad if grad.dtype is dtype else grad.to(dtype)
    if grad.shape != shape:
        grad = ArrayMath.sum_to(grad, shape)
    if grad.dtype != dtype.np:
        grad = grad.astype(dtype.np)
    return grad


class Op:
    """A declared op: call it with Tensors (and plain arguments) to get Tensors back."""

    def __init__(self, forward: Callable, node_name: str | None, formulas: dict) -> None:
        self.forward = forward
        self.__name__ = forward.__name__
        self.__doc__ = forward.__doc__
        signature = inspect.signature(forward)
        self.params = tuple(signature.parameters)
        self.defaults = tuple(
            p.default for p in signature.parameters.values() if p.default is not p.empty
        )
        self.n_required = len(self.params) - len(self.defaults)
        self.differentiable = tuple(formulas)
        unknown = set(formulas) - set(self.params)
        assert not unknown, f"{forward.__name__}: derivatives for unknown inputs {unknown}"
        derivatives = []
        for name, formula in formulas.items():
            reads = tuple(inspect.signature(formula).parameters)
            derivatives.append((name, formula, reads))
        self.node = None
        if node_name is not None:
            multi = any("grads" in reads for _, _, reads in derivatives)
            self.node = type(
                node_name,
                (FormulaNode,),
                {
                    "__slots__": (),
                    "derivatives": tuple(derivatives),
                    "multi_output": multi,
                    "__module__": "torch",
                },
            )
        self.reads_by_input = {name: reads for name, _, reads in derivatives}
        self.operand_names: frozenset = frozenset()

    def bind(self, args: tuple, kwargs: dict) -> list:
        """Arguments in parameter order, defaults filled in, as Python itself would."""
        if not kwargs and len(args) == len(self.params):
            return list(args)
        values = list(args)
        n = len(values)
        if n > len(self.params):
            raise TypeError(
                f"{self.__name__}() takes {len(self.params)} arguments but {n} were given"
            )
        for index in range(n, len(self.params)):
            name = self.params[index]
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif index >= self.n_required:
                values.append(self.defaults[index - self.n_required])
            else:
                raise TypeError(f"{self.__name__}() missing required argument: '{name}'")
        if kwargs:
            extra = next(iter(kwargs))
            raise TypeError(f"{self.__name__}() got an unexpected keyword argument '{extra}'")
        return values

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = self.bind(args, kwargs)
        arrays = [v._data if isinstance(v, Tensor) else v for v in values]
        check_same_device(values)
        out = self.forward(*arrays)
        return self.record(values, out)

    def record(self, values: list, out: Any) -> Any:
        """Wrap the forward's array(s) and, when grad mode is on, attach the node."""
        device = next((v._device for v in values if isinstance(v, Tensor)), None)
        out = tuple(as_array(o) for o in out) if isinstance(out, tuple) else as_array(out)
        if isinstance(out, tuple):
            outputs = tuple(Tensor._wrap(o, dtypes.from_numpy_dtype(o.dtype), device) for o in out)
        else:
            outputs = Tensor._wrap(out, dtypes.from_numpy_dtype(out.dtype), device)
        if self.node is not None and grad_mode.STATE.grad_enabled:
            attach(self, values, outputs)
        return outputs


def array_namespace(array: Any) -> Any:
    """NumPy for host arrays, CuPy for device arrays (Chainer's get_array_module)."""
    if isinstance(array, np.ndarray | np.generic):
        return np
    import cupy

    return cupy


def as_array(value: Any) -> Any:
    """NumPy reduces 0-d arrays to scalars (np.float32); a tensor always holds an array."""
    if isinstance(value, np.generic):
        return np.asarray(value)
    return value


def check_same_device(values: list) -> None:
    """Non-elementwise ops (matmul, cat, ...) need every tensor on one device."""
    device = None
    for v in values:
        if isinstance(v, Tensor):
            if device is None:
                device = v._device
            elif v._device != device:
                raise RuntimeError(
                    "Expected all tensors to be on the same device, but found at least two "
                    f"devices, {device} and {v._device}!"
                )


def attach(op: Op, values: list, outputs: Any) -> None:
    """Record a node for `outputs` if any differentiable input requires grad."""
    params = op.params
    edges = []
    inputs = []
    wanted = False
    for name in op.differentiable:
        value = values[params.index(name)]
        if isinstance(value, Tensor):
            e = edge(value)
            inputs.append((value.shape, value._dtype))
            if e[0] is not None:
                wanted = True
        else:
            e = (None, 0)
            inputs.append(None)
        edges.append(e)
    if not wanted:
        return
    node = op.node(tuple(edges))
    node.inputs = tuple(inputs)
    saved: dict[str, Any] = {}
    first = outputs[0] if isinstance(outputs, tuple) else outputs
    for name, (nxt, _) in zip(op.differentiable, edges, strict=True):
        if nxt is None:
            continue
        for read in op.reads_by_input[name]:
            if read in saved or read in _SPECIAL and read != "result":
                continue
            if read == "result":
                saved[read] = SavedTensor(first, is_output=True, node=node)
            elif read.endswith("_shape") and read[:-6] in params:
                saved[read] = values[params.index(read[:-6])].shape
            else:
                value = values[params.index(read)]
                if isinstance(value, Tensor):
                    saved[read] = SavedTensor(value)
                elif read in op.operand_names:
                    saved[read] = _Number(value)
                else:
                    saved[read] = value
    saved["result_meta"] = (first.shape, first._device)
    node.values = saved
    if isinstance(outputs, tuple):
        node.n_outputs = len(outputs)
        saved["result_shapes"] = [o.shape for o in outputs]
    for nr, out in enumerate(outputs if isinstance(outputs, tuple) else (outputs,)):
        if out._dtype.category >= dtypes.FLOATING:
            out._requires_grad = True
            out.grad_fn = node
            out._output_nr = nr


def pointwise_dtype(values: list, kind: str) -> tuple[dtypes.dtype, dtypes.dtype]:
    """(computation dtype, result dtype) of an elementwise op under PyTorch's promotion."""
    operands = [v for v in values if v is not None]
    common = operands[0]._dtype if len(operands) == 1 else dtypes.result_type(*operands)
    if kind == "float" and common.category < dtypes.FLOATING:
        common = dtypes.get_default_dtype()
    return common, (dtypes.bool if kind == "bool" else common)


class _Number:
    """A Python number an op saved in place of a tensor (x * 2 saves the 2, as PyTorch does)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class PointwiseOp(Op):
    """An elementwise op: operands broadcast, promote as PyTorch promotes, and a gradient is
    summed back to its operand's shape. `kind` is "same" (result in the promoted dtype),
    "float" (integers give the default float dtype) or "bool" (comparisons)."""

    def __init__(
        self,
        forward: Callable,
        node_name: str | None,
        formulas: dict,
        kind: str,
        operands: tuple | None,
    ) -> None:
        super().__init__(forward, node_name, formulas)
        self.kind = kind
        names = operands or self.params[: self.n_required]
        self.operands = tuple(self.params.index(n) for n in names)
        self.operand_names = frozenset(names)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = kwargs.pop("out", None)
        if out is not None:
            from conformance.reference.ops.inplace import write_out

            return write_out(out, self(*args, **kwargs), self.__name__)
        values = self.bind(args, kwargs)
        operands = [values[i] for i in self.operands if values[i] is not None]
        compute, result = pointwise_dtype(operands, self.kind)
        arrays = list(values)
        tensors = [values[i] for i in self.operands if isinstance(values[i], Tensor)]
        device = tensors[0]._device if len(tensors) == 1 else result_device(tensors)
        for i in self.operands:
            v = values[i]
            if isinstance(v, Tensor):
                data = v._data
                arrays[i] = data if data.dtype == compute.np else data.astype(compute.np)
            elif v is not None and not isinstance(v, bool | int | float | complex):
                raise TypeError(
                    f"{self.__name__}(): argument '{self.params[i]}' must be Tensor or Number, "
                    f"not {type(v).__name__}"
                )
        out = self.forward(*arrays)
        if out.dtype != result.np or type(out) is not np.ndarray and isinstance(out, np.generic):
            out = np.asarray(out, dtype=result.np)
        t = Tensor._wrap(out, result, device)
        if self.node is not None and grad_mode.STATE.grad_enabled:
            attach(self, values, t)
        return t


def result_device(tensors: list) -> Any:
    """Elementwise ops take one device; a zero-dimensional CPU tensor may join any device."""
    devices = [t._device for t in tensors if t._device.type != "cpu" or t.ndim]
    if not devices:
        return tensors[0]._device
    for other in devices[1:]:
        if other != devices[0]:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{devices[0]} and {other}!"
            )
    return devices[0]


def pointwise(
    node_name: str | None, kind: str = "same", operands: tuple | None = None, **formulas: Callable
) -> Callable[[Callable], PointwiseOp]:
    """Declare an elementwise op (see the module docstring)."""
    return lambda forward: PointwiseOp(forward, node_name, formulas, kind, operands)


def op(node_name: str | None, **formulas: Callable) -> Callable[[Callable], Op]:
    """Declare an op whose forward maps arrays to an array (or a tuple of arrays)."""
    return lambda forward: Op(forward, node_name, formulas)


class ViewOp(Op):
    """An op whose output shares its input's memory: the output is a view of `self`.

    Views share the base's version counter, remember how they were made (so an in-place
    change to a view can be replayed onto its base: CopySlices), and carry how they were
    created, because PyTorch forbids some in-place changes depending on that.
    """

    def __init__(self, forward: Callable, node_name: str, formulas: dict, creation: str | None):
        super().__init__(forward, node_name, formulas)
        self.creation = creation

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = self.bind(args, kwargs)
        base = values[0]
        out = self.forward(base._data, *values[1:])
        outputs = self.record(values, out)
        for t in outputs if isinstance(outputs, tuple) else (outputs,):
            mark_view(t, base, (self, tuple(values[1:])), self.creation)
        return outputs


def mark_view(view: Any, base: Any, step: tuple, creation: str | None) -> None:
    """Make `view` share `base`'s counter and root, and remember the step that made it."""
    view._version_counter = base._version_counter
    view._inference = base._inference
    if base._base is not None and base._view is not None:
        chain, base_creation = base._view
        view._base = base._base
        view._view = (chain + (step,), creation or base_creation or _grad_mode_creation())
    else:
        view._base = base if base._base is None else base._base
        view._view = ((step,), creation or _grad_mode_creation())


def _grad_mode_creation() -> str | None:
    return None if grad_mode.STATE.grad_enabled else "no_grad"


def view_op(node_name: str, creation: str | None = None, **formulas: Callable):
    """Declare a view op (see ViewOp)."""
    return lambda forward: ViewOp(forward, node_name, formulas, creation)
