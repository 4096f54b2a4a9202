"""Transposed convolutions (conv_transpose1d/2d/3d) and conv3d, and their layers, against
real PyTorch: values and first and second derivatives, dtypes, output sizes, error messages,
node names, and the layers' reprs, parameters and output_size argument."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import conformance.reference as ref

# (function, input shape, weight shape, bias shape or None, keyword arguments)
CONFIGS = [
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), (3,), {"stride": 2, "output_padding": 1}),
    (
        "conv_transpose1d",
        (2, 4, 5),
        (4, 3, 3),
        (6,),
        {"stride": 1, "dilation": 3, "output_padding": 2, "groups": 2, "padding": 1},
    ),
    ("conv_transpose1d", (4, 5), (4, 2, 2), None, {"stride": 3, "padding": 1}),
    (
        "conv_transpose2d",
        (2, 4, 3, 4),
        (4, 1, 2, 3),
        (2,),
        {
            "stride": (2, 3),
            "output_padding": (1, 2),
            "groups": 2,
            "padding": (1, 0),
            "dilation": (1, 2),
        },
    ),
    ("conv_transpose2d", (4, 3, 4), (4, 2, 2, 3), None, {"stride": 2, "padding": 1}),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 3, 1, 1), (3,), {}),
    (
        "conv_transpose3d",
        (2, 4, 3, 2, 3),
        (4, 1, 2, 2, 3),
        (2,),
        {"stride": (2, 1, 2), "output_padding": (1, 0, 1), "groups": 2, "padding": (1, 0, 0)},
    ),
    (
        "conv3d",
        (2, 4, 4, 3, 5),
        (4, 2, 2, 2, 3),
        (4,),
        {"stride": (1, 2, 1), "padding": 1, "groups": 2, "dilation": (2, 1, 1)},
    ),
    ("conv3d", (4, 4, 3, 5), (2, 4, 3, 1, 3), None, {"padding": "same"}),
    ("conv3d", (1, 2, 4, 4, 4), (3, 2, 2, 2, 2), (3,), {"padding": "valid", "stride": 2}),
]


def _run(t, name, arrays, kwargs):
    """(output, first derivatives, second derivatives of the first ones' squared sum,
    the output's and the first derivatives' node names)."""
    tensors = [t.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(t.nn.functional, name)(*tensors, **kwargs)
    shape = tuple(out.shape)
    upstream = t.tensor(np.cos(np.arange(math.prod(shape))).reshape(shape).astype(arrays[0].dtype))
    firsts = t.autograd.grad(out, tensors, upstream, create_graph=True)
    total = sum((g * g).sum() for g in firsts)
    seconds = t.autograd.grad(total, tensors, allow_unused=True)
    names = (type(out.grad_fn).__name__, type(firsts[0].grad_fn).__name__)
    return (
        out.detach().numpy(),
        [g.detach().numpy() for g in firsts],
        [None if g is None else g.detach().numpy() for g in seconds],
        names,
    )


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)], ids=str)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c[0]}-{c[1]}-{c[4]}")
def test_values_and_derivatives_match_torch(config, dtype, tol) -> None:
    name, x_shape, w_shape, b_shape, kwargs = config
    rng = np.random.default_rng(3)
    shapes = [x_shape, w_shape] + ([b_shape] if b_shape else [])
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours, theirs = _run(ref, name, arrays, kwargs), _run(torch, name, arrays, kwargs)
    assert ours[0].shape == theirs[0].shape and ours[0].dtype == theirs[0].dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    for a, b in zip(ours[1] + ours[2], theirs[1] + theirs[2], strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 10)
    assert ours[3] == theirs[3]


def test_output_size_formula() -> None:
    """L_out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    for t in (ref, torch):
        out = t.nn.functional.conv_transpose2d(
            t.zeros(1, 2, 5, 4),
            t.zeros(2, 3, 3, 2),
            stride=(3, 2),
            padding=(1, 2),
            output_padding=(2, 1),
            dilation=(1, 3),
        )
        assert tuple(out.shape) == (1, 3, 4 * 3 - 2 + 2 + 2 + 1, 3 * 2 - 4 + 3 + 1 + 1)


def _outcome(t, make):
    """(values, dtype) or (error type, message)."""
    try:
        out = make(t)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))
    return (out.detach().double().numpy().tolist(), str(out.dtype), tuple(out.shape))


