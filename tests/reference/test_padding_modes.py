"""F.pad's reflect, replicate and circular modes, their layers and the convolutions' padding_mode,
each compared with real PyTorch: values, dtypes, errors (type and words), grad_fn names, the
double-backward nodes and the padding layers' reprs. (Gradients and second derivatives are in
test_op_gradients.py's table, rows from ops_padding.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

MODES = ("reflect", "replicate", "circular")


def _outcome(namespace, call):
    """What `call(namespace)` gives: its values, shape and dtype, or its error's type and text."""
    try:
        out = call(namespace)
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return type(error).__name__, str(error)
    return tuple(out.shape), str(out.dtype), out.tolist()


def _same(call):
    theirs = _outcome(torch, call)
    assert _outcome(ref, call) == theirs
    return theirs


def _arange(t, shape, dtype="float32"):
    return t.arange(int(np.prod(shape))).reshape(shape).to(getattr(t, dtype))


# Widths that pad, crop (negative), reach the limits, or break them, on 1, 2 and 3 padded dims.
WIDTHS = [
    ((2, 3, 5), (1, 2)),
    ((3, 5), (4, 4)),
    ((3, 5), (5, 0)),
    ((3, 5), (-1, 2)),
    ((3, 5), (2, -1)),
    ((3, 5), (-2, -2)),
    ((3, 5), (-3, -2)),
    ((1, 5), (-7, 1)),
    ((1, 4), (-2, 3)),
    ((1, 4), (3, 3)),
    ((2, 3, 4), (4, 0, 3, 0)),
    ((2, 3, 4), (1, 2, 2, 1)),
    ((2, 3, 4), (-1, 2, 2, -1)),
    ((2, 3, 4), (-4, 0, 0, 0)),
    ((2, 3, 4), (-4, 0, -3, 0)),
    ((2, 3, 4), (-9, 0, 0, 0)),
    ((3, 4, 5), (-9, 0, 0, 0)),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)),
    ((2, 3, 4, 5), (1, -1, 2, 0, -1, 2)),
    ((2, 3, 4, 5), (-5, 0, -4, 0, -3, 0)),
    ((2, 3, 4, 5), (-9, 0, -9, 0, 0, 0)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("shape", "widths"), WIDTHS)
def test_values_and_errors_match_torch(mode, shape, widths) -> None:
    _same(lambda t: t.nn.functional.pad(_arange(t, shape), widths, mode=mode))


EMPTY = [((0, 3, 4), (1, 1)), ((2, 0, 4), (1, 1)), ((2, 3, 0), (0, 0)), ((0, 4), (1, 1))]
EMPTY += [((0, 3, 4), (1, 1, 1, 1)), ((1, 0, 2, 2), (1, 1, 1, 1, 1, 1))]
EMPTY += [((0, 2, 3, 4, 4), (1, 1, 1, 1, 1, 1))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("shape", "widths"), EMPTY)
def test_only_the_batch_may_be_empty_except_in_circular_mode(mode, shape, widths) -> None:
    _same(lambda t: t.nn.functional.pad(t.ones(shape), widths, mode=mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("shape", "widths"),
    [
        ((5,), (1, 1)),
        ((2, 3), ()),
        ((2, 3), (1, 1, 1, 1)),
        ((2, 2, 2, 2), (1, 1)),
        ((2, 2, 2), (1,) * 6),
    ],
)
def test_the_rank_must_fit_the_number_of_padded_dims(mode, shape, widths) -> None:
    error = _same(lambda t: t.nn.functional.pad(t.ones(shape), widths, mode=mode))
    assert error[0] == "NotImplementedError"


@pytest.mark.parametrize("mode", [*MODES, "zeros"])
@pytest.mark.parametrize(
    ("widths", "value"),
    [((1,), None), ((1, 1, 1, 1, 1, 1), None), ((1.5, 1), None), ((1, 1), 1.0), ((1, 1), 0)],
)
def test_argument_checks_come_in_torchs_order(mode, widths, value) -> None:
    _same(lambda t: t.nn.functional.pad(t.ones(2, 3), widths, mode=mode, value=value))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float64", "complex64"]
)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_dtypes_kept_and_bool_refused_by_the_kernels(mode, dtype, dims) -> None:
    shape = (2,) * (dims + 1)
    _same(lambda t: t.nn.functional.pad(_arange(t, shape, dtype), (1, 0) * dims, mode=mode))


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_node_names_and_their_double_backward(mode, dims) -> None:
    seen = []
    for t in (torch, ref):
        x = t.ones((1, 2) + (3,) * dims, dtype=t.float64, requires_grad=True)
        y = t.nn.functional.pad(x, (2, 1) * dims, mode=mode)
        g = t.ones_like(y, requires_grad=True)
        (gx,) = t.autograd.grad(y, x, g, create_graph=True)
        edges = [type(n).__name__ for n, _ in gx.grad_fn.next_functions]
        second = t.autograd.grad(gx.sum(), [g, x], allow_unused=True)
        seen.append((type(y.grad_fn).__name__, type(gx.grad_fn).__name__, edges))
        seen.append([s.tolist() for s in second])
    assert seen[0] == seen[2]
    assert seen[0][1].endswith("BackwardBackward0")
    assert seen[1] == seen[3]


def _graph(node):
    if node is None:
        return None
    return type(node).__name__, tuple(_graph(n) for n, _ in node.next_functions)


