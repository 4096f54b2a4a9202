"""The autograd graph: nodes, saved tensors, and the engine that runs backward.

A node is what PyTorch calls a grad_fn: it knows the nodes its inputs came from
(`next_functions`) and turns the gradients of its outputs into gradients of its inputs.
Gradients travel as bare arrays unless `create_graph=True`, when they are Tensors and the
backward pass is itself recorded; ops write their derivatives so that both work.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.reference import anomaly_mode, dtypes, fp_errors, grad_mode
from conformance.reference.devices import array_module

Tensor: Any = None  # set by conformance.reference.tensor, which imports this module

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)
MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [{type} [{shape}]]{origin} is at version {now}; expected version {then} "
    "instead. Hint: {hint}"
)
HINT = (
    "enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
HINT_IN_ANOMALY_MODE = (
    "the backtrace further above shows the operation that failed to compute its gradient. The "
    "variable in question was changed in there or anywhere later. Good luck!"
)


class RemovableHandle:
    """Returned by register_hook; remove() takes the hook out again."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks, self.id = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_next_hook_id = [0]


def add_hook(hooks: dict, fn: Callable) -> RemovableHandle:
    _next_hook_id[0] += 1
    hooks[_next_hook_id[0]] = fn
    return RemovableHandle(hooks, _next_hook_id[0])


class SavedTensor:
    """A tensor an op keeps for its backward, with the version it had when saved."""

    __slots__ = ("tensor", "array", "version", "counter", "is_output", "output_nr")

    def __init__(self, tensor: Any, is_output: bool = False) -> None:
        if tensor._inference:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. To work around you can make a "
                "clone to get a normal tensor and use it in autograd."
            )
        self.array = tensor._data
        counter = self.counter = tensor._version_counter
        self.version = counter[0]
        self.is_output = is_output
        self.output_nr = tensor._output_nr  # which output of its grad_fn (eigh's vectors: 1)
        # An output is not held: through its grad_fn it would hold the node that holds this,
        # a cycle only the garbage collector frees. It is rebuilt on demand instead.
        self.tensor = None if is_output else tensor

    def check(self, shape: tuple, dtype: Any, origin: str) -> None:
        if self.counter[0] != self.version:
            raise RuntimeError(
                MODIFIED.format(
                    type=dtypes.tensor_type_name(dtype),
                    shape=", ".join(map(str, shape)),
                    origin=origin,
                    now=self.counter[0],
                    then=self.version,
                    hint=HINT_IN_ANOMALY_MODE if anomaly_mode.STATE.enabled else HINT,
                )
            )

    def unpack(self, as_tensor: bool, node: Node | None = None) -> Any:
        """The saved array, or (for a create_graph backward) the saved tensor; an output is
        rebuilt as a tensor whose grad_fn is `node`, the node that saved it."""
        if not as_tensor:
            return self.array
        if self.tensor is not None:
            return self.tensor
        return Tensor._from_node_output(self.array, node, self.counter, self.output_nr)


# torch.autograd.graph.saved_tensors_hooks: the (pack, unpack) pairs in force, innermost last.
SAVED_TENSORS_HOOKS: list[tuple] = []
PACK_IN_PLACE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
    "pack hook cannot be modified by in-place operations as this can lead to unexpected "
    "side-effects. Please open an issue if you need to perform in-place operations on the input "
    "to a pack hook."
)
_NEVER_CHANGES = [0]  # the version counter of a hooked saved tensor: nothing to check


class HookedSavedTensor(SavedTensor):
    """A tensor saved under saved_tensors_hooks: what the pack hook made of it is kept instead,
    and the unpack hook turns that back into a tensor each time backward reads it. PyTorch
    checks no version then: an in-place change after saving is the hooks' business."""

    __slots__ = ("packed", "unpack_hook")

    def __init__(self, tensor: Any, is_output: bool, hooks: tuple) -> None:
        pack, self.unpack_hook = hooks
        before = tensor._version_counter[0]
        self.packed = pack(tensor)
        if tensor._version_counter[0] != before:
            raise RuntimeError(PACK_IN_PLACE)
        self.counter, self.version, self.is_output, self.tensor = _NEVER_CHANGES, 0, is_output, None
        self.output_nr = tensor._output_nr

    def _unpacked(self) -> Any:
        tensor = self.unpack_hook(self.packed)
        if not isinstance(tensor, Tensor):
            raise TypeError(
                "Output of saved tensor unpack_hook expected to be a Tensor but got result of "
                f"type {type(tensor).__name__}"
            )
        return tensor

    @property
    def array(self) -> Any:  # type: ignore[override]
        return self._unpacked()._data

    def unpack(self, as_tensor: bool, node: Node | None = None) -> Any:
        tensor = self._unpacked()
        return tensor if as_tensor else tensor._data


