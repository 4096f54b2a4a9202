"""torch.autograd.graph.register_multi_grad_hook: one hook over the gradients of several tensors.

It is built, as in PyTorch, from an ordinary tensor hook on each tensor, and asks the running
graph task (graph.RUNNING) what a tensor hook alone cannot know:

- mode="all" calls `fn(grads)` once per backward, after the last gradient that this backward
  will compute among the tensors. A tensor whose node the backward will not execute (outside
  the graph, or not leading to the `inputs=` asked for) is not waited for, and its place in
  `grads` is None. The count is taken when the first of the hooks fires, from
  `GraphTask.will_execute`, which (as PyTorch's _will_engine_execute_node) refuses a leaf that
  autograd.grad is capturing.
- mode="any" calls `fn(grad)` once per backward, with the first gradient to arrive.

The gradients `fn` sees are those after any hooks registered before it on the same tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from conformance.reference import graph

__all__ = ["register_multi_grad_hook"]


class _MultiHandle(graph.RemovableHandle):
    """The handle register_multi_grad_hook returns: remove() removes every tensor's hook."""

    def __init__(self, handles: tuple) -> None:
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __getstate__(self) -> tuple:
        return self.handles

    def __setstate__(self, state: tuple) -> None:
        self.handles = state


def _node_of(tensor: Any) -> graph.Node:
    """The node a tensor's gradient arrives at: its grad_fn, or a leaf's AccumulateGrad."""
    if tensor.requires_grad and tensor.grad_fn is None:
        return graph.accumulator(tensor)
    if tensor.grad_fn is None:
        raise AssertionError("Expected gradient function to be set")
    return tensor.grad_fn


def _running_task() -> graph.GraphTask:
    task = graph.running_task()
    if task is None:
        raise AssertionError("expected this hook to be called inside a backward call")
    return task


def register_multi_grad_hook(
    tensors: Sequence[Any], fn: Callable, *, mode: str = "all"
) -> graph.RemovableHandle:
    supported_modes = ("all", "any")
    if mode not in supported_modes:
        raise ValueError(f"Expects mode to be one of {supported_modes} but got {mode}")
    if mode == "all":
        return _MultiHandle(_all_hooks(list(tensors), fn))
    return _MultiHandle(_any_hooks(list(tensors), fn))


def _all_hooks(tensors: list, fn: Callable) -> tuple:
    nodes = [_node_of(t) for t in tensors]
    # Per graph task id: how many gradients arrived, how many will, and the gradients so far.
    arrived: dict[int, int] = {}
    expected: dict[int, int] = {}
    buffers: dict[int, list] = {}

    def hook_for(index: int) -> Callable:
        def hook(grad: Any) -> None:
            task = _running_task()
            count = arrived.get(task.id, 0)
            if count == 0:
                expected[task.id] = sum(task.will_execute(node) for node in nodes)
                buffers[task.id] = [None] * len(tensors)
            arrived[task.id] = count + 1
            buffers[task.id][index] = grad
            if count + 1 == expected[task.id]:
                grads = buffers.pop(task.id)
                del arrived[task.id], expected[task.id]
                fn(grads)

        return hook

    return tuple(t.register_hook(hook_for(i)) for i, t in enumerate(tensors))


def _any_hooks(tensors: list, fn: Callable) -> tuple:
    fired: set[int] = set()  # the graph tasks that have called fn

    def hook(grad: Any) -> None:
        task = _running_task()
        if task.id not in fired:
            fired.add(task.id)
            fn(grad)

    return tuple(t.register_hook(hook) for t in tensors if t.requires_grad)
