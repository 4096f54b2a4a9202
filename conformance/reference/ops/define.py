"""How an op is declared: a forward on arrays and, beside it, one derivative per input.

    @pointwise("MulBackward0",
               self=lambda grad, other: grad * other,
               other=lambda grad, self: grad * self)
    def mul(self, other):
        return self * other

The forward sees arrays (NumPy or CuPy). A derivative names what it reads through its
parameters: `grad` (the output's gradient), `result` (the output; `result0`, `result1`, ...
one of several outputs), any forward parameter, an input's shape as `<name>_shape`, and `F`,
the math namespace. What the derivatives read is what the node saves, as in PyTorch's
derivatives.yaml, so freeing and the in-place version check follow from the declaration. A
derivative runs on arrays in an ordinary backward, and on Tensors (through `F` and operators)
when `create_graph=True`, so one formula serves both.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from collections.abc import Callable
from types import MethodType
from typing import Any

import numpy as np

from conformance.reference import dtypes, fp_errors, grad_mode
from conformance.reference import memory_formats as formats
from conformance.reference.devices import array_namespace
from conformance.reference.graph import (
    FREED,
    HookedSavedTensor,
    Node,
    SavedTensor,
    accumulator,
    save,
)
from conformance.reference.ops.scalar_conversion import via_float

Tensor: Any = None  # set by conformance.reference.tensor
ArrayMath: Any = None  # set by conformance.reference.ops.math
TensorMath: Any = None

# How many derivative formulas are running on Tensors (create_graph=True) right now: inside one,
# `tensor * 2` records PyTorch's C++ overload (MulBackward1), see ops/scalar_overloads.py.
IN_FORMULA = [0]

# What a derivative reads besides saved values: the incoming gradient(s) and the math namespace.
_GRAD, _MATH = object(), object()
# How attach() fills a saved value: the op's output, an input's shape, or an argument.
_RESULT, _SHAPE, _ARGUMENT = 0, 1, 2


class FormulaNode(Node):
    """A node built from an op's declared derivatives (see the module docstring)."""

    __slots__ = ("values", "inputs", "saved_names", "device")
    derivatives: tuple = ()  # (input name, formula, names the formula reads), per input
    multi_output = False
    # A multi-output node's missing gradients arrive as zeros, unless the node's derivatives
    # take them as None (var_mean's, which, as PyTorch's, skip an unused output).
    keeps_missing_grads = False
    # Tensors the node depends on without a derivative reading them (the index tensors of
    # x[i]): only their versions are checked.
    guards: tuple = ()
    # Whether the derivatives run on Tensors even in an ordinary backward: set by attach() for
    # half precision and where a 0-dim operand meets a dimensioned one of another dtype (see
    # _derivatives_on_tensors).
    on_tensors = False

    def apply(self, grads: list, create_graph: bool) -> tuple:
        if self._freed:
            raise RuntimeError(FREED)
        for guard in self.guards:
            if guard.counter[0] != guard.version:
                guard.check(*self._origin("", guard))
        values = self.values
        # Every saved tensor is checked before any derivative runs, as PyTorch unpacks them
        # all: a result changed in place breaks the backward even where no derivative needed
        # here reads it.
        for name in self.saved_names:
            value = values[name]
            kind = type(value)
            if (kind is SavedTensor or kind is HookedSavedTensor) and (
                value.counter[0] != value.version
            ):
                value.check(*self._origin(name, value))
        on_tensors = create_graph or self.on_tensors
        if on_tensors:
            math = TensorMath
            grads = [_as_tensor(g, self.device) for g in grads]
        else:
            math = ArrayMath
        if self.multi_output and self.keeps_missing_grads:
            grad = grads
        elif self.multi_output:
            like = next(g for g in grads if g is not None)
            shapes = values["result_shapes"]
            grads = [
                math.zeros(s, like) if g is None else g for g, s in zip(grads, shapes, strict=True)
            ]
            grad = grads
        else:
            grad = grads[0]
        results = []
        # One derivative, edge and input per differentiable input, by construction (zip's
        # strict=True would cost 0.3 us a node).
        for (_, formula, reads), (node, _), meta in zip(  # noqa: B905
            self.derivatives, self.next_functions, self.inputs
        ):
            if node is None:
                results.append(None)
                continue
            args = []
            for read in reads:
                if read is _GRAD:
                    args.append(grad)
                elif read is _MATH:
                    args.append(math)
                else:
                    value = values[read]
                    kind = type(value)
                    if kind is SavedTensor or kind is HookedSavedTensor:
                        if value.counter[0] != value.version:
                            value.check(*self._origin(read, value))
                        value = value.unpack(True, self) if on_tensors else value.array
                    elif kind is _Number:
                        value = value.value
                    args.append(value)
            if on_tensors:
                IN_FORMULA[0] += 1
                try:
                    result = _fit(formula(*args), meta, True)
                finally:
                    IN_FORMULA[0] -= 1
                if not create_graph and result is not None:
                    result = result._data
                results.append(result)
                continue
            result = formula(*args)
            if result.__class__ is not np.ndarray:
                if result is None:  # a gradient PyTorch leaves undefined (its Tensor())
                    results.append(None)
                    continue
                result = as_array(result)
            if result.shape != meta[0] or result.dtype != meta[1].np:
                result = _fit(result, meta, False)
            results.append(result)
        return tuple(results)

    def _origin(self, read: str, saved: SavedTensor) -> tuple:
        shape, dtype = saved.array.shape, dtypes.from_numpy_dtype(saved.array.dtype)
        producer = self if saved.is_output else saved.tensor.grad_fn
        if producer is None:
            return shape, dtype, ""
        # PyTorch names the producing op by its node's name less "Backward0"; another
        # overload's number stays (MaxBackward1 is "Max1").
        op_name = re.sub(r"Backward(?:0$|(?=\d*$))", "", producer.name())
        return shape, dtype, f", which is output {saved.output_nr} of {op_name},"

    def release(self) -> None:
        if self.saved_names:
            for key in self.saved_names:
                del self.values[key]
            self.saved_names = ()
            self._freed = True