def save(tensor: Any, is_output: bool = False) -> SavedTensor:
    """What an op keeps of `tensor` for its backward: the tensor itself, or what the innermost
    saved_tensors_hooks packs it into."""
    if SAVED_TENSORS_HOOKS:
        return HookedSavedTensor(tensor, is_output, SAVED_TENSORS_HOOKS[-1])
    return SavedTensor(tensor, is_output)


class Node:
    """A grad_fn. Subclasses are named as PyTorch names them (MulBackward0, ...)."""

    __slots__ = ("next_functions", "__weakref__", "__dict__")
    # Rarely set; class-level defaults keep node creation cheap.
    _pre_hooks: dict | None = None
    _hook_devices: dict | None = None
    _retained: dict | None = None
    _freed = False
    _metadata: dict | None = None
    n_outputs = 1

    def __init__(self, next_functions: tuple = ()) -> None:
        self.next_functions = next_functions
        if anomaly_mode.STATE.enabled:
            self._forward_trace = anomaly_mode.forward_trace()

    @property
    def metadata(self) -> dict:
        """A dict for the user's own notes about this node, as in PyTorch."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        # The Python class name: AccumulateGrad, though name() says
        # torch::autograd::AccumulateGrad.
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def apply(self, grads: list, create_graph: bool) -> tuple:
        """Gradients for `next_functions`, one per edge (None where nothing flows)."""
        raise NotImplementedError

    def release(self) -> None:
        """Drop saved tensors after a backward without retain_graph."""

    def tensor_hooks(self, output_nr: int, device: Any) -> dict:
        """The hooks of output `output_nr`, a tensor on `device` (the gradient its hooks see
        is a tensor on that device)."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
            self._hook_devices = {}
        self._hook_devices[output_nr] = device
        return self._pre_hooks.setdefault(output_nr, {})

    def retain(self, output_nr: int, tensor: Any) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = weakref.ref(tensor)


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        self.next_functions = ()  # Node.__init__, inlined: a leaf gets a new one every step
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def accumulate(self, grad: Any, create_graph: bool, fresh: bool) -> None:
        """Add `grad` into the leaf's .grad. The first gradient is stored as is when `fresh`
        (nobody else holds that array) and laid out as the leaf is (PyTorch's gradient layout
        contract), else copied in the leaf's layout: .grad must own its memory, because later
        backwards add into it in place. Under create_graph it is always a recorded copy."""
        leaf = self.variable
        if leaf._hooks:
            hooked = run_tensor_hooks(leaf._hooks, grad, create_graph, leaf._device)
            fresh = fresh and hooked is grad
            grad = hooked
            if grad is None:
                return
        current = leaf._grad
        if current is None:
            flags = getattr(grad, "flags", None)
            if (
                fresh
                and flags is not None
                and flags.owndata
                and getattr(flags, "writeable", True)  # (CuPy's arrays have no such flag)
                and (grad.strides == leaf._data.strides or _obeys_layout(grad, leaf._data))
            ):
                leaf._grad = Tensor._wrap(grad, leaf._dtype, leaf._device)  # ours alone: keep
            elif create_graph:
                leaf._grad = _recorded_copy_in_layout(grad, leaf)
            else:
                grad = grad._data if isinstance(grad, Tensor) else _as_array(grad, leaf)
                leaf._grad = Tensor._wrap(
                    _copy_in_layout(grad, leaf._data), leaf._dtype, leaf._device
                )
        elif create_graph or grad_mode.STATE.grad_enabled and current.requires_grad:
            leaf._grad = current + _as_grad_tensor(grad, leaf, create_graph, copy=False)
        else:
            current._data += grad._data if isinstance(grad, Tensor) else grad
            current._version_counter[0] += 1
        if leaf._post_accumulate_hooks:
            for hook in list(leaf._post_accumulate_hooks.values()):
                hook(leaf)


def accumulator(leaf: Any) -> AccumulateGrad:
    """The leaf's AccumulateGrad node: one per leaf, shared by every use of it."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


def edge(tensor: Any) -> tuple:
    """The (node, output_nr) an op records for an input: None for inputs without grad."""
    if tensor._view is not None:
        from conformance.reference.ops.define import refresh_view

        refresh_view(tensor)
    if not tensor._requires_grad:
        return (None, 0)
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (accumulator(tensor), 0)


def _writeable(array: Any) -> bool:
    """False for NumPy's read-only arrays (broadcast views); CuPy's arrays have no such flag
    and are always writeable."""
    return getattr(array.flags, "writeable", True)


def _as_array(grad: Any, leaf: Any) -> Any:
    """A gradient that is not yet an array (a NumPy scalar) as one on the leaf's device."""
    return array_module(leaf._device).asarray(grad)


