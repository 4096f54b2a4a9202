"""torch.autograd.graph.saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks and
torch.autograd.function.once_differentiable: the reference engine against real PyTorch (which
hooks run when, with what, what errors, what graph)."""

from __future__ import annotations

import math

import pytest
import torch

import conformance.reference as ref


def run(t, program):
    try:
        return program(t)
    except Exception as e:  # noqa: BLE001 - compared as type and text
        return type(e).__name__, str(e)


def same(a, b) -> bool:
    """Equal, floats to float32 rounding (exp rounds differently in the last bit)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def pack_and_unpack_calls(t):
    log = []

    def pack(x):
        log.append(
            (
                "pack",
                tuple(x.shape),
                x.requires_grad,
                type(x.grad_fn).__name__ if x.grad_fn else None,
            )
        )
        return x.detach() * 1

    def unpack(p):
        log.append(("unpack", tuple(p.shape)))
        return p

    x = t.tensor([1.0, 2.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = x * x
        z = y.exp()
        w = (z * 3).sum()
    log.append("backward")
    w.backward()
    return log, x.grad.tolist()


def in_place_after_saving_is_not_checked(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(lambda v: v, lambda p: p):
        a = x * 1
        b = a * a
    a.add_(1)
    b.sum().backward()
    return x.grad.tolist()


def unpack_must_return_a_tensor(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(lambda v: v, lambda p: 3):
        b = x * x
    b.sum().backward()


def pack_must_not_modify_its_input(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(lambda v: v.add_(1), lambda p: p):
        return (t.ones(2, requires_grad=True) * x.detach()).tolist()


def disabled_hooks_cannot_be_entered(t):
    with (
        t.autograd.graph.disable_saved_tensors_hooks("no hooks here"),
        t.autograd.graph.saved_tensors_hooks(lambda v: v, lambda p: p),
    ):
        pass


def cannot_disable_while_hooks_are_in_force(t):
    with (
        t.autograd.graph.saved_tensors_hooks(lambda v: v, lambda p: p),
        t.autograd.graph.disable_saved_tensors_hooks("off"),
    ):
        pass


def unpack_runs_at_every_read(t):
    log = []
    x = t.tensor([1.0, 2.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(
        lambda v: log.append("p") or v, lambda p: log.append("u") or p
    ):
        b = (x * x).sum()
    b.backward(retain_graph=True)
    b.backward()
    return log, x.grad.tolist()


def only_what_backward_needs_is_packed(t):
    log = []
    x = t.tensor([1.0, 2.0], requires_grad=True)
    with (
        t.no_grad(),
        t.autograd.graph.saved_tensors_hooks(lambda v: log.append("p") or v, lambda p: p),
    ):
        x * x
    with t.autograd.graph.saved_tensors_hooks(
        lambda v: log.append(("p", v.requires_grad)) or v, lambda p: p
    ):
        x * t.ones(2)
    return log


def save_on_cpu(t):
    x = t.ones(2, requires_grad=True)
    with t.autograd.graph.save_on_cpu():
        y = (x * x.exp()).sum()
    y.backward()
    return x.grad.tolist()


def custom_function_saves_go_through_hooks(t):
    class Sq(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    log = []
    x = t.tensor([3.0], requires_grad=True)
    with t.autograd.graph.saved_tensors_hooks(
        lambda v: log.append("p") or v, lambda p: log.append("u") or p
    ):
        y = Sq.apply(x)
    y.backward()
    return log, x.grad.tolist()


def _once(t, chain):
    seen = []

    class Sq(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @t.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(t.is_grad_enabled())
            return 2 * x * g

    x = t.tensor([3.0], requires_grad=True)
    z = (Sq.apply(x) * x).sum() if chain else Sq.apply(x).sum()
    (gx,) = t.autograd.grad(z, x, create_graph=True)
    info = (gx.tolist(), gx.requires_grad, type(gx.grad_fn).__name__ if gx.grad_fn else None)
    if gx.grad_fn is not None:
        e = gx.grad_fn.next_functions[1][0]
        info += (type(e).__name__, e.name(), [type(n).__name__ for n, _ in e.next_functions])
    info += (seen,)
    gx.sum().backward()
    return info


def once_differentiable_results_raise_when_differentiated(t):
    return _once(t, True)


def once_differentiable_without_graph_inputs(t):
    return _once(t, False)


PROGRAMS = [
    pack_and_unpack_calls,
    in_place_after_saving_is_not_checked,
    unpack_must_return_a_tensor,
    pack_must_not_modify_its_input,
    disabled_hooks_cannot_be_entered,
    cannot_disable_while_hooks_are_in_force,
    unpack_runs_at_every_read,
    only_what_backward_needs_is_packed,
    save_on_cpu,
    custom_function_saves_go_through_hooks,
    once_differentiable_results_raise_when_differentiated,
    once_differentiable_without_graph_inputs,
]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_matches_torch(program) -> None:
    ours, theirs = run(ref, program), run(torch, program)
    assert same(ours, theirs), (ours, theirs)


def test_hooks_are_gone_after_the_block() -> None:
    from conformance.reference.graph import SAVED_TENSORS_HOOKS

    with ref.autograd.graph.saved_tensors_hooks(lambda v: v, lambda p: p):
        assert len(SAVED_TENSORS_HOOKS) == 1
    assert not SAVED_TENSORS_HOOKS
