"""The reference engine's learning-rate schedulers against torch.optim.lr_scheduler.

Every schedule runs the same optimizer and scheduler sequence on both engines for 32 steps
and compares, after each step, get_last_lr() and the groups' lr and momentum/betas exactly
(the formulas are PyTorch's, in the same order of float operations); then state_dict() (keys,
their order, values) and a load_state_dict round trip, the warnings of each misuse, the
argument errors, step(epoch) where torch accepts it, and resuming with last_epoch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch

import conformance.reference as ref

STEPS = 32


def _optimizer(lib, kind: str = "SGD") -> Any:
    """Two param groups with different lrs, and a gradient so that step() really steps."""
    a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
    a.grad, b.grad = lib.full((2,), 0.5), lib.full((3,), -0.25)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return getattr(lib.optim, kind)(groups, lr=0.1)


class Scale:
    """A callable object: its state (not the function) goes into state_dict."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, x: float) -> float:
        return self.rate**x


def _sched(lib) -> Any:
    return lib.optim.lr_scheduler


# name -> (optimizer kind, build(lib, optimizer) -> scheduler)
SCHEDULES: dict[str, tuple[str, Callable]] = {
    "MultiStepLR": ("SGD", lambda L, o: _sched(L).MultiStepLR(o, [3, 6, 6, 10], gamma=0.5)),
    "ConstantLR-default": ("SGD", lambda L, o: _sched(L).ConstantLR(o)),
    "ConstantLR": ("SGD", lambda L, o: _sched(L).ConstantLR(o, factor=0.5, total_iters=4)),
    "LinearLR-default": ("SGD", lambda L, o: _sched(L).LinearLR(o)),
    "LinearLR": ("SGD", lambda L, o: _sched(L).LinearLR(o, 0.25, 0.9, total_iters=7)),
    "MultiplicativeLR": ("SGD", lambda L, o: _sched(L).MultiplicativeLR(o, lambda e: 0.95)),
    "MultiplicativeLR-per-group": (
        "SGD",
        lambda L, o: _sched(L).MultiplicativeLR(o, [lambda e: 0.9, Scale(0.99)]),
    ),
    "PolynomialLR-default": ("SGD", lambda L, o: _sched(L).PolynomialLR(o)),
    "PolynomialLR": ("SGD", lambda L, o: _sched(L).PolynomialLR(o, total_iters=10, power=2.0)),
    "CosineAnnealingLR": ("SGD", lambda L, o: _sched(L).CosineAnnealingLR(o, 7, eta_min=0.01)),
    "CosineAnnealingLR-no-min": ("SGD", lambda L, o: _sched(L).CosineAnnealingLR(o, T_max=5)),
    "CosineAnnealingWarmRestarts": (
        "SGD",
        lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 3, T_mult=2, eta_min=0.001),
    ),
    "CosineAnnealingWarmRestarts-T5": (
        "SGD",
        lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, T_0=5),
    ),
    "CyclicLR-triangular": (
        "SGD",
        lambda L, o: _sched(L).CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=4, step_size_down=6),
    ),
    "CyclicLR-triangular2": (
        "SGD",
        lambda L, o: _sched(L).CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2"),
    ),
    "CyclicLR-exp_range-Adam": (
        "Adam",
        lambda L, o: _sched(L).CyclicLR(
            o, [0.01, 0.02], 0.1, 5, mode="exp_range", gamma=0.95, base_momentum=[0.7, 0.75]
        ),
    ),
    "CyclicLR-scale_fn-iterations": (
        "SGD",
        lambda L, o: _sched(L).CyclicLR(
            o, 0.01, 0.1, 4, scale_fn=Scale(0.97), scale_mode="iterations"
        ),
    ),
    "CyclicLR-no-momentum": (
        "Adagrad",
        lambda L, o: _sched(L).CyclicLR(o, 0.01, 0.1, 2, cycle_momentum=False),
    ),
    "OneCycleLR-cos": ("SGD", lambda L, o: _sched(L).OneCycleLR(o, [1.0, 2.0], total_steps=33)),
    "OneCycleLR-linear-Adam": (
        "Adam",
        lambda L, o: _sched(L).OneCycleLR(
            o, 0.5, epochs=4, steps_per_epoch=9, anneal_strategy="linear", pct_start=0.25
        ),
    ),
    "OneCycleLR-three-phase": (
        "SGD",
        lambda L, o: _sched(L).OneCycleLR(
            o, 1.0, 40, three_phase=True, div_factor=10.0, final_div_factor=100.0
        ),
    ),
    "OneCycleLR-no-momentum": (
        "Adagrad",
        lambda L, o: _sched(L).OneCycleLR(o, 0.3, 32, cycle_momentum=False),
    ),
    "SequentialLR": (
        "SGD",
        lambda L, o: _sched(L).SequentialLR(
            o, [_sched(L).LinearLR(o, 0.1, total_iters=5), _sched(L).ExponentialLR(o, 0.9)], [5]
        ),
    ),
    "SequentialLR-three": (
        "SGD",
        lambda L, o: _sched(L).SequentialLR(
            o,
            [
                _sched(L).ConstantLR(o, 0.5, total_iters=3),
                _sched(L).CosineAnnealingLR(o, 6),
                _sched(L).MultiplicativeLR(o, lambda e: 0.9),
            ],
            milestones=[4, 12],
        ),
    ),
    "SequentialLR-nested": (
        "SGD",
        lambda L, o: _sched(L).SequentialLR(
            o,
            [
                _sched(L).ChainedScheduler(
                    [_sched(L).LinearLR(o, 0.2, total_iters=4), _sched(L).StepLR(o, 3, 0.5)]
                ),
                _sched(L).PolynomialLR(o, total_iters=8, power=1.5),
            ],
            milestones=[7],
        ),
    ),
    "ChainedScheduler": (
        "SGD",
        lambda L, o: _sched(L).ChainedScheduler(
            [_sched(L).ConstantLR(o, 0.1, total_iters=4), _sched(L).ExponentialLR(o, 0.9)]
        ),
    ),
    "ChainedScheduler-optimizer": (
        "SGD",
        lambda L, o: _sched(L).ChainedScheduler(
            [_sched(L).LinearLR(o, 0.5, total_iters=6), _sched(L).MultiStepLR(o, [4, 9])], o
        ),
    ),
}