def _obeys_layout(grad: Any, leaf: Any) -> bool:
    """PyTorch's gradient layout contract: a dense leaf's gradient has the leaf's strides
    (dimensions of size 1 aside), any other leaf's is row-major."""
    from conformance.reference import memory_formats as formats

    size = leaf.itemsize
    strides = tuple(s // size for s in leaf.strides)
    if not formats.is_non_overlapping_and_dense(leaf.shape, strides):
        return grad.flags.c_contiguous
    return all(
        g == s if n != 1 else g != 0
        for n, g, s in zip(grad.shape, grad.strides, leaf.strides, strict=True)
    )


def _dense_strides(leaf: Any) -> tuple | None:
    """A leaf's strides in elements when it is dense and non-overlapping (its gradient is
    then laid out the same), else None (its gradient is row-major)."""
    from conformance.reference import memory_formats as formats

    strides = tuple(s // leaf.itemsize for s in leaf.strides)
    if leaf.size and formats.is_non_overlapping_and_dense(leaf.shape, strides):
        return strides
    return None


def _copy_in_layout(grad: Any, leaf: Any) -> Any:
    """PyTorch's clone_obey_contract: a copy with a dense leaf's strides, else row-major."""
    if leaf.flags.c_contiguous:
        copy = grad.copy()  # row-major, ndarray.copy's default order
        if copy.strides == leaf.strides:  # the common case: the leaf is laid out so too
            return copy
    strides = _dense_strides(leaf)
    if strides is None:
        return grad.copy()
    from conformance.reference.ops import shape

    return shape.copy_with_strides(grad, strides)


def _recorded_copy_in_layout(grad: Any, leaf: Any) -> Any:
    """clone_obey_contract under create_graph, recorded when the gradient requires grad: for a
    dense leaf new_empty_strided(leaf's layout).copy_(grad) (CopyBackwards), for another a
    row-major clone (CloneBackward0)."""
    from conformance.reference import memory_formats as formats
    from conformance.reference.ops import shape
    from conformance.reference.ops.fills_and_copies import copy_from

    if not isinstance(grad, Tensor):
        grad = Tensor._wrap(_as_array(grad, leaf), leaf._dtype, leaf._device)
    strides = _dense_strides(leaf._data)
    if strides is None:
        return shape.clone(grad, formats.contiguous_format)
    target = Tensor._wrap(leaf._data, leaf._dtype, leaf._device)  # only its shape is read
    out = copy_from(target, grad)
    out._data = shape.copy_with_strides(out._data, strides)  # fresh: nobody else holds it yet
    return out


def _as_grad_tensor(grad: Any, like: Any, create_graph: bool, copy: bool) -> Any:
    if isinstance(grad, Tensor):
        if create_graph:
            # A recorded gradient may be a read-only expand view: .grad gets its own copy,
            # and the copy stays in the graph, as PyTorch's does.
            return grad.clone() if copy or not _writeable(grad._data) else grad
        grad = grad._data
    if not hasattr(grad, "flags"):  # a NumPy scalar
        grad = np.asarray(grad)
    if copy or not _writeable(grad) or not grad.flags.owndata:
        grad = grad.copy()
    return Tensor._wrap(grad, like._dtype, like._device)


def run_tensor_hooks(hooks: dict | None, grad: Any, create_graph: bool, device: Any) -> Any:
    """Hooks see and return Tensors (on the hooked tensor's device); the engine may be passing
    a bare array."""
    if not hooks:
        return grad
    bare = not isinstance(grad, Tensor)
    as_tensor = Tensor._wrap(grad, dtype_of(grad), device) if bare else grad
    for hook in list(hooks.values()):
        with grad_mode.set_grad_enabled(create_graph):
            result = hook(as_tensor)
        if result is not None:
            _check_hook_result(hook, as_tensor, result)
            as_tensor = result
    return as_tensor._data if bare else as_tensor


def _check_hook_result(hook: Callable, original: Any, result: Any) -> None:
    """A hook may replace a gradient, but only with a tensor of the same type and size."""
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", repr(hook))
    if result.type() != original.type():
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {original.type()} got "
            f"{result.type()})"
        )
    if result.shape != original.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def dtype_of(array: Any) -> Any:
    from conformance.reference import dtypes

    return dtypes.from_numpy_dtype(array.dtype)


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    total = a + b
    return np.asarray(total) if isinstance(total, np.generic) else total


def run_backward(
    outputs: list,
    grad_outputs: list,
    retain_graph: bool,
    create_graph: bool,
    inputs: list | None = None,
    accumulate: bool = True,
) -> dict:
    """Run the graph from `outputs`, seeded with `grad_outputs` (arrays, or Tensors when
    create_graph). With `inputs`, only what reaches them runs; `accumulate=False` (autograd.grad)
    returns their gradients instead of adding them into .grad. Returns {id(input): grad}."""
    # (Loops rather than comprehensions here and below: on Python 3.11 each comprehension is a
    # function call, and this runs once per backward.)
    roots = []
    root_nodes: dict[Node, None] = {}  # an ordered set: a root given twice is one node
    for t in outputs:
        fn = t.grad_fn
        node = fn if fn is not None else accumulator(t)
        roots.append((node, t._output_nr))
        root_nodes[node] = None
    # Count the edges into every node reachable from the roots.
    dependencies: dict[Node, int] = {}
    stack = list(root_nodes)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                count = dependencies.get(nxt)
                if count is None:  # first visit (a root is already on the stack)
                    dependencies[nxt] = 1
                    if nxt not in root_nodes:
                        stack.append(nxt)
                else:
                    dependencies[nxt] = count + 1

    targets: dict[tuple, Any] = {}
    needed = None
    if inputs is not None:
        for t in inputs:
            key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator(t), 0)
            targets[key] = t
        needed = _nodes_leading_to({node for node, _ in targets}, {*root_nodes, *dependencies})
    captured: dict[int, Any] = {}
    # What hooks may ask about this run, made into a GraphTask only if one asks (running_task).
    task = (root_nodes, dependencies, needed, None if accumulate else targets)

    # Arrays that someone else may hold: a leaf's .grad must not alias them.
    shared = set(map(id, grad_outputs))
    buffers: dict[Node, list] = {}
    for (node, nr), grad in zip(roots, grad_outputs):  # noqa: B905 (equal lengths)
        slots = buffers.setdefault(node, [None] * node.n_outputs)
        slots[nr] = _add(slots[nr], grad)
    ready = []
    for node in root_nodes:
        if node not in dependencies:
            ready.append(node)

    state, anomaly = grad_mode.STATE, anomaly_mode.STATE
    previous = state.grad_enabled
    state.grad_enabled = create_graph
    quiet = fp_errors.silenced()  # derivatives of log at 0 and the like: inf and nan, silently
    RUNNING.append(task)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None] * node.n_outputs
            outs: tuple = ()
            if node.__class__ is AccumulateGrad and (needed is None or node in needed):
                if targets:
                    if not accumulate and node.variable._hooks and grads[0] is not None:
                        # autograd.grad captures what the leaf's hooks make of its gradient
                        leaf = node.variable
                        grads = [
                            run_tensor_hooks(leaf._hooks, grads[0], create_graph, leaf._device)
                        ]
                    _capture(node, grads, targets, captured, accumulate, create_graph)
                grad = grads[0]
                if accumulate and grad is not None:
                    fresh = id(grad) not in shared
                    shared.add(id(grad))
                    node.accumulate(grad, create_graph, fresh)
                continue
            if needed is None or node in needed:
                if node._pre_hooks or node._retained:
                    grads = _before_apply(node, grads, create_graph)
                if targets:
                    _capture(node, grads, targets, captured, accumulate, create_graph)
                if grads[0] is not None or any(g is not None for g in grads):
                    if anomaly.enabled:
                        outs = _apply_watched(node, grads, create_graph, anomaly.check_nan)
                    else:
                        outs = node.apply(grads, create_graph)
                    if not retain_graph:
                        node.release()
            # One gradient per edge, by construction. (zip's strict=True costs 0.3 us a call,
            # a few percent of a small step.)
            for (nxt, nr), grad in zip(node.next_functions, outs or _nothing(node)):  # noqa: B905
                if nxt is None:
                    continue
                if grad is not None:
                    slots = buffers.get(nxt)
                    if slots is None:
                        slots = buffers[nxt] = [None] * nxt.n_outputs
                    slots[nr] = grad if slots[nr] is None else _add(slots[nr], grad)
                remaining = dependencies[nxt] - 1
                dependencies[nxt] = remaining
                if remaining == 0:
                    ready.append(nxt)
    finally:
        RUNNING.pop()
        fp_errors.restore(quiet)
        state.grad_enabled = previous
    return captured