class Joint:
    """The derivatives of several inputs computed together, as derivatives.yaml declares
    `input, weight, bias: native_layer_norm_backward(...)`: `formula` returns a tuple of
    gradients, and `joint[i]` is the derivative that takes the i-th of them. A node whose
    derivatives include one (a JointFormulaNode) runs the formula once per backward, for
    whichever of its inputs asks first, and hands each input its own gradient."""

    def __init__(self, formula: Callable) -> None:
        self.formula = formula

    def __getitem__(self, index: int) -> Callable:
        joint = self

        @functools.wraps(self.formula)  # its signature says what the node saves
        def part(*args: Any) -> Any:
            computed = _JOINT_RESULTS[-1]
            result = computed.get(joint)
            if result is None:
                result = computed[joint] = joint.formula(*args)
            return result[index]

        part.joint = self
        return part


# The joint derivatives computed in each JointFormulaNode.apply running now (innermost last).
_JOINT_RESULTS: list[dict] = []


class JointFormulaNode(FormulaNode):
    """A FormulaNode with Joint derivatives: their results live as long as one apply."""

    __slots__ = ()

    def apply(self, grads: list, create_graph: bool) -> tuple:
        _JOINT_RESULTS.append({})
        try:
            return FormulaNode.apply(self, grads, create_graph)
        finally:
            _JOINT_RESULTS.pop()


def no_derivative(name: str) -> Callable:
    """The derivative of an op PyTorch has none for (its node is NotImplemented): any backward
    through it raises, naming ATen's op."""

    def derivative(grad: Any) -> Any:
        raise RuntimeError(f"derivative for aten::{name} is not implemented")

    return derivative


class NotImplementedNode(FormulaNode):
    """PyTorch's NotImplemented node, for an op it has no derivative for: its edges go only to
    the inputs that require grad (attach() moves the full list to `all_edges`), and a
    backward through it raises the op's own error (its derivatives all refuse)."""

    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::NotImplemented"  # a C++ class, named in full

    def apply(self, grads: list, create_graph: bool) -> tuple:
        compact = self.next_functions
        self.next_functions = self.all_edges  # one per differentiable input, as derivatives
        try:
            results = FormulaNode.apply(self, grads, create_graph)
        finally:
            self.next_functions = compact
        return tuple(g for g, (n, _) in zip(results, self.all_edges, strict=True) if n is not None)


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
    """A declared op: call it with Tensors (and plain arguments) to get Tensors back.

    An Op is also a descriptor, so `Tensor.mul = mul` makes `x.mul(y)` call `mul(x, y)`.
    """

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else MethodType(self, obj)

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
        self.n_params = len(self.params)
        self.differentiable = tuple(formulas)
        unknown = set(formulas) - set(self.params)
        assert not unknown, f"{forward.__name__}: derivatives for unknown inputs {unknown}"
        derivatives, plans = [], []
        for name, formula in formulas.items():
            reads = tuple(inspect.signature(formula).parameters)
            derivatives.append((name, formula, tuple(_read_marker(r) for r in reads)))
            plans.append(
                tuple(self._save_plan(r) for r in reads if r not in ("grad", "grads", "F"))
            )
        self.diff_index = tuple(self.params.index(name) for name in formulas)
        self.save_plans = tuple(plans)
        self.saves: dict[int, tuple] = {}  # save_plan(wanted), computed once per `wanted`
        self.node = None
        if node_name is not None:
            multi = any("grads" in inspect.signature(f).parameters for f in formulas.values())
            joint = any(hasattr(f, "joint") for f in formulas.values())
            base = JointFormulaNode if joint else FormulaNode
            if node_name == "NotImplemented":
                base = NotImplementedNode
            self.node = type(
                node_name,
                (base,),
                {
                    "__slots__": (),
                    "derivatives": tuple(derivatives),
                    "multi_output": multi,
                    "__module__": "torch",
                },
            )
        self.operand_names: frozenset = frozenset()

    def _save_plan(self, read: str) -> tuple:
        if read == "result":
            return (read, _RESULT, None)
        if read.startswith("result") and read[6:].isdigit():  # one of several outputs: result1
            return (read, _RESULT, int(read[6:]))
        if read.endswith("_shape") and read[:-6] in self.params:
            return (read, _SHAPE, self.params.index(read[:-6]))
        assert read in self.params, f"{self.__name__}: a derivative reads unknown name {read!r}"
        return (read, _ARGUMENT, self.params.index(read))

    def save_plan(self, wanted: int) -> tuple:
        """What a node saves when the differentiable inputs whose bits are set in `wanted`
        require grad: what their derivatives read, each name once. An output that any
        derivative reads is saved whatever requires grad, as PyTorch's generated code saves
        it (pow(x, e)'s result, read by e's derivative, even where only x requires grad: so
        changing the result in place breaks x's backward too); inputs only for the derivatives
        that need them."""
        plan: dict[str, tuple] = {}
        for position, reads in enumerate(self.save_plans):
            for step in reads:
                if wanted >> position & 1 or step[1] is _RESULT:
                    plan.setdefault(step[0], step)
        return tuple(plan.values())

    def bind(self, args: tuple, kwargs: dict) -> Any:
        """Arguments in parameter order, defaults filled in, as Python itself would."""
        if not kwargs and self.n_required <= len(args) <= self.n_params:
            return args + self.defaults[len(args) - self.n_required :]
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
            elif name == "self" and "input" in kwargs:  # (torch.exp(input=x): PyTorch's name)
                values.append(kwargs.pop("input"))
            elif index >= self.n_required:
                values.append(self.defaults[index - self.n_required])
            else:
                self._refuse_missing(values, kwargs)
        if kwargs:
            if self._in_method and self.n_params == 1:
                self._refuse_keywords()
            extra = next(iter(kwargs))
            raise TypeError(f"{self.__name__}() got an unexpected keyword argument '{extra}'")
        return values

    _in_method = False  # (PointwiseOp: whether this is the op bound as a Tensor method)

    def _refuse_keywords(self) -> None:
        """A Tensor method without arguments (x.exp()) is a plain C method in PyTorch, which
        Python refuses any keyword for."""
        raise TypeError(f"TensorBase.{self._label or self.__name__}() takes no keyword arguments")

    def _refuse_missing(self, values: list, kwargs: dict) -> None:
        """PyTorch's refusal of a call without a required argument, naming every one missing
        (its parser writes "1 required positional arguments" and "2 ... argument")."""
        given = set(kwargs) | ({"self"} if "input" in kwargs else set())
        missing = [
            "input" if name == "self" else name
            for name in self.params[len(values) : self.n_required]
            if name not in given
        ]
        raise argument_errors.missing_arguments(self._label or self.__name__, missing)

    _label: str | None = None  # (PointwiseOp: the name an alias is refused by)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = self.bind(args, kwargs)
        arrays = [v._data if isinstance(v, Tensor) else v for v in values]
        if len(values) > 1:
            check_same_device(values)
        token = fp_errors.silenced()
        try:
            out = self.forward(*arrays)
        finally:
            fp_errors.restore(token)
        return self.record(values, out)

    output_device: int | None = None  # index of a parameter naming the output's device

    def record(self, values: list, out: Any) -> Any:
        """Wrap the forward's array(s) and, when grad mode is on, attach the node."""
        device = None
        if self.output_device is not None:
            device = values[self.output_device]
        else:
            for v in values:
                if isinstance(v, Tensor):
                    device = v._device
                    break
        out = tuple(as_array(o) for o in out) if isinstance(out, tuple) else as_array(out)
        if isinstance(out, tuple):
            outputs = tuple(Tensor._wrap(o, dtypes.from_numpy_dtype(o.dtype), device) for o in out)
        else:
            outputs = Tensor._wrap(out, dtypes.from_numpy_dtype(out.dtype), device)
        if self.node is not None and grad_mode.STATE.grad_enabled:
            attach(self, values, outputs)
        return outputs


