"""The losses' reductions add up as PyTorch's CPU kernels do, compared with torch bit for bit:
the elementwise losses reduce through mean() and sum() (cascade_sum's order, not NumPy's),
and nll_loss adds its picks in its own eight-level cascade (cross_entropy.py's _cascaded).

Before this, F.mse_loss(x, y) differed from torch's in the last bit for a third of random
float32 inputs, and nll_loss for about half."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

ELEMENTWISE = {
    "mse": lambda F, x, y, r: F.mse_loss(x, y, reduction=r),
    "l1": lambda F, x, y, r: F.l1_loss(x, y, reduction=r),
    "smooth_l1": lambda F, x, y, r: F.smooth_l1_loss(x, y, reduction=r),
    "huber": lambda F, x, y, r: F.huber_loss(x, y, reduction=r, delta=0.7),
    "soft_margin": lambda F, x, y, r: F.soft_margin_loss(x, y.sign(), reduction=r),
}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_losses_reduce_as_torch(name, reduction):
    rng = np.random.default_rng(5)
    for rows, columns in [(1, 3), (9, 27), (47, 56), (64, 10)]:
        x, y = (rng.standard_normal((rows, columns)).astype(np.float32) * 2 for _ in range(2))
        ours, theirs = (
            ELEMENTWISE[name](t.nn.functional, t.tensor(x), t.tensor(y), reduction).item()
            for t in (ref, torch)
        )
        assert ours == theirs, (rows, columns)


def _nll_case(rng, kind, classes):
    """An input of one of the shapes nll_loss takes, and its target: unbatched, batched,
    3-d (viewed as 4-d), 4-d (NllLoss2D)."""
    shapes = {
        "unbatched": ((classes,), ()),
        "batched": ((int(rng.integers(1, 300)), classes), None),
        "3d": ((3, classes, 7), None),
        "4d": ((2, classes, 5, 4), None),
    }
    shape, target_shape = shapes[kind]
    if target_shape is None:
        target_shape = (shape[0], *shape[2:])
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    return x, rng.integers(0, classes, target_shape)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("kind", ["unbatched", "batched", "3d", "4d"])
def test_nll_loss_adds_its_picks_in_its_kernels_cascade(kind, dtype):
    """With and without class weights and ignored targets (which add nothing and move
    nothing up the cascade), for a mean and a sum."""
    rng = np.random.default_rng(8)
    for trial in range(6):
        x, target = _nll_case(rng, kind, int(rng.integers(2, 12)))
        if trial % 2 and target.ndim:
            target[rng.random(target.shape) < 0.2] = -100
        weight = rng.random(x.shape[0 if x.ndim == 1 else 1]).astype(np.float32) + 0.1
        for weighted in (False, True):
            for reduction in ("mean", "sum"):
                seen = []
                for t in (ref, torch):
                    w = t.tensor(weight).to(getattr(t, dtype)) if weighted else None
                    loss = t.nn.functional.nll_loss(
                        t.tensor(x).to(getattr(t, dtype)), t.tensor(target), w, reduction=reduction
                    )
                    seen.append(loss.double().item())
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    np.testing.assert_array_equal(*seen, err_msg=f"{trial} {weighted} {reduction}")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_adds_in_its_kernels_order(p, reduction):
    """Each sample's terms in class order in float (so too its gradient at the target
    class), the samples in order in double; NumPy's pairwise sums differed in about half the
    cases of more than eight classes."""
    rng = np.random.default_rng(2)
    for rows, classes in [(1, 3), (7, 12), (33, 50)]:
        x = rng.standard_normal((rows, classes)).astype(np.float32)
        target = rng.integers(0, classes, rows)
        weight = rng.random(classes).astype(np.float32)
        seen = []
        for t in (ref, torch):
            xx = t.tensor(x, requires_grad=True)
            loss = t.nn.functional.multi_margin_loss(
                xx, t.tensor(target), p=p, margin=0.7, weight=t.tensor(weight), reduction=reduction
            )
            loss.sum().backward()
            seen.append((loss.detach().numpy(), xx.grad.numpy()))
        for ours, theirs in zip(*seen, strict=True):
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{rows}x{classes}")