class GraphTask:
    """One run of the graph, as hooks may ask about it (PyTorch's GraphTask): which nodes it
    will execute. A backward started inside a hook or a custom Function is a task of its own."""

    __slots__ = ("id", "roots", "reachable", "needed", "captures")
    _count = 0

    def __init__(self, roots: set, reachable: dict, needed: set | None, captures: dict | None):
        GraphTask._count += 1
        self.id = GraphTask._count
        self.roots, self.reachable, self.needed = roots, reachable, needed
        self.captures = captures  # autograd.grad's {(node, nr): input}; None for backward()

    def will_execute(self, node: Node) -> bool:
        """Whether `node` runs in this task: it is reachable from the roots and, when inputs
        were named, leads to one of them."""
        if node not in self.roots and node not in self.reachable:
            return False
        if self.needed is None:
            return True
        if node not in self.needed:
            return False
        if self.captures and node.__class__ is AccumulateGrad and (node, 0) in self.captures:
            raise RuntimeError(
                "A leaf node was passed to _will_engine_execute_node but we are currently "
                "running autograd.grad(). This is currently not supported."
            )
        return True


# The graph tasks running now, innermost last: each a GraphTask, or the tuple of its
# arguments until a hook first asks for it (most backward calls have no hook that does).
RUNNING: list[GraphTask | tuple] = []