def _same(make):
    assert _outcome(ref, make) == _outcome(torch, make)


def _d(t, *shape, dtype="float64"):
    """Small exact values (multiples of 1/4), so every dtype's result is exact."""
    n = math.prod(shape)
    values = ((np.arange(n) % 7) - 3).reshape(shape) / 4
    return t.tensor(values, dtype=getattr(t, dtype))


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "float16", "bfloat16", "int64", "int32", "uint8", "bool"]
)
@pytest.mark.parametrize("name", ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"])
def test_transposed_dtypes(name, dtype) -> None:
    """Floating types and int64 work (int64 truncates our quarter values to 0); the CPU kernel
    has no other integer type nor bool."""
    n = int(name[-2])

    def make(t):
        x = _d(t, 1, 2, *(3,) * n, dtype=dtype)
        w = _d(t, 2, 2, *(2,) * n, dtype=dtype)
        b = _d(t, 2, dtype=dtype)
        return getattr(t.nn.functional, name)(x, w, b, stride=2)

    _same(make)


@pytest.mark.parametrize(
    "kernel, kwargs",
    [(2, {"stride": (1, 2, 1)}), (1, {}), (1, {"dilation": (1, 2, 1)}), (1, {"padding": 1})],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int32", "uint8", "bool"])
def test_conv3d_dtypes(dtype, kernel, kwargs) -> None:
    """bool's error names the kernel PyTorch would pick (the dilated one, or the column
    builder unless no columns are needed)."""

    def make(t):
        x = _d(t, 1, 2, 3, 3, 3, dtype=dtype)
        return t.nn.functional.conv3d(x, _d(t, 2, 2, *(kernel,) * 3, dtype=dtype), **kwargs)

    _same(make)


def test_transposed_bias_dtype() -> None:
    """A float64 input takes a float32 bias (added in float64, its gradient back in float32);
    a float32 input's oneDNN kernel refuses another dtype."""
    for t in (ref, torch):
        bias = t.full((2,), 0.1, dtype=t.float32, requires_grad=True)
        out = t.nn.functional.conv_transpose1d(_d(t, 1, 2, 3), _d(t, 2, 2, 2), bias)
        assert out.dtype == t.float64
        out.sum().backward()
        assert bias.grad.dtype == t.float32 and bias.grad.tolist() == [4.0, 4.0]
    # (PyTorch picks oneDNN for a batch above 1; for a batch of 1 it may add the bias.)
    _same(
        lambda t: t.nn.functional.conv_transpose1d(
            _d(t, 2, 2, 3, dtype="float32"), _d(t, 2, 2, 2, dtype="float32"), _d(t, 2)
        )
    )


ERRORS = [
    # output_padding must be smaller than the stride or the dilation, per dimension.
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"stride": 2, "output_padding": 2}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"dilation": 3, "output_padding": 3}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 2, 2), None, {"output_padding": 1}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 2, 2), None, {"stride": 2, "output_padding": (1, 2)}),
    ("conv_transpose3d", (1, 4, 3, 3, 3), (4, 2, 2, 2, 2), None, {"output_padding": 1}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"output_padding": -1, "stride": 2}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"padding": -1}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"stride": 0}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"dilation": 0}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"dilation": -1}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 2, 2), None, {"dilation": 0}),
    ("conv_transpose3d", (1, 4, 3, 3, 3), (4, 2, 2, 2, 2), None, {"dilation": (1, 0, 1)}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"groups": 0}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"groups": 3}),
    ("conv_transpose1d", (2, 4, 5), (2, 3, 3), None, {"groups": 4}),
    ("conv_transpose1d", (2, 4, 5), (3, 3, 3), None, {}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), (4,), {}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3, 3), None, {}),
    ("conv_transpose1d", (2, 4, 5), (4, 3), None, {}),
    ("conv_transpose1d", (5,), (4, 3, 3), None, {}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"padding": 5}),
    ("conv_transpose3d", (1, 4, 3, 3, 3), (4, 2, 2, 2, 2), None, {"padding": 4}),
    ("conv_transpose1d", (1, 4, 0), (4, 3, 3), None, {}),
    ("conv_transpose3d", (1, 4, 3, 0, 3), (4, 2, 2, 2, 2), None, {}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 2, 2), None, {"output_padding": (1, 1, 1)}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 2, 2), None, {"stride": (1, 1, 1)}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"stride": (1, 2)}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"padding": "same"}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), None, {"stride": 2.0}),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 2, 2, 2), None, {"dilation": (1, 0, 1)}),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 2, 2, 2), None, {"padding": (1, 1)}),
    ("conv3d", (1, 2, 3, 0, 3), (2, 2, 2, 2, 2), None, {}),
    ("conv3d", (1, 2, 3, 0, 3), (2, 2, 2, 2, 2), None, {"padding": 1}),
    ("conv3d", (2, 3, 3), (2, 2, 1, 1, 1), None, {}),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 2, 2, 2), None, {"padding": "same", "stride": 2}),
    ("conv3d", (1, 2, 3, 3, 3), (2, 2, 2, 2, 2), None, {"padding": "full"}),
    ("conv2d", (1, 2, 3, 3), (2, 2, 2, 2), None, {"dilation": 0}),
    ("conv1d", (1, 2, 0), (2, 2, 2), None, {"padding": 2}),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[4]}")