def formula_op(F: Any, op_: Op) -> Any:
    """How a derivative formula calls an op that F does not name: the op itself on Tensors in
    a create_graph backward (F is TensorMath), so the backward is recorded; its bare array
    forward otherwise. (F.<name> does the same for ops in the torch namespace.)"""
    return op_ if F.records_graph else op_.forward


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


def attach(op: Op, values: Any, outputs: Any) -> None:
    """Record a node for `outputs` if any differentiable input requires grad, saving what the
    derivatives of those inputs read."""
    edges = []
    metas = []
    wanted = 0  # one bit per differentiable input that requires grad
    bit = 1
    for index in op.diff_index:
        value = values[index]
        if isinstance(value, Tensor):
            if value._view is not None:
                refresh_view(value)
            metas.append((value._data.shape, value._dtype))
            if value._requires_grad:
                wanted |= bit
                producer = value._grad_fn
                if producer is None:
                    ref = value._accumulator  # accumulator(value), without a call when alive
                    producer = ref() if ref is not None else None
                    edges.append((producer or accumulator(value), 0))
                else:
                    edges.append((producer, value._output_nr))
                bit <<= 1
                continue
        else:
            metas.append(None)
        edges.append(_NO_EDGE)
        bit <<= 1
    if not wanted:
        return
    node = op.node(tuple(edges))
    node.inputs = metas
    if _derivatives_on_tensors(metas, outputs):
        node.on_tensors = True
    if isinstance(node, NotImplementedNode):
        node.all_edges = node.next_functions
        node.next_functions = tuple(edge for edge in edges if edge[0] is not None)
    multiple = outputs.__class__ is tuple
    first = outputs[0] if multiple else outputs
    node.device = first._device
    # The outputs get their grad_fn first: a saved_tensors_hooks pack hook sees it on a saved
    # output, as in PyTorch.
    if multiple:
        node.n_outputs = len(outputs)
        for nr, out in enumerate(outputs):
            if out._dtype.category >= dtypes.FLOATING:
                out._requires_grad, out._grad_fn, out._output_nr = True, node, nr
    elif first._dtype.category >= dtypes.FLOATING:
        first._requires_grad = True
        first._grad_fn = node
    saved: dict[str, Any] = {}
    names = []
    plan = op.saves.get(wanted)
    if plan is None:
        plan = op.saves[wanted] = op.save_plan(wanted)
    for name, how, index in plan:
        if how == _ARGUMENT:
            value = values[index]
            if isinstance(value, Tensor):
                saved[name] = save(value)
                names.append(name)
            elif name in op.operand_names:
                saved[name] = _Number(value)
                names.append(name)
            else:
                saved[name] = value
        elif how == _SHAPE:
            saved[name] = values[index]._data.shape
        else:
            saved[name] = save(first if index is None else outputs[index], True)
            names.append(name)
    node.values = saved
    node.saved_names = names
    if multiple:
        saved["result_shapes"] = [o._data.shape for o in outputs]