def _momenta(opt) -> list:
    return [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _trace(lib, opt, scheduler, steps: int = STEPS) -> list:
    """After each optimizer + scheduler step: get_last_lr(), the groups' lrs and momenta."""
    rows = []
    for _ in range(steps):
        opt.step()
        scheduler.step()
        rows.append((scheduler.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt)))
    return rows


def _comparable(state: Any) -> Any:
    """state_dict values, with callables (which differ between engines) named by their type."""
    if isinstance(state, dict):
        return [(k, _comparable(v)) for k, v in state.items()]
    if isinstance(state, list | tuple):
        return [_comparable(v) for v in state]
    if callable(state):
        return type(state).__name__
    return state


def _build(lib, name: str) -> tuple:
    """The optimizer, the scheduler and the warnings of building it (a SequentialLR whose first
    scheduler is a ChainedScheduler steps it before any optimizer step, and warns so)."""
    kind, build = SCHEDULES[name]
    opt = _optimizer(lib, kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scheduler = build(lib, opt)
    return opt, scheduler, [(type(w.message).__name__, str(w.message)) for w in caught]


def _run(lib, name: str) -> tuple:
    opt, scheduler, built = _build(lib, name)
    start = (scheduler.get_last_lr(), [g["lr"] for g in opt.param_groups], _momenta(opt))
    rows = _trace(lib, opt, scheduler)
    return start, rows, _comparable(scheduler.state_dict()), built


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_and_state_dict_match_torch(name: str) -> None:
    mine, theirs = _run(ref, name), _run(torch, name)
    assert mine[0] == theirs[0]
    for step, (a, b) in enumerate(zip(mine[1], theirs[1], strict=True)):
        assert a == b, f"step {step + 1}"
    assert mine[2:] == theirs[2:]


def _round_trip(lib, name: str) -> tuple:
    """Save after 10 steps, load into a freshly built optimizer and scheduler, go on 10 steps;
    the copy must go on exactly as the original does."""
    opt, scheduler, built = _build(lib, name)
    _trace(lib, opt, scheduler, 10)
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    keys = list(saved)
    opt2, copy, _ = _build(lib, name)
    opt2.load_state_dict(saved_opt)
    copy.load_state_dict(saved)
    original, resumed = _trace(lib, opt, scheduler, 10), _trace(lib, opt2, copy, 10)
    assert resumed == original
    # Most loads leave the caller's dict as it was; CyclicLR's pops "_scale_fn_custom".
    return resumed, _comparable(copy.state_dict()), [k for k in keys if k not in saved]


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_load_state_dict_round_trip_matches_torch(name: str) -> None:
    assert _round_trip(ref, name) == _round_trip(torch, name)


def _plateau(lib, metrics: list, opt_kind: str = "SGD", **kwargs: Any) -> tuple:
    opt = _optimizer(lib, opt_kind)
    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    rows = []
    for i, metric in enumerate(metrics):
        opt.step()
        scheduler.step(lib.tensor(metric) if i % 3 == 0 else metric)
        rows.append(
            (
                scheduler.get_last_lr(),
                [g["lr"] for g in opt.param_groups],
                scheduler.num_bad_epochs,
                scheduler.cooldown_counter,
                scheduler.best,
                scheduler.in_cooldown,
            )
        )
    saved = scheduler.state_dict()
    copy = lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib, opt_kind))
    copy.load_state_dict(saved)
    return rows, list(saved.items()), _comparable(copy.state_dict())