def test_errors_match_torch(case) -> None:
    name, x_shape, w_shape, b_shape, kwargs = case

    def make(t):
        bias = None if b_shape is None else _d(t, *b_shape)
        return getattr(t.nn.functional, name)(_d(t, *x_shape), _d(t, *w_shape), bias, **kwargs)

    outcome = _outcome(ref, make)
    assert isinstance(outcome[0], str), outcome  # every case is an error
    assert outcome == _outcome(torch, make)


def test_argument_types_and_dtype_mismatch() -> None:
    F = "conv_transpose1d"
    _same(lambda t: getattr(t.nn.functional, F)(_d(t, 2, 4, 5), _d(t, 4, 3, 3), 1))
    _same(lambda t: getattr(t.nn.functional, F)(_d(t, 2, 4, 5), 3))
    _same(lambda t: getattr(t.nn.functional, F)(_d(t, 2, 4, 5), _d(t, 4, 3, 3, dtype="float32")))
    _same(
        lambda t: getattr(t.nn.functional, F)(
            _d(t, 2, 4, 5, dtype="float32"), _d(t, 4, 3, 3, dtype="float64")
        )
    )


def test_empty_batch_and_unbatched() -> None:
    """A zero batch gives an empty output and zero weight gradient; an unbatched input's
    output is squeezed (SqueezeBackward1 on top)."""
    for t in (ref, torch):
        w = _d(t, 4, 3, 3).requires_grad_()
        out = t.nn.functional.conv_transpose1d(t.zeros(0, 4, 3, dtype=t.float64), w, stride=2)
        assert tuple(out.shape) == (0, 3, 7)
        assert type(out.grad_fn).__name__ == "ConvolutionBackward0"
        out.sum().backward()
        assert w.grad.abs().sum().item() == 0 and tuple(w.grad.shape) == (4, 3, 3)
        single = t.nn.functional.conv_transpose3d(_d(t, 4, 2, 2, 2), _d(t, 4, 1, 2, 2, 2))
        assert tuple(single.shape) == (1, 3, 3, 3)
        assert type(single.grad_fn).__name__ == "NoneType"


def test_transposed_is_the_input_gradient_of_conv() -> None:
    """conv_transpose(y, w) is the gradient of <y, conv(x, w)> in x, with output_padding
    giving back the positions the stride's rounding down dropped."""
    rng = np.random.default_rng(5)
    x = ref.tensor(rng.standard_normal((2, 4, 8, 7)), requires_grad=True)
    w = ref.tensor(rng.standard_normal((4, 2, 3, 2)))
    settings = {"stride": (2, 3), "padding": (1, 0), "dilation": (1, 2), "groups": 2}
    y = ref.nn.functional.conv2d(x, w, **settings)
    g = ref.tensor(rng.standard_normal(tuple(y.shape)))
    (expected,) = ref.autograd.grad(y, x, g)
    got = ref.nn.functional.conv_transpose2d(g, w, output_padding=(1, 1), **settings)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)


# -- the layers ------------------------------------------------------------------------------