_NO_EDGE = (None, 0)
_HALF_DTYPES = frozenset((dtypes.float16, dtypes.bfloat16))


def _derivatives_on_tensors(metas: list, outputs: Any) -> bool:
    """Whether a node's derivatives must run on Tensors even in an ordinary backward, because
    NumPy's array arithmetic would compute them otherwise than PyTorch:

    - a float16 or bfloat16 output or input: PyTorch's formulas round each step to that dtype
      and read Python numbers as its kernels read them (NumPy rounds the number to the half
      dtype first);
    - a 0-dim value meeting a dimensioned one of another dtype among the gradient (the output's
      shape and dtype) and the inputs: in PyTorch a 0-dim tensor does not raise the dtype of a
      dimensioned one of its category (a bfloat16 (3,) times a float64 0-dim is bfloat16), in
      NumPy a 0-dim array does (float64).

    One pass over the inputs, as this runs for every node recorded."""
    outputs = outputs if outputs.__class__ is tuple else (outputs,)
    dtype = outputs[0]._dtype
    if dtype in _HALF_DTYPES:
        return True
    mixed = False
    for meta in metas:
        if meta is not None and meta[1] is not dtype:
            if meta[1] in _HALF_DTYPES:
                return True
            mixed = True
    if not mixed:
        return False  # (every input has the output's dtype: the common case, decided here)
    found = [meta for meta in metas if meta is not None]
    found += [(out._data.shape, out._dtype) for out in outputs]
    zero_dim = {d for shape, d in found if shape == ()}
    dimensioned = {d for shape, d in found if shape != ()}
    return bool(zero_dim and dimensioned) and len(zero_dim | dimensioned) > 1


def _read_marker(read: str) -> Any:
    if read in ("grad", "grads"):
        return _GRAD
    return _MATH if read == "F" else read


def pointwise_dtype(operands: list, kind: str) -> tuple[dtypes.dtype, dtypes.dtype]:
    """(computation dtype, result dtype) of an elementwise op under PyTorch's promotion."""
    common = _same_dtype(operands)
    if common is None:
        common = dtypes.result_type(*operands)
    if kind == "float" and common.category < dtypes.FLOATING:
        common = dtypes.get_default_dtype()
    return common, (dtypes.bool if kind == "bool" else common)


def _same_dtype(operands: list) -> dtypes.dtype | None:
    """The common case, decided without the full promotion rules: every tensor has one dtype
    and the Python numbers do not raise its category."""
    first = operands[0]
    if not isinstance(first, Tensor):
        return None
    common = first._dtype
    category = common.category
    for v in operands[1:]:
        if isinstance(v, Tensor):
            if v._dtype is not common:
                return None
        elif v.__class__ is float:
            if category < dtypes.FLOATING:
                return None
        elif v.__class__ is int:
            if category < dtypes.INTEGER:
                return None
        elif v.__class__ is not bool:
            return None
    return common