# A metric that improves, stalls (with changes below the threshold), improves a little, ...
METRICS = [1.0, 0.9, 0.95, 0.8999, 0.9, 0.91, 0.7, 0.7, 0.69995, 0.8] * 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 2},
        {"patience": 0, "factor": 0.5, "cooldown": 2},
        {"mode": "max", "patience": 1},
        {"mode": "min", "threshold_mode": "abs", "threshold": 0.05, "patience": 1},
        {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
        {"patience": 0, "factor": 0.5, "min_lr": [0.01, 0.2]},
        {"patience": 0, "factor": 0.5, "min_lr": 0.03},
        {"patience": 0, "factor": 0.9, "eps": 0.02},
    ],
    ids=str,
)
def test_reduce_on_plateau_matches_torch(kwargs: dict) -> None:
    assert _plateau(ref, METRICS, **kwargs) == _plateau(torch, METRICS, **kwargs)


def test_reduce_on_plateau_epoch_argument_matches_torch() -> None:
    def run(lib) -> tuple:
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), patience=0)
        return _caught(lambda: [scheduler.step(m, e) for m, e in [(1.0, 4), (2.0, None)]]), (
            scheduler.last_epoch,
            scheduler.get_last_lr(),
        )

    assert run(ref) == run(torch)


def _epoch_jumps(lib, name: str, epochs: list) -> tuple:
    """step(epoch): the closed form where a schedule has one, with the deprecation warning."""
    opt, scheduler, built = _build(lib, name)
    rows = []
    for epoch in epochs:
        opt.step()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step(epoch)
        rows.append(
            (
                scheduler.get_last_lr(),
                scheduler.last_epoch,
                _momenta(opt),
                [(type(w.message).__name__, str(w.message)) for w in caught],
            )
        )
    return rows


@pytest.mark.parametrize(
    "name",
    [
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "MultiplicativeLR",
        "PolynomialLR",
        "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts",
        "CyclicLR-triangular",
        "OneCycleLR-cos",
    ],
)
def test_step_with_epoch_matches_torch(name: str) -> None:
    epochs = [4, 7, 2, 12, 12, 0, 30, 5]
    assert _epoch_jumps(ref, name, epochs) == _epoch_jumps(torch, name, epochs)


def test_warm_restarts_take_fractional_epochs_as_torch() -> None:
    epochs = [0.5, 1.25, 3.0, 7.75, 21.5, 2.0, 100.0]
    name = "CosineAnnealingWarmRestarts"
    assert _epoch_jumps(ref, name, epochs) == _epoch_jumps(torch, name, epochs)
    name = "CosineAnnealingWarmRestarts-T5"
    assert _epoch_jumps(ref, name, epochs) == _epoch_jumps(torch, name, epochs)


def _caught(call: Callable) -> tuple:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except Exception as e:  # noqa: BLE001 - compared as type and text
            result = (type(e).__name__, str(e))
    return [(type(w.message).__name__, str(w.message)) for w in caught], result