LAYERS = [
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}, (2, 4, 5)),
    ("ConvTranspose1d", (2, 3, 3), {"bias": False, "padding": 1}, (2, 5)),
    (
        "ConvTranspose2d",
        (4, 6, (2, 3)),
        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": (1, 2)},
        (1, 4, 3, 3),
    ),
    (
        "ConvTranspose3d",
        (2, 4, (1, 2, 3)),
        {"stride": 2, "output_padding": (0, 0, 1)},
        (2, 2, 2, 3),
    ),
    ("Conv3d", (2, 4, 3), {"padding": "same"}, (1, 2, 4, 3, 4)),
    (
        "Conv3d",
        (2, 4, (1, 2, 3)),
        {"stride": (1, 2, 1), "dilation": 2, "groups": 2, "bias": False},
        (2, 5, 5, 7),
    ),
    ("Conv3d", (2, 4, 2), {"padding": 1, "padding_mode": "zeros"}, (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: f"{c[0]}-{c[2]}")
def test_layers_match_torch(layer) -> None:
    """repr, parameter shapes and init bounds; then with torch's parameters loaded, the
    output and the gradients."""
    name, args, kwargs, x_shape = layer
    ours, theirs = getattr(ref.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    for key, value in state.items():
        assert tuple(ours.state_dict()[key].shape) == tuple(value.shape)
    bound = 1 / math.sqrt(ours.weight[0].numel())  # fan_in: the weight's dims after the first
    for p in ours.parameters():
        assert p.abs().max().item() <= bound
    ours.load_state_dict({k: ref.tensor(v.numpy()) for k, v in state.items()})
    x = np.random.default_rng(1).standard_normal(x_shape).astype(np.float32)
    results = []
    for t, m in ((ref, ours), (torch, theirs)):
        xt = t.tensor(x, requires_grad=True)
        out = m(xt)
        out.square().sum().backward()
        results.append(
            [out.detach().numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]
        )
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert type(ours).__module__ == "conformance.reference.nn.modules"


def test_conv_transpose_output_size() -> None:
    """forward(input, output_size): its spatial sizes, or all of the output's, each between
    the smallest output and that plus stride - 1."""

    def layer(t):
        t.manual_seed(0)
        return t.nn.ConvTranspose2d(4, 6, (2, 3), stride=2, padding=1, groups=2, dilation=(1, 2))

    x = np.ones((1, 4, 3, 3), np.float32)
    for size in ([5, 7], (1, 6, 4, 8), [4, 8]):
        shapes = [tuple(layer(t)(t.tensor(x), output_size=size).shape) for t in (ref, torch)]
        assert shapes[0] == shapes[1]
    for size in ([9, 9], (1, 6, 9, 9), [5], [1, 2, 3, 4, 5]):
        _same(lambda t, size=size: layer(t)(t.tensor(x), output_size=size))
    _same(lambda t: layer(t)(t.tensor(x[0]), output_size=[9, 9]))
    shapes = [tuple(layer(t)(t.tensor(x[0]), output_size=[6, 4, 8]).shape) for t in (ref, torch)]
    assert shapes[0] == shapes[1] == (6, 4, 8)


def test_layer_construction_errors() -> None:
    for make in (
        lambda t: t.nn.ConvTranspose1d(2, 3, 3, padding_mode="reflect"),
        lambda t: t.nn.ConvTranspose2d(2, 3, 3, groups=2),
        lambda t: t.nn.ConvTranspose2d(3, 2, 3, groups=2),
        lambda t: t.nn.ConvTranspose3d(3, 2, 3, groups=0),
        lambda t: t.nn.Conv3d(2, 4, 3, stride=2, padding="same"),
        lambda t: t.nn.Conv3d(2, 4, 3, padding="full"),
        lambda t: t.nn.Conv3d(3, 4, 3, groups=2),
    ):
        outcomes = []
        for t in (ref, torch):
            try:
                make(t)
                outcomes.append(None)
            except ValueError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] is not None and outcomes[0] == outcomes[1]


def test_layer_attributes_and_padding_mode_set_later() -> None:
    for t in (ref, torch):
        m = t.nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1)
        assert m.transposed is True and m.output_padding == (1, 1)
        assert tuple(m.weight.shape) == (2, 4, 3, 3) and tuple(m.bias.shape) == (4,)
        c = t.nn.Conv3d(2, 4, (1, 2, 3))
        assert c.transposed is False and c.output_padding == (0, 0, 0)
        assert c.kernel_size == (1, 2, 3) and tuple(c.weight.shape) == (4, 2, 1, 2, 3)
    _same(lambda t: _with_mode(t.nn.ConvTranspose1d(2, 2, 2), "circular")(t.zeros(1, 2, 3)))


def _with_mode(m, mode):
    m.padding_mode = mode
    return m
