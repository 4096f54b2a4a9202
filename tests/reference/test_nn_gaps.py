"""Small nn gaps, against real PyTorch: BatchNorm3d and SyncBatchNorm (and batch norm of an
empty input), the ELU family's sign at zero, and the argument parser's TypeErrors for the
pooling, fold and unfold arguments of the wrong type."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _outcome(make):
    """Per engine: the outputs as arrays, or (error type, message)."""
    results = []
    for t in (torch, ref):
        try:
            out = make(t)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            results.append((type(exc).__name__, str(exc)))
            continue
        outs = out if isinstance(out, tuple | list) else (out,)
        results.append(
            [np.asarray(o.detach().tolist()) if hasattr(o, "detach") else o for o in outs]
        )
    return results


def _same(make):
    theirs, ours = _outcome(make)
    if isinstance(theirs, tuple) or isinstance(ours, tuple):
        assert ours == theirs
        return
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        else:
            assert a == b


# -- BatchNorm3d and SyncBatchNorm -------------------------------------------------------------


def _batch_norm_run(t, cls, shape, training, **kwargs):
    """Two forwards and a backward: outputs, input gradient, running stats, weight grad."""
    layer = getattr(t.nn, cls)(3, **kwargs).double()
    layer.train(training)
    x = t.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    y, y2 = layer(x), layer(x * 2)
    (y * y2).sum().backward()
    out = [y, y2, x.grad, type(y.grad_fn).__name__]
    if layer.running_mean is not None:
        out += [layer.running_mean, layer.running_var, int(layer.num_batches_tracked)]
    if layer.weight is not None:
        out.append(layer.weight.grad)
    return out


@pytest.mark.parametrize("cls", ["BatchNorm3d", "SyncBatchNorm"])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}, {"bias": False}],
)
def test_batch_norm_3d_and_sync_train_and_eval(cls, training, kwargs) -> None:
    _same(lambda t: _batch_norm_run(t, cls, (2, 3, 2, 3, 4), training, **kwargs))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5), (2, 3, 2, 2, 2, 2), ()])
@pytest.mark.parametrize("cls", ["BatchNorm3d", "SyncBatchNorm"])
def test_batch_norm_3d_and_sync_input_ranks(cls, shape) -> None:
    """BatchNorm3d takes 5-D input only, SyncBatchNorm any rank from 2 (ValueError else)."""
    _same(lambda t: _batch_norm_run(t, cls, shape, True))


def test_sync_batch_norm_refuses_zero_channels_and_keeps_process_group() -> None:
    _same(lambda t: t.nn.SyncBatchNorm(0)(t.zeros(2, 0, 3)))
    _same(lambda t: [t.nn.SyncBatchNorm(3, process_group="g").process_group])
    _same(lambda t: [repr(t.nn.SyncBatchNorm(3, momentum=None, affine=False))])


def test_convert_sync_batchnorm_swaps_batch_norms_but_not_instance_norms() -> None:
    def convert(t):
        net = t.nn.Sequential(
            t.nn.Linear(3, 3),
            t.nn.BatchNorm1d(3),
            t.nn.Sequential(t.nn.BatchNorm3d(3, affine=False), t.nn.InstanceNorm1d(3)),
            t.nn.BatchNorm2d(3, bias=False),
        )
        net[1].eval()
        weight, mean = net[1].weight, net[1].running_mean
        out = t.nn.SyncBatchNorm.convert_sync_batchnorm(net, "pg")
        single = t.nn.SyncBatchNorm.convert_sync_batchnorm(t.nn.BatchNorm2d(3))
        return [
            repr(out),
            out is net,
            out[1].weight is weight,
            out[1].running_mean is mean,
            out[1].training,
            out[2][0].process_group,
            repr(single),
            out[3].bias is None,
        ]

    _same(convert)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 0, 3), (2, 3, 0)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [(False, False), (True, False), (False, True), (True, True)])
def test_batch_norm_of_an_empty_input_leaves_running_stats(shape, training, affine) -> None:
    """PyTorch returns input.clone() * weight[0] + bias[0] and updates nothing."""

    def run(t):
        mean, var = t.full((shape[1],), 0.5).double(), t.full((shape[1],), 2.0).double()
        x = t.ones(shape, dtype=t.float64, requires_grad=True)
        weight = t.ones(shape[1], dtype=t.float64, requires_grad=True) if affine[0] else None
        bias = t.ones(shape[1], dtype=t.float64, requires_grad=True) if affine[1] else None
        y = t.nn.functional.batch_norm(x, mean, var, weight, bias, training=training)
        y.sum().backward()
        return [y, mean, var, x.grad, type(y.grad_fn).__name__]

    _same(run)


# -- the ELU family at zero --------------------------------------------------------------------


def _signs(t, dtype):
    F = t.nn.functional
    zero = t.zeros(5, dtype=getattr(t, dtype))
    outs = []
    for x in (zero, -zero):
        outs += [F.elu(x, -1.0), F.elu(x.clone(), -0.5, inplace=True), F.elu(x, 0.0)]
        outs += [F.celu(x, -1.0), F.celu(x.clone(), -2.0, inplace=True), F.selu(x)]
        outs += [F.selu(x.clone(), inplace=True), t.nn.ELU(-0.3)(x), t.nn.CELU(-0.3)(x)]
    return [[math.copysign(1.0, v) for v in o.float().tolist()] for o in outs]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_elu_family_keeps_the_sign_of_zero_whatever_alpha(dtype) -> None:
    assert _signs(ref, dtype) == _signs(torch, dtype)


# -- the argument parser's TypeErrors ----------------------------------------------------------

_INTS = [2.0, True, "2", None, (2.0, 2), (2, 2.0), (True, 1), (2, True), (None, 2), [2.0]]
_INTS += [np.int64(2), np.float64(2.0), [], 1j, (2, np.float64(2.0))]
_BOOLS = [1, 0, 1.0, "x", None, np.bool_(True)]

_CALLS = {
    "max_pool1d": ((2, 3, 8), {"kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1}),
    "max_pool2d": ((2, 3, 6, 6), {"kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1}),
    "max_pool3d": ((1, 2, 4, 4, 4), {"kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1}),
    "avg_pool1d": ((2, 3, 8), {"kernel_size": 2, "stride": 2, "padding": 0}),
    "avg_pool2d": ((2, 3, 6, 6), {"kernel_size": 2, "stride": 2, "padding": 0}),
    "avg_pool3d": ((1, 2, 4, 4, 4), {"kernel_size": 2, "stride": 2, "padding": 0}),
    "adaptive_avg_pool2d": ((2, 3, 6, 6), {"output_size": 2}),
    "adaptive_avg_pool3d": ((1, 2, 4, 4, 4), {"output_size": 2}),
    "adaptive_max_pool1d": ((2, 3, 8), {"output_size": 2}),
    "adaptive_max_pool2d": ((2, 3, 6, 6), {"output_size": 2}),
    "lp_pool1d": ((2, 3, 8), {"norm_type": 2, "kernel_size": 2, "stride": 2}),
    "lp_pool2d": ((2, 3, 6, 6), {"norm_type": 2, "kernel_size": 2, "stride": 2}),
    "lp_pool3d": ((1, 2, 4, 4, 4), {"norm_type": 2, "kernel_size": 2, "stride": 2}),
    "fold": ((2, 12, 9), {"output_size": 4, "kernel_size": 2, "dilation": 1, "padding": 0}),
    "unfold": ((2, 3, 4, 4), {"kernel_size": 2, "dilation": 1, "padding": 0, "stride": 1}),
}
_BOOL_ARGUMENTS = {
    "max_pool1d": "ceil_mode",
    "max_pool2d": "ceil_mode",
    "max_pool3d": "ceil_mode",
    "avg_pool1d": "count_include_pad",
    "avg_pool2d": "ceil_mode",
    "avg_pool3d": "count_include_pad",
}


def _pool(t, name, shape, kwargs, requires_grad=False):
    x = t.tensor(np.arange(math.prod(shape), dtype=np.float64).reshape(shape) % 7)
    out = getattr(t.nn.functional, name)(x.requires_grad_(requires_grad), **kwargs)
    return out[0] if isinstance(out, tuple) else out


_INT_CASES = [
    (name, argument, value)
    for name, (_, base) in _CALLS.items()
    for argument in base
    if argument != "norm_type"
    for value in _INTS
    if not (name.startswith("lp_pool") and isinstance(value, np.integer | tuple))
]


@pytest.mark.parametrize(("name", "argument", "value"), _INT_CASES, ids=str)
def test_int_list_arguments_of_other_types(name, argument, value) -> None:
    """kernel_size, stride, padding, dilation and output_size: PyTorch's parser checks the
    first element (the message names it only for a positional argument), and unpacks the
    rest with other words."""
    shape, base = _CALLS[name]
    _same(lambda t: _pool(t, name, shape, {**base, argument: value}))


@pytest.mark.parametrize(("name", "argument"), _BOOL_ARGUMENTS.items())
@pytest.mark.parametrize("value", _BOOLS, ids=repr)
def test_bool_arguments_must_be_bools(name, argument, value) -> None:
    shape, base = _CALLS[name]
    _same(lambda t: _pool(t, name, shape, {**base, argument: value}))


@pytest.mark.parametrize("name", ["max_pool1d", "max_pool2d", "max_pool3d"])
@pytest.mark.parametrize("value", [2.0, (2, None), 1])
def test_max_pool_with_indices_parses_under_its_own_name(name, value) -> None:
    shape, base = _CALLS[name]
    kwargs = {**base, "return_indices": True, "ceil_mode": value if value == 1 else False}
    if value != 1:
        kwargs["kernel_size"] = value
    _same(lambda t: _pool(t, name, shape, kwargs))


@pytest.mark.parametrize("name", ["avg_pool2d", "avg_pool3d"])
@pytest.mark.parametrize("value", [2.0, True, "2", (2,), np.int64(2), np.float64(2.0)], ids=repr)
def test_divisor_override_must_be_an_int(name, value) -> None:
    shape, base = _CALLS[name]
    _same(lambda t: _pool(t, name, shape, {**base, "divisor_override": value}))


@pytest.mark.parametrize("name", ["avg_pool1d", "avg_pool2d", "avg_pool3d"])
@pytest.mark.parametrize("position", range(5))
@pytest.mark.parametrize("value", [2.0, (2.0, 2), (2, 2.0), "2", 1])
def test_avg_pool_messages_name_the_positions_of_positional_arguments(
    name, position, value
) -> None:
    """avg_pool is a builtin: the parser sees the arguments as the caller gave them."""
    shape, _ = _CALLS[name]
    args = [2, 2, 0, False, True][: position + 1]
    args[position] = value

    def run(t):
        x = t.zeros(shape)
        return getattr(t.nn.functional, name)(x, *args)

    _same(run)


@pytest.mark.parametrize(
    ("name", "argument"),
    [(name, argument) for name in ("max_pool1d", "avg_pool1d") for argument in _CALLS[name][1]],
)
@pytest.mark.parametrize("value", [(2, 2), (), (1, 1, 1)])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_1d_pools_take_one_int_per_argument(name, argument, value, requires_grad) -> None:
    shape, base = _CALLS[name]
    _same(lambda t: _pool(t, name, shape, {**base, argument: value}, requires_grad))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 0},
        {"kernel_size": 2, "stride": 0},
        {"kernel_size": 2, "dilation": 0},
        {"kernel_size": 2, "padding": -1},
        {"kernel_size": 2, "padding": 2},
        {"kernel_size": 9},
        {"kernel_size": 2, "return_indices": True, "padding": 2},
    ],
    ids=str,
)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_max_pool1d_checks_with_its_own_words_with_or_without_a_graph(
    kwargs, requires_grad
) -> None:
    _same(lambda t: _pool(t, "max_pool1d", (2, 3, 8), kwargs, requires_grad))


def test_max_pool1d_refuses_integers_only_without_a_graph() -> None:
    _same(lambda t: t.nn.functional.max_pool1d(t.zeros(2, 3, 8, dtype=t.int64), 2, padding=5))
    _same(lambda t: t.nn.functional.max_pool1d(t.zeros(2, 3, 8, dtype=t.int64), 2))


@pytest.mark.parametrize(
    ("cls", "shape", "kwargs"),
    [
        ("AvgPool2d", (2, 3, 6, 6), {"kernel_size": 2.0}),
        ("AvgPool2d", (2, 3, 6, 6), {"kernel_size": 2, "divisor_override": 2.0}),
        ("AvgPool3d", (1, 2, 4, 4, 4), {"kernel_size": 2, "ceil_mode": 1}),
        ("MaxPool2d", (2, 3, 6, 6), {"kernel_size": 2, "stride": (2, 2.0)}),
        ("AdaptiveAvgPool2d", (2, 3, 6, 6), {"output_size": (2.0, 2)}),
        ("Fold", (2, 12, 9), {"output_size": 4.0, "kernel_size": 2}),
        ("Unfold", (2, 3, 4, 4), {"kernel_size": "2"}),
        ("LPPool2d", (2, 3, 6, 6), {"norm_type": 2, "kernel_size": (2, 2.0)}),
        ("LPPool2d", (2, 3, 6, 6), {"norm_type": 2, "kernel_size": "2"}),
    ],
)
def test_layers_raise_the_parser_errors(cls, shape, kwargs) -> None:
    _same(lambda t: getattr(t.nn, cls)(**kwargs)(t.zeros(shape)))