@pytest.mark.parametrize(
    ("shape", "widths"), [((2, 5), (1, 2)), ((2, 3, 4), (-1, 2, 1, 0)), ((1, 2, 2, 3), (1,) * 6)]
)
def test_circular_is_composed_of_copies_into_slices_as_in_torch(shape, widths) -> None:
    graphs = []
    for t in (torch, ref):
        x = t.ones(shape, requires_grad=True)
        graphs.append(_graph(t.nn.functional.pad(x, widths, mode="circular").grad_fn))
    assert graphs[0] == graphs[1]
    assert graphs[0][0] == "CopySlices"


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_the_backward_saves_the_input_so_an_in_place_change_fails_it(mode) -> None:
    errors = []
    for t in (torch, ref):
        x = t.ones(2, 4, requires_grad=True)
        a = x * 1
        y = t.nn.functional.pad(a, (1, 2), mode=mode)
        a.mul_(2)
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        errors.append(str(error.value).split(" Hint")[0])
    assert errors[0] == errors[1]


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_gradients_add_up_in_torchs_order_bit_for_bit(mode) -> None:
    """Input positions read by several output positions sum their gradients in output order."""
    grads = []
    upstream = np.random.default_rng(3).standard_normal((2, 6, 7)).astype(np.float32)
    for t in (torch, ref):
        x = t.zeros(2, 3, 4, requires_grad=True)
        t.nn.functional.pad(x, (3, 0, 2, 1), mode=mode).backward(t.tensor(upstream))
        grads.append(np.asarray(x.grad.tolist(), dtype=np.float32))
    np.testing.assert_array_equal(grads[0], grads[1])


LAYERS = [
    ("ReflectionPad1d", 2, (2, 5)),
    ("ReflectionPad2d", (1, 0, 2, 1), (1, 3, 3)),
    ("ReflectionPad3d", 1, (1, 1, 2, 2, 2)),
    ("ReplicationPad1d", [3, 1], (2, 1, 2)),
    ("ReplicationPad2d", 2, (2, 2, 2)),
    ("ReplicationPad3d", (1, 0, 0, 1, 1, 0), (1, 2, 2, 2)),
    ("CircularPad1d", 2, (1, 3)),
    ("CircularPad2d", (1, 2, 0, 1), (2, 2, 3)),
    ("CircularPad3d", 1, (1, 1, 2, 2, 2)),
    ("CircularPad1d", 1, (1, 1, 2, 2)),
    ("CircularPad2d", 1, (4,)),
    ("ReflectionPad1d", (1, 2, 3), (2, 5)),
]


@pytest.mark.parametrize(("name", "padding", "shape"), LAYERS)
def test_padding_layers_match_torch(name, padding, shape) -> None:
    def run(t):
        layer = getattr(t.nn, name)(padding)
        return repr(layer), layer.padding, _outcome(t, lambda t: layer(_arange(t, shape)))

    assert run(ref) == run(torch)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("dims", "settings"),
    [
        (1, {"padding": 2, "stride": 2}),
        (2, {"padding": "same", "dilation": 2}),
        (2, {"padding": (1, 2)}),
        (3, {"padding": 1, "groups": 2}),
    ],
)
def test_convolutions_pad_in_their_padding_mode(mode, dims, settings) -> None:
    x = np.random.default_rng(0).standard_normal((1, 2) + (5,) * dims)

    def run(t):
        conv = getattr(t.nn, f"Conv{dims}d")(2, 4, 3, padding_mode=mode, **settings).double()
        with t.no_grad():
            w = t.linspace(-1, 1, conv.weight.numel(), dtype=t.float64)
            conv.weight.copy_(w.reshape(conv.weight.shape))
            conv.bias.zero_()
        xt = t.tensor(x, requires_grad=True)
        y = conv(xt)
        y.backward(t.ones_like(y))
        return repr(conv), np.asarray(y.tolist()), np.asarray(xt.grad.tolist())

    theirs, ours = run(torch), run(ref)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_transposed_convolutions_refuse_other_padding_modes(dims) -> None:
    name = f"ConvTranspose{dims}d"
    _same(lambda t: getattr(t.nn, name)(2, 2, 3, padding_mode="reflect"))


def test_the_pads_are_not_in_the_torch_namespace() -> None:
    """PyTorch has them in torch._C._nn only; torch.constant_pad_nd is its one public pad."""
    for name in ("reflection_pad1d", "replication_pad2d", "_pad_circular"):
        assert not hasattr(torch, name)
        assert not hasattr(ref, name)
    assert hasattr(torch, "constant_pad_nd")
    assert hasattr(ref, "constant_pad_nd")


def test_a_create_graph_backward_through_a_circular_pad_records_torchs_graph() -> None:
    """The input's first derivative runs through the circular pad's CopySlices, which under
    create_graph records PyTorch's copy, as_strided and copy-back nodes (the row
    conv2d-circular-padding checks the second derivatives' values)."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3))
    v = rng.standard_normal((1, 2, 3, 3))
    seen = []
    for t in (torch, ref):
        xt, wt = t.tensor(x, requires_grad=True), t.tensor(w, requires_grad=True)
        padded = t.nn.functional.pad(xt, (1, 1, 1, 1), mode="circular")
        y = t.nn.functional.conv2d(padded, wt)
        gx, gw = t.autograd.grad((y * t.tensor(v)).sum(), [xt, wt], create_graph=True)
        seen.append((_graph(gx.grad_fn), _graph(gw.grad_fn)))
    assert seen[1] == seen[0]
    assert "CopyBackwards" in str(seen[0][0]) and "AsStridedBackward0" in str(seen[0][0])
