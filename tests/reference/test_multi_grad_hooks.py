"""torch.autograd.graph.register_multi_grad_hook, and tensor hooks on the leaves autograd.grad
captures, each scenario run on torch and on the engine and compared."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref

ENGINES = [torch, ref]


def _outcome(fn):
    try:
        return fn()
    except Exception as error:  # the comparison includes torch's error type and message
        return (type(error).__name__, str(error))


def _diamond(t, mode, how):
    """a, b leaves; c = a * b is used, d = a * b is not: which gradients fn sees, per call."""
    a = t.tensor([1.0, 2.0], requires_grad=True)
    b = t.tensor([3.0, 4.0], requires_grad=True)
    c, d = a * b, a * b
    log = []

    def fn(grads):
        if mode == "any":
            log.append(grads.tolist())
        else:
            log.append([None if g is None else g.tolist() for g in grads])

    handle = t.autograd.graph.register_multi_grad_hook((a, b, c, d), fn, mode=mode)
    loss = (c * c).sum()
    if how == "backward":
        loss.backward(retain_graph=True)
        loss.backward(retain_graph=True)  # a second backward: a second call
    elif how == "backward-inputs":
        loss.backward(inputs=(a,), retain_graph=True)
    elif how == "grad-non-leaf":
        t.autograd.grad(loss, (c,), retain_graph=True)
    elif how == "grad-leaf":
        log.append(_outcome(lambda: t.autograd.grad(loss, (a,), retain_graph=True)[0].tolist()))
    elif how == "removed":
        handle.remove()
        loss.backward()
    return log


@pytest.mark.parametrize("mode", ["all", "any"])
@pytest.mark.parametrize(
    "how", ["backward", "backward-inputs", "grad-non-leaf", "grad-leaf", "removed"]
)
def test_multi_grad_hook_calls_match_torch(mode, how):
    expected = _diamond(torch, mode, how)
    assert _diamond(ref, mode, how) == expected
    assert (expected == []) == (how == "removed")  # fn runs (or raises) unless removed


def test_all_mode_skips_tensors_outside_this_backward():
    def run(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        e = a * 2  # in the graph of a, but not of the loss below
        log = []
        t.autograd.graph.register_multi_grad_hook(
            (a, e), lambda grads: log.append([None if g is None else g.tolist() for g in grads])
        )
        (a.sum() * 3).backward()
        return log

    assert run(ref) == run(torch) == [[[3.0, 3.0], None]]


def test_fn_sees_gradients_after_earlier_hooks_and_later_hooks_see_them_unchanged():
    def run(t):
        p = t.ones(2, requires_grad=True)
        q = p * 1
        log = []
        q.register_hook(lambda g: g * 10)
        t.autograd.graph.register_multi_grad_hook((q,), lambda g: log.append(g[0].tolist()))
        q.register_hook(lambda g: log.append(("later", g.tolist())))
        (q * 2).sum().backward()
        return log, p.grad.tolist()

    assert run(ref) == run(torch)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, a, x: t.autograd.graph.register_multi_grad_hook((a,), print, mode="some"),
        lambda t, a, x: t.autograd.graph.register_multi_grad_hook((a, x), print),
        lambda t, a, x: (
            type(
                t.autograd.graph.register_multi_grad_hook((a, x), print, mode="any").handles
            ).__name__
        ),
    ],
    ids=["bad-mode", "all-with-tensor-not-requiring-grad", "any-skips-it"],
)
def test_registration_errors_match_torch(call):
    def run(t):
        return _outcome(lambda: call(t, t.ones(2, requires_grad=True), t.ones(2)))

    assert run(ref) == run(torch)


def test_nested_backward_in_fn_is_its_own_graph_task():
    """A backward run by fn counts its own gradients, not those of the backward around it."""

    def run(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        b = t.tensor([3.0, 4.0], requires_grad=True)
        log = []

        def fn(grads):
            log.append([g is not None for g in grads])
            if len(log) == 1:
                with t.enable_grad():  # hooks run with grad mode off, as the backward does
                    (b * 5).sum().backward()

        t.autograd.graph.register_multi_grad_hook((a, b), fn)
        (a * b).sum().backward()
        return log, a.grad.tolist(), b.grad.tolist()

    assert run(ref) == run(torch)


def test_handle_state_is_its_handles_and_removes_them():
    a = ref.ones(2, requires_grad=True)
    calls = []
    handle = ref.autograd.graph.register_multi_grad_hook((a,), calls.append)
    assert isinstance(handle, ref.autograd.graph.RemovableHandle)
    assert len(handle.__getstate__()) == 1
    copy = object.__new__(type(handle))
    copy.__setstate__(handle.__getstate__())
    (a * 2).sum().backward()
    copy.remove()  # removing through the restored copy removes the tensor's hook
    (a * 2).sum().backward()
    assert len(calls) == 1


@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_grad_returns_what_a_leaf_hook_makes_of_its_gradient(create_graph):
    def run(t):
        a = t.tensor([1.0, 2.0], requires_grad=True)
        a.register_hook(lambda g: g * 10)
        (grad,) = t.autograd.grad((a * a).sum(), a, create_graph=create_graph)
        return grad.tolist(), grad.requires_grad, a.grad

    assert run(ref) == run(torch)