def _misuse(lib, name: str, misuse: str) -> tuple:
    opt, scheduler, built = _build(lib, name)

    def act() -> Any:
        if misuse == "scheduler before optimizer":
            scheduler.step()
            opt.step()
            scheduler.step()
        elif misuse == "get_lr outside step":
            return scheduler.get_lr()
        elif misuse == "optimizer.step replaced":
            opt.step = lambda: None
            opt.step()
            scheduler.step()
        return scheduler.get_last_lr()

    return _caught(act), _momenta(opt), [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize(
    "misuse", ["scheduler before optimizer", "get_lr outside step", "optimizer.step replaced"]
)
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_misuse_warnings_match_torch(name: str, misuse: str) -> None:
    assert _misuse(ref, name, misuse) == _misuse(torch, name, misuse)


def test_composite_step_takes_no_epoch_as_torch() -> None:
    for name in ("SequentialLR", "ChainedScheduler"):
        mine, theirs = (
            _caught(lambda lib=lib, name=name: SCHEDULES[name][1](lib, _optimizer(lib)).step(3))
            for lib in (ref, torch)
        )
        assert mine == theirs and mine[1][0] == "TypeError"


def _resumed(lib, name: str) -> tuple:
    """Built with last_epoch=5 on groups that carry initial_lr (as after loading a checkpoint);
    OneCycleLR also needs its max_lr and min_lr there (a KeyError in both engines)."""
    opt = _optimizer(lib)
    for group in opt.param_groups:
        group["initial_lr"] = group["lr"] * 2

    def resume() -> list:
        make = getattr(lib.optim.lr_scheduler, name)
        scheduler = make(opt, *RESUME_ARGS[name], last_epoch=5)
        return [(scheduler.get_last_lr(), scheduler.last_epoch)] + _trace(lib, opt, scheduler, 12)

    return _caught(resume)


RESUME_ARGS = {
    "MultiStepLR": ([6, 8],),
    "ConstantLR": (0.5, 7),
    "LinearLR": (0.5, 1.0, 9),
    "PolynomialLR": (12, 2.0),
    "CosineAnnealingLR": (8, 0.01),
    "CosineAnnealingWarmRestarts": (4, 2),
    "CyclicLR": (0.01, 0.1, 3),
    "OneCycleLR": (1.0, 30),
}


@pytest.mark.parametrize("name", list(RESUME_ARGS))
def test_resuming_with_last_epoch_matches_torch(name: str) -> None:
    assert _resumed(ref, name) == _resumed(torch, name)


def _lr_tensor(lib, name: str) -> list:
    """group["lr"] as a tensor is filled in place; get_last_lr() gives copies."""
    w = lib.ones(1, requires_grad=True)
    w.grad = lib.ones(1)
    lr = lib.tensor(0.1)
    opt = lib.optim.SGD([w], lr=lr, momentum=0.9)
    if name == "ReduceLROnPlateau":
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    else:
        scheduler = SCHEDULES[name][1](lib, opt)
    rows = []
    for _ in range(8):
        opt.step()
        scheduler.step(1.0) if name == "ReduceLROnPlateau" else scheduler.step()
        last = scheduler.get_last_lr()[0]
        rows.append((type(last).__name__, float(last), opt.param_groups[0]["lr"] is lr))
    return rows


@pytest.mark.parametrize(
    "name", ["MultiStepLR", "LinearLR", "CosineAnnealingLR", "SequentialLR", "ReduceLROnPlateau"]
)
def test_tensor_lr_is_filled_in_place_as_torch(name: str) -> None:
    assert _lr_tensor(ref, name) == _lr_tensor(torch, name)


def _other(lib) -> Any:
    return _optimizer(lib)


ERRORS: dict[str, Callable] = {
    "not an optimizer": lambda L, o: _sched(L).CosineAnnealingLR("sgd", 3),
    "resume without initial_lr": lambda L, o: _sched(L).LinearLR(o, last_epoch=2),
    "ConstantLR factor > 1": lambda L, o: _sched(L).ConstantLR(o, factor=1.5),
    "ConstantLR factor < 0": lambda L, o: _sched(L).ConstantLR(o, factor=-0.1),
    "LinearLR start 0": lambda L, o: _sched(L).LinearLR(o, start_factor=0),
    "LinearLR end > 1": lambda L, o: _sched(L).LinearLR(o, end_factor=1.5),
    "MultiplicativeLR count": lambda L, o: _sched(L).MultiplicativeLR(o, [lambda e: 1.0]),
    "MultiplicativeLR not callable": lambda L, o: _sched(L).MultiplicativeLR(o, 0.9),
    "PolynomialLR total_iters 0 epoch": lambda L, o: _sched(L).PolynomialLR(o, 0).step(1),
    "CAWR T_0 0": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 0),
    "CAWR T_0 float": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 2.0),
    "CAWR T_mult 0": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 2, 0),
    "CAWR T_mult float": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 2, 1.5),
    "CAWR eta_min str": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 2, eta_min="0"),
    "CAWR negative epoch": lambda L, o: _sched(L).CosineAnnealingWarmRestarts(o, 2).step(-1),
    "CyclicLR mode": lambda L, o: _sched(L).CyclicLR(o, 0.1, 1.0, mode="cosine"),
    "CyclicLR base_lr count": lambda L, o: _sched(L).CyclicLR(o, [0.1], 1.0),
    "CyclicLR max_momentum count": lambda L, o: _sched(L).CyclicLR(
        o, 0.1, 1.0, max_momentum=(0.9, 0.9, 0.9)
    ),
    "CyclicLR no momentum": lambda L, o: _sched(L).CyclicLR(
        L.optim.Adagrad([L.ones(1, requires_grad=True)]), 0.1, 1.0
    ),
    "CyclicLR not an optimizer": lambda L, o: _sched(L).CyclicLR(None, 0.1, 1.0),
    "OneCycleLR total_steps 0": lambda L, o: _sched(L).OneCycleLR(o, 1.0, 0),
    "OneCycleLR total_steps float": lambda L, o: _sched(L).OneCycleLR(o, 1.0, 10.0),
    "OneCycleLR epochs 0": lambda L, o: _sched(L).OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=2),
    "OneCycleLR steps_per_epoch": lambda L, o: _sched(L).OneCycleLR(
        o, 1.0, epochs=2, steps_per_epoch=-1
    ),
    "OneCycleLR no length": lambda L, o: _sched(L).OneCycleLR(o, 1.0, epochs=3),
    "OneCycleLR pct_start > 1": lambda L, o: _sched(L).OneCycleLR(o, 1.0, 10, pct_start=1.5),
    "OneCycleLR pct_start int": lambda L, o: _sched(L).OneCycleLR(o, 1.0, 10, pct_start=1),
    "OneCycleLR anneal": lambda L, o: _sched(L).OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
    "OneCycleLR max_lr count": lambda L, o: _sched(L).OneCycleLR(o, [1.0, 2.0, 3.0], 10),
    "OneCycleLR no momentum": lambda L, o: _sched(L).OneCycleLR(
        L.optim.Adagrad([L.ones(1, requires_grad=True)]), 1.0, 10
    ),
    "OneCycleLR past the end": lambda L, o: [_sched(L).OneCycleLR(o, 1.0, 3).step() for _ in "xyz"],
    "Plateau factor": lambda L, o: _sched(L).ReduceLROnPlateau(o, factor=1.0),
    "Plateau mode": lambda L, o: _sched(L).ReduceLROnPlateau(o, mode="least"),
    "Plateau threshold_mode": lambda L, o: _sched(L).ReduceLROnPlateau(o, threshold_mode="pct"),
    "Plateau min_lr count": lambda L, o: _sched(L).ReduceLROnPlateau(o, min_lr=[0.1]),
    "Plateau not an optimizer": lambda L, o: _sched(L).ReduceLROnPlateau([]),
    "Plateau new group, list min_lr": lambda L, o: _plateau_new_group(L, o, [0.0, 0.0]),
    "Plateau new group, scalar min_lr": lambda L, o: _plateau_new_group(L, o, 0.001),
    "Plateau metric not a number": lambda L, o: _sched(L).ReduceLROnPlateau(o).step("low"),
    "Sequential empty": lambda L, o: _sched(L).SequentialLR(o, [], []),
    "Sequential milestones": lambda L, o: _sched(L).SequentialLR(
        o, [_sched(L).ExponentialLR(o, 0.9), _sched(L).ExponentialLR(o, 0.5)], [2, 4]
    ),
    "Sequential plateau": lambda L, o: _sched(L).SequentialLR(
        o, [_sched(L).ExponentialLR(o, 0.9), _sched(L).ReduceLROnPlateau(o)], [2]
    ),
    "Sequential other optimizer": lambda L, o: _sched(L).SequentialLR(
        o, [_sched(L).ExponentialLR(_other(L), 0.9)], []
    ),
    "Sequential not a scheduler": lambda L, o: _sched(L).SequentialLR(o, [object()], []),
    "Chained empty": lambda L, o: _sched(L).ChainedScheduler([]),
    "Chained plateau": lambda L, o: _sched(L).ChainedScheduler([_sched(L).ReduceLROnPlateau(o)]),
    "Chained other optimizer": lambda L, o: _sched(L).ChainedScheduler(
        [_sched(L).ExponentialLR(o, 0.9), _sched(L).ExponentialLR(_other(L), 0.9)]
    ),
}


def _plateau_new_group(lib, opt, min_lr: Any) -> list:
    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=min_lr)
    opt.add_param_group({"params": [lib.ones(1, requires_grad=True)], "lr": 0.3})
    for metric in (1.0, 2.0, 3.0):
        scheduler.step(metric)
    return [g["lr"] for g in opt.param_groups], scheduler.min_lrs


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case: str) -> None:
    mine, theirs = (
        _caught(lambda lib=lib: ERRORS[case](lib, _optimizer(lib))) for lib in (ref, torch)
    )
    assert mine == theirs