def running_task() -> GraphTask | None:
    """The innermost graph task running now, or None outside backward."""
    if not RUNNING:
        return None
    task = RUNNING[-1]
    if task.__class__ is tuple:
        task = RUNNING[-1] = GraphTask(*task)
    return task


def _apply_watched(node: Node, grads: list, create_graph: bool, check_nan: bool) -> tuple:
    """node.apply under anomaly detection: a failure first warns with the forward's stack."""
    try:
        outs = node.apply(grads, create_graph)
        if check_nan:
            anomaly_mode.check_nan(node, outs)
    except Exception:
        anomaly_mode.warn_failed(node)
        raise
    return outs


def _nothing(node: Node) -> tuple:
    """No gradient along any of `node`'s edges (it got none, or is outside `inputs`)."""
    return (None,) * len(node.next_functions)


def _capture(
    node: Node, grads: list, targets: dict, captured: dict, accumulate: bool, create_graph: bool
) -> None:
    """Gradients arriving at the tensors `inputs=` asked for."""
    for nr, grad in enumerate(grads):
        target = targets.get((node, nr))
        if target is not None and grad is not None:
            if accumulate and node.__class__ is not AccumulateGrad:
                _accumulate_into_non_leaf(target, grad, create_graph)
            captured[id(target)] = _add(captured.get(id(target)), grad)


def _nodes_leading_to(goal: set, nodes: set) -> set:
    """The nodes from which some goal node can be reached (goal nodes included)."""
    leads: dict[Node, bool] = {}

    def visit(node: Node) -> bool:
        if node in leads:
            return leads[node]
        leads[node] = node in goal
        stack = [(node, iter(node.next_functions))]
        order = [node]
        while stack:
            current, children = stack[-1]
            for nxt, _ in children:
                if nxt is not None and nxt not in leads:
                    leads[nxt] = nxt in goal
                    order.append(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                if any(leads.get(n, False) for n, _ in current.next_functions if n is not None):
                    leads[current] = True
        return leads[node]

    for node in nodes:
        visit(node)
    return {node for node, hit in leads.items() if hit}


def _before_apply(node: Node, grads: list, create_graph: bool) -> list:
    """Tensor hooks registered on this node's outputs, then retain_grad captures."""
    if node._pre_hooks:
        grads = list(grads)
        for nr, hooks in node._pre_hooks.items():
            if grads[nr] is not None:
                device = node._hook_devices[nr]
                grads[nr] = run_tensor_hooks(hooks, grads[nr], create_graph, device)
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _accumulate_into_non_leaf(tensor, grads[nr], create_graph)
    return grads


def _accumulate_into_non_leaf(tensor: Any, grad: Any, create_graph: bool) -> None:
    new = _as_grad_tensor(grad, tensor, create_graph, copy=True)
    tensor._grad = new if tensor._grad is None else tensor._grad + new


def warn_create_graph_cycle() -> None:
    warnings.warn(
        "Using backward() with create_graph=True will create a reference cycle between the "
        "parameter and its gradient which can cause a memory leak. We recommend using "
        "autograd.grad when creating the graph to avoid this. If you have to use this "
        "function, make sure to reset the .grad fields of your parameters to None after use "
        "to break the cycle and avoid the leak.",
        UserWarning,
        stacklevel=3,
    )