class _Number:
    """A Python number an op saved in place of a tensor (x * 2 saves the 2, as PyTorch does)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _row_major(out: Any, values: Any) -> bool:
    """Whether `out` and every array operand are row-major without dimensions of size 1 (whose
    strides PyTorch may sort by): then PyTorch's layout is NumPy's, and nothing is left to do.
    The common case, so a plain loop."""
    if not out.flags.c_contiguous:
        return False
    for v in values:
        kind = v.__class__
        if kind is Tensor:
            array = v._data
        elif kind in _NOT_ARRAYS:  # (hasattr on a number would build an AttributeError)
            continue
        elif hasattr(v, "strides"):
            array = v
        else:
            continue
        if not array.flags.c_contiguous or 1 in array.shape:
            return False
    return True


_NOT_ARRAYS = frozenset((int, float, bool, complex, type(None)))


# The ops whose Tensor operands PyTorch's argument parser lets a Python number fill
# (torch._C._should_allow_numbers_as_tensors); every other op refuses one.
NUMBERS_AS_TENSORS = frozenset(
    ("add", "sub", "mul", "div", "true_divide", "floor_divide", "rounding_divide")  # (div's)
)


# add's and sub's visible schema, as a function and as a method
_ADD_SCHEMAS = (
    "Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None",
    "Tensor other, *, Number alpha = 1",
)


class PointwiseOp(Op):
    """An elementwise op: operands broadcast, promote as PyTorch promotes, and a gradient is
    summed back to its operand's shape. `kind` is "same" (result in the promoted dtype),
    "float" (integers give the default float dtype) or "bool" (comparisons).

    A Python number meeting a float16 or bfloat16 tensor is rounded to that dtype first (from
    double through float, as c10 makes a half from a double), as TensorIterator casts a CPU
    scalar to the common dtype; the few kernels that read the
    number in float32 instead (mul, div, floor_divide: `numbers_in_float32`) get it so. The
    kernel then computes in float32 and rounds once.
    """

    def __init__(
        self,
        forward: Callable,
        node_name: str | None,
        formulas: dict,
        kind: str,
        operands: tuple | None,
        ufunc: Any = None,
        check: Callable | None = None,
        numbers_in_float32: bool = False,
        overloads: tuple[str, ...] | None = None,
        number_first: bool = False,
        label: str | None = None,
        tensors_only: bool = False,
    ) -> None:
        super().__init__(forward, node_name, formulas)
        self.kind = kind
        self.overloads = overloads
        self._label = label  # (None: the op's own __name__, which may be set after this)
        self.tensors_only = tensors_only
        # (add, sub, mul and the divisions: the parser lets a number stand in for any tensor)
        self.number_first = number_first or self.__name__ in NUMBERS_AS_TENSORS
        self.numbers_in_float32 = numbers_in_float32
        self.ufunc = ufunc
        self.check = check
        names = operands or self.params[: self.n_required]
        self.operands = tuple(self.params.index(n) for n in names)
        self.first_operand = self.operands[0]
        self.operand_names = frozenset(names)
        self.binary = self.operands == (0, 1)

    # add and sub: alpha is keyword-only, but an older overload takes (Number alpha, Tensor
    # other) positionally (see argument_errors.positional_alpha)
    keyword_alpha = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            if self._in_method and self.n_params == 1:
                self._refuse_keywords()
            out = kwargs.pop("out", None)
            if out is not None:
                return inplace.write_out(out, self(*args, **kwargs), self.__name__)
        if self.keyword_alpha and (len(args) > 2 or len(args) == 2 and "other" in kwargs):
            args, kwargs = argument_errors.positional_alpha(self, args, kwargs)
        values = args if not kwargs and len(args) == self.n_params else self.bind(args, kwargs)
        values = self.check_arguments(values)
        data = self._uniform(values)
        if data is None:
            values = self._on_one_device(_python_numbers(values, self.operands))
            data = self._promoted(values)
        arrays, result, device = data
        token = fp_errors.silenced()
        try:
            out = self.forward(*arrays)
        except (ValueError, NotImplementedError, RuntimeError):
            # PyTorch checks the shapes before a kernel for the dtype is looked for
            check_broadcastable(values)  # every tensor argument, the condition of where() too
            raise
        finally:
            fp_errors.restore(token)
        if out.__class__ is not np.ndarray or out.dtype != result.np:
            out = as_array(out)
            if out.dtype != result.np:
                out = out.astype(result.np)
        if out.ndim > 1 and not _row_major(out, values):
            out = self._in_torch_layout(out, values)
        t = Tensor._wrap(out, result, device)
        if self.node is not None and grad_mode.STATE.grad_enabled:
            attach(self, values, t)
        return t

    def check_arguments(self, values: Any) -> Any:
        """PyTorch's refusals of the arguments' types, then the op's own rules (no bool
        subtraction), before anything is computed. Returns the arguments, a lone number made a
        tensor where PyTorch's parser makes one (torch.add(2, 3))."""
        if values[self.first_operand].__class__ is not Tensor:
            values = self._check_first_operand(values)
        if self.tensors_only:
            self._check_tensors(values)
        if self._in_method:  # (an in-place method checks before its own checks of self)
            self._check_operand_types(values)
        if self.check is not None:
            self.check(*values)
        return values

    def _check_operand_types(self, values: Any) -> None:
        """Each operand a tensor or a Python number (None leaves out an optional one)."""
        for i in self.operands:
            v = values[i]
            if (
                not isinstance(v, Tensor)
                and not is_number(v)
                and (v is not None or i < self.n_required)
            ):
                self._refuse(i, v, values)

    def in_place(self) -> PointwiseOp:
        """This op as x.op_(...) runs it: refused as the in-place method (sub_, with the
        positions after self)."""
        twin = self.renamed(f"{self._label or self.__name__}_")
        twin._in_method = True
        return twin

    def _check_first_operand(self, values: Any) -> Any:
        """PyTorch's argument parser refuses a Python number for an op's first Tensor operand,
        by the op's name and before anything runs, except for the few ops it lets numbers
        stand in for tensors (torch.add(2, 3) is tensor(5)). `overloads` lists the schemas of
        an op that has several (the comparisons take a Number for `other`), which the
        refusal then names. An op declared `number_first` stands for an overload that takes a
        Number there (xlogy(2, t), a number base's power, where's values)."""
        index = self.first_operand
        value = values[index]
        if isinstance(value, Tensor):
            return values
        if self.number_first:
            if any(isinstance(values[i], Tensor) for i in self.operands):
                return values
            if self.__name__ in NUMBERS_AS_TENSORS:
                strangers = [i for i in self.operands if not is_number(values[i])]
                if not strangers:
                    # (the parser makes the number a 0-dim tensor of its own dtype: add(2, 3.5))
                    dtype = dtypes.scalar_dtype(value)
                    wrapped = Tensor._wrap(np.asarray(value, dtype.np), dtype)
                    return (*values[:index], wrapped, *values[index + 1 :])
                index = strangers[0]  # (add(2, None) is refused for its other)
        self._refuse(index, values[index], values)
        return values

    def _check_tensors(self, values: Any) -> None:
        """An op whose schema takes Tensors only (atan2, maximum, igamma, ...) refuses a number
        for any of them, by its name, before any promotion."""
        for i in self.operands:
            if not isinstance(values[i], Tensor):
                self._refuse(i, values[i], values)

    _as_method: PointwiseOp | None = None  # (made on the first method call: see __get__)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """x.add(y) is add(x, y), refused as PyTorch refuses the method: the positions count
        from the argument after self, and the overloads are the method's (see _refuse). A
        copy of the op that knows this is bound, made once, when every attribute is set."""
        if obj is None:
            return self
        twin = self._as_method
        if twin is None:
            twin = self._as_method = copy.copy(self)
            twin._in_method = True
        return MethodType(twin, obj)

    def renamed(self, label: str, overloads: tuple[str, ...] | None = None) -> PointwiseOp:
        """This op under another name in PyTorch's argument errors: an alias (torch.arctan2
        is atan2, special.expit is sigmoid) records the same node but is refused by its own
        name, and some aliases list other overloads (subtract's)."""
        twin = copy.copy(self)
        twin._label = label
        twin._as_method = None
        if overloads is not None:
            twin.overloads = overloads
        return twin

    def _refuse_missing(self, values: list, kwargs: dict) -> None:
        """An op with several overloads refuses a missing argument as an invalid combination;
        so do add and sub, whose other overloads PyTorch hides (it names only the visible one)."""
        first = 1 if self._in_method else 0
        if self.keyword_alpha and self.overloads is None:
            raise argument_errors.one_overload_refused(
                self._label or self.__name__, _ADD_SCHEMAS[first], tuple(values[first:])
            )
        if self.overloads is None:
            super()._refuse_missing(values, kwargs)
        overloads = self.overloads
        if self._in_method:
            overloads = argument_errors.method_overloads(overloads)
        name = self._label or self.__name__
        raise argument_errors.invalid_arguments(name, overloads, tuple(values[first:]))

    def _refuse(self, index: int, value: Any, values: Any) -> None:
        """PyTorch's TypeError for an operand it cannot take: the overloads, where the op has
        several, or the one Tensor it wants."""
        name = self._label or self.__name__
        first = 1 if self._in_method else 0  # (a method's arguments start after self)
        if self.overloads is not None:
            given = tuple(values[first : max(self.n_required, index + 1)])
            overloads = self.overloads
            if self._in_method:
                overloads = argument_errors.method_overloads(overloads)
            raise argument_errors.invalid_arguments(name, overloads, given)
        label = "input" if self.params[index] == "self" else self.params[index]
        argument_errors.need_tensor(name, label, index + 1 - first, value)

    def _in_torch_layout(self, out: Any, values: Any) -> Any:
        """`out` with the strides PyTorch's TensorIterator gives the result (see
        memory_formats.elementwise_strides), copied if NumPy chose others."""
        arrays = [v._data if v.__class__ is Tensor else v for v in values]
        layouts = []
        for i, array in enumerate(arrays):
            if hasattr(array, "strides"):  # a tensor, or an array (where()'s condition)
                layouts.append((array.shape, tuple(s // array.itemsize for s in array.strides)))
            elif array is not None and i in self.operands:
                layouts.append(((), ()))  # a Python number: a 0-dim operand
        wanted = formats.elementwise_strides(out.shape, layouts)
        if tuple(s // out.itemsize for s in out.strides) == wanted:
            return out
        return shape.copy_with_strides(out, wanted)

    def result_dtype(self, *args: Any) -> dtypes.dtype:
        """The dtype this op would return for these arguments (an in-place op checks that
        its target can hold it before computing anything, as PyTorch does)."""
        values = self.bind(args, {})
        operands = [values[i] for i in self.operands if values[i] is not None]
        return pointwise_dtype(operands, self.kind)[1]

    def write_into(self, target: Any, args: tuple) -> Any:
        """`target.op_(other)` computed into target's own memory, without a temporary: only
        when nothing is recorded, no dtype changes and the shapes already fit. Returns None
        to send every other case through the general in-place path (and its errors)."""
        if self.ufunc is None or len(args) != 1:
            return None
        other = args[0]
        if grad_mode.STATE.grad_enabled and (
            target._requires_grad or isinstance(other, Tensor) and other._requires_grad
        ):
            return None  # (the general path checks a leaf before the op's own checks)
        if self.check is not None:
            self.check(target, other)
        data = self._uniform((target, other))
        array = target._data
        if data is None or data[1] is not target._dtype or 0 in array.strides:
            return None
        inplace.check_writable(target, needs_graph=False)
        token = fp_errors.silenced()
        try:
            getattr(array_namespace(array), self.ufunc)(array, data[0][1], out=array)
        except ValueError:  # does not broadcast into target: the general path raises
            return None
        finally:
            fp_errors.restore(token)
        target._version_counter[0] += 1
        return target

    def _uniform(self, values: Any) -> tuple | None:
        """The common case, without promotion: tensors share one dtype and one device, and
        any Python number stays within the dtype's category."""
        if self.binary:  # the commonest of all: two plain tensors alike, or a tensor and a float
            a, b = values[0], values[1]
            if a.__class__ is Tensor:
                dtype = a._dtype
                kind = b.__class__
                if (
                    kind is Tensor
                    and b._dtype is dtype
                    and b._device is a._device
                    or kind is float
                    and dtype.category >= dtypes.FLOATING
                ):
                    arrays = list(values)
                    arrays[0] = a._data
                    if kind is Tensor:
                        arrays[1] = b._data
                    elif dtype.itemsize == 2:
                        arrays[1] = self._number_for_half(b, dtype)
                    if self.kind == "same":
                        return arrays, dtype, a._device
                    if self.kind == "bool":
                        return arrays, dtypes.bool, a._device
        dtype = device = None
        arrays = list(values)
        top = 0  # the highest category of a Python number seen
        for i in self.operands:
            v = values[i]
            if isinstance(v, Tensor):
                if dtype is None:
                    dtype, device = v._dtype, v._device
                elif v._dtype is not dtype or v._device is not device:
                    return None
                arrays[i] = v._data
            elif v.__class__ is float:
                top = 2
            elif v.__class__ is int:
                top = top or 1
            elif v is None:
                if i < self.n_required:
                    return None  # refused by _promoted
            elif v.__class__ is not bool:
                return None
        if dtype is None or top > dtype.category:
            return None
        if top == 1 and dtype.category == dtypes.INTEGER and not self._ints_fit(values, dtype):
            return None
        if top and dtype.itemsize == 2 and dtype.category == dtypes.FLOATING:
            self._numbers_for_half(arrays, dtype)
        if self.kind == "same":
            return arrays, dtype, device
        if self.kind == "bool":
            return arrays, dtypes.bool, device
        return (arrays, dtype, device) if dtype.category >= dtypes.FLOATING else None

    def _ints_fit(self, values: Any, dtype: dtypes.dtype) -> bool:
        low, high = dtypes.bounds(dtype)
        return all(low <= values[i] <= high for i in self.operands if values[i].__class__ is int)

    def _on_one_device(self, values: Any) -> Any:
        """`values` with a zero-dimensional CPU tensor that joins tensors on another device
        copied there (recorded, so its gradient comes back to the CPU); mixing devices
        otherwise raises PyTorch's error."""
        tensors = [values[i] for i in self.operands if isinstance(values[i], Tensor)]
        if len(tensors) < 2 or all(t._device == tensors[0]._device for t in tensors):
            return values
        device = result_device(tensors)
        return tuple(
            v.to(device) if i in self.operands and isinstance(v, Tensor) else v
            for i, v in enumerate(values)
        )

    def _promoted(self, values: Any) -> tuple:
        """PyTorch's promotion: cast every tensor operand to the computation dtype."""
        self._check_operand_types(values)
        operands = [values[i] for i in self.operands if values[i] is not None]
        compute, result = pointwise_dtype(operands, self.kind)
        tensors = [v for v in operands if isinstance(v, Tensor)]
        device = tensors[0]._device if len(tensors) == 1 else result_device(tensors)
        arrays = list(values)
        for i in self.operands:
            v = values[i]
            if isinstance(v, Tensor):
                data = v._data
                if data.dtype != compute.np:
                    with fp_errors.quiet():  # 70000 as float16 is inf, silently
                        data = data.astype(compute.np)
                arrays[i] = data
            elif v.__class__ is int and compute.category == dtypes.INTEGER:
                # PyTorch wraps an out-of-range integer around (uint8 + 300 adds 44).
                arrays[i] = np.asarray(v).astype(compute.np)[()]
        if compute.itemsize == 2 and compute.category == dtypes.FLOATING:
            self._numbers_for_half(arrays, compute)
            if self.numbers_in_float32 and len(self.operands) == 2:
                self._single_value_for_half(values, arrays, compute)
        return arrays, result, device

    def _single_value_for_half(self, values: Any, arrays: list, dtype: dtypes.dtype) -> None:
        """A second operand of one element and another dtype, as mul and div read it in a
        half-precision kernel: its own value in float32 (ATen's original_scalar_value), not
        first rounded to the half dtype."""
        i = self.operands[1]
        other = values[i]
        if isinstance(other, Tensor) and other._dtype is not dtype and other._data.size == 1:
            with fp_errors.quiet():
                arrays[i] = other._data.astype(np.float32)

    def _numbers_for_half(self, arrays: list, dtype: dtypes.dtype) -> None:
        for i in self.operands:
            if arrays[i].__class__ in (int, float):
                arrays[i] = self._number_for_half(arrays[i], dtype)

    def _number_for_half(self, value: Any, dtype: dtypes.dtype) -> Any:
        """A Python number as a half-precision kernel reads it (see the class docstring)."""
        if self.numbers_in_float32:
            return np.float32(value)
        with fp_errors.quiet():  # 70000 is inf in float16, silently
            return via_float(np.asarray(value, np.float64), dtype.np)[()]


def is_number(value: Any) -> bool:
    """A Python number, as PyTorch's argument parser takes one for a Number (or, for the
    ops that allow it, a Tensor)."""
    return isinstance(value, bool | int | float | complex)


def check_broadcastable(operands: list) -> None:
    """Raise PyTorch's error when the operands' shapes do not broadcast."""
    broadcast_shape([tuple(v.shape) for v in operands if hasattr(v, "shape")])  # tensors, arrays


def broadcast_shape(shapes: list) -> tuple:
    """The shape `shapes` broadcast to, or PyTorch's error for the first pair that does not
    (checked from the last dimension, as ATen's infer_size does)."""
    result = tuple(shapes[0]) if shapes else ()
    for sizes in shapes[1:]:
        sizes = tuple(sizes)
        ndim = max(len(result), len(sizes))
        a = (1,) * (ndim - len(result)) + result
        b = (1,) * (ndim - len(sizes)) + sizes
        for i in reversed(range(ndim)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                    f"non-singleton dimension {i}"
                )
        result = tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b, strict=True))
    return result


def python_number(value: Any) -> Any:
    """A NumPy scalar as the Python number PyTorch's argument parser makes of it: an integer
    becomes an int, a floating number and np.bool_ a float (torch.ones(2, dtype=torch.int32)
    * np.bool_(True) is float32). Anything else is returned as it is."""
    if isinstance(value, np.generic) and not isinstance(value, float):  # (np.float64 is one)
        return int(value) if isinstance(value, np.integer) else float(value)
    return value


def _python_numbers(values: Any, operands: tuple) -> Any:
    """`values` with each NumPy scalar among the operands made a Python number."""
    converted = None
    for i in operands:
        number = python_number(values[i])
        if number is not values[i]:
            if converted is None:
                converted = list(values)
            converted[i] = number
    return values if converted is None else tuple(converted)


def result_device(tensors: list) -> Any:
    """Elementwise ops take one device; a zero-dimensional CPU tensor may join any device."""
    if tensors[0]._device is tensors[-1]._device and len(tensors) == 2:
        return tensors[0]._device
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
    node_name: str | None,
    kind: str = "same",
    operands: tuple | None = None,
    ufunc: str | None = None,
    check: Callable | None = None,
    numbers_in_float32: bool = False,
    overloads: tuple[str, ...] | None = None,
    number_first: bool = False,
    label: str | None = None,
    tensors_only: bool = False,
    **formulas: Callable,
) -> Callable[[Callable], PointwiseOp]:
    """Declare an elementwise op (see the module docstring). `ufunc`, where given, names the
    NumPy/CuPy ufunc that computes the op, so `x.op_(y)` can write straight into x. `check`,
    where given, sees the arguments before promotion (to reject what PyTorch rejects by the
    operands' own dtypes, such as subtracting a bool tensor). `label` names the op in errors
    where it is one overload of a public function (xlogy_number_self is xlogy).
    `tensors_only`: the schema takes no number for any operand (atan2, maximum, ...).
    `numbers_in_float32`, `overloads` and `number_first`: see PointwiseOp and its
    _check_first_operand."""
    return lambda forward: PointwiseOp(
        forward,
        node_name,
        formulas,
        kind,
        operands,
        ufunc,
        check,
        numbers_in_float32,
        overloads,
        number_first,
        label,
        tensors_only,
    )


def op(
    node_name: str | None, output_device: str | None = None, **formulas: Callable
) -> Callable[[Callable], Op]:
    """Declare an op whose forward maps arrays to an array (or a tuple of arrays). Its output
    lives on its first tensor argument's device, or on the device named by the parameter
    `output_device` (for transfers)."""

    def declare(forward: Callable) -> Op:
        declared = Op(forward, node_name, formulas)
        if output_device is not None:
            declared.output_device = declared.params.index(output_device)
        return declared

    return declare


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
        if isinstance(outputs, tuple):
            for index, t in enumerate(outputs):
                mark_view(t, base, (self, tuple(values[1:]), index), self.creation)
        else:
            mark_view(outputs, base, (self, tuple(values[1:]), None), self.creation)
        return outputs


class ViewRecord:
    """How a view was made from its base: the view ops to replay (op, arguments, which output),
    how it was created (None, "no_grad", "multi:<Op>" for unbind and split outputs), and the
    base's version when the view's history was last set: if the base changes in place, that
    history is stale."""

    __slots__ = ("steps", "creation", "version")

    def __init__(self, steps: tuple, creation: str | None, version: int) -> None:
        self.steps, self.creation, self.version = steps, creation, version


def mark_view(view: Any, base: Any, step: tuple, creation: str | None) -> None:
    """Make `view` share `base`'s counter and root, and remember the step that made it."""
    view._version_counter = counter = base._version_counter
    view._inference = base._inference
    creation = creation or _grad_mode_creation()
    if base._base is not None and base._view is not None:
        record = base._view
        view._base = base._base
        view._view = ViewRecord(record.steps + (step,), creation or record.creation, counter[0])
    else:
        view._base = base if base._base is None else base._base
        view._view = ViewRecord((step,), creation, counter[0])


def replay_view(steps: tuple, base: Any, on_arrays: bool = False) -> Any:
    """Apply a view's steps again to its base (a Tensor, or with on_arrays an array)."""
    current = base
    for step_op, args, index in steps:
        current = (step_op.forward if on_arrays else step_op)(current, *args)
        if index is not None:
            current = current[index]
    return current


def refresh_view(view: Any) -> None:
    """A view whose base changed in place since its history was set gets a new history,
    through the base (an AsStridedBackward0, as PyTorch regenerates a view's grad_fn)."""
    record = view._view
    base = view._base
    if record.version == view._version_counter[0] or base is None or not base._requires_grad:
        return
    if record.creation == "no_grad":
        raise RuntimeError(inplace.NO_GRAD_VIEW_CHANGED)
    if record.creation is not None:  # an output of unbind, split, chunk
        raise RuntimeError(
            f"Output {view._output_nr} of {record.creation[6:]} is a view and its base or another "
            "view of its base has been modified inplace. " + inplace.MULTI_VIEW
        )
    view._grad_fn, view._requires_grad = inplace.regenerated_history(record.steps, base), True
    view._output_nr = 0
    record.version = view._version_counter[0]


def _grad_mode_creation() -> str | None:
    return None if grad_mode.STATE.grad_enabled else "no_grad"


def view_op(node_name: str, creation: str | None = None, **formulas: Callable):
    """Declare a view op (see ViewOp)."""
    return lambda forward: ViewOp(forward, node_name, formulas, creation)


# Imported last: it builds on this module (and is only needed when ops run).
from conformance.reference.ops import argument_errors, inplace, shape  # noqa: E402
