"""torch.tensor of nested data, and what x[i] saves, against real PyTorch."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import conformance.reference as ref


@pytest.mark.parametrize(
    "data",
    [[[1, 2], [1, 2, 3]], [[[1], [2]], [[1], [2, 3]]], [[1.5, 2], [3, 4, 5], [6]]],
    ids=["rows", "deep", "three-rows"],
)
def test_ragged_nested_lists_raise_pytorchs_error(data):
    with pytest.raises(ValueError) as theirs:
        torch.tensor(data)
    with pytest.raises(ValueError) as ours:
        ref.tensor(data)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "data",
    [[[1, 2], [3, 4]], [True, False], [1, 2.5], [[1.0], [2.0]], [], [[], []], 3, 2.5, True],
)
def test_nested_data_gives_pytorchs_values_dtype_and_shape(data):
    ours, theirs = ref.tensor(data), torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    "make_index", [lambda t: t.tensor([0, 2]), lambda t: t.tensor([True, False, True])]
)
def test_changing_an_index_tensor_after_indexing_breaks_backward_as_in_pytorch(make_index):
    """x[i] saves i: modifying i in place makes the backward raise, with PyTorch's message."""
    messages = []
    for t in (ref, torch):
        x = t.ones(3, requires_grad=True)
        index = make_index(t)
        y = x[index]
        index.fill_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            y.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("modified", ["input", "output"])
def test_sgn_saves_its_input_and_output_as_pytorch_does(modified):
    """sgn's gradient is zero for real numbers, but PyTorch's formula (written for complex
    ones too) saves self and the result: modifying either in place breaks the backward
    (random program seed 11532). sign saves neither."""
    for t in (ref, torch):
        x = t.ones(3, requires_grad=True)
        y = x * 1
        z = t.sgn(y)
        (y if modified == "input" else z).mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        y = x * 1
        z = t.sign(y)
        (y if modified == "input" else z).mul_(2)
        z.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dim", [None, 1])
def test_aminmax_saves_its_outputs_as_pytorch_does(dim):
    """AminmaxBackward0 reads the saved min and max (as PyTorch's aminmax_backward does):
    changing one in place breaks the backward (random program seed 24366)."""
    messages = []
    for t in (ref, torch):
        x = t.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
        low, high = t.aminmax(x) if dim is None else t.aminmax(x, dim=dim)
        high.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            low.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


RESULT_READERS = {
    "pow-tensor": lambda t, x: t.pow(x, t.full((3,), 2.0)),  # e's derivative reads the result
    "ldexp-float": lambda t, x: t.ldexp(x, t.ones(3)),
    "ldexp-int": lambda t, x: t.ldexp(x, t.ones(3, dtype=t.int64)),
    "exp": lambda t, x: t.exp(x),
    "atan2": lambda t, x: t.atan2(x, t.ones(3)),  # saves no result: the backward works
    "mul": lambda t, x: x * t.ones(3),  # neither
}


@pytest.mark.parametrize("name", list(RESULT_READERS))
def test_a_saved_result_changed_in_place_breaks_the_backward(name):
    """PyTorch saves an op's result whenever any of its derivatives reads it, and unpacks
    every saved tensor before computing: pow(x, e)'s result, read by e's derivative only,
    breaks x's backward when changed in place though e needs no gradient (random program
    seed 139377)."""

    def outcome(t):
        x = t.full((3,), 2.0, requires_grad=True)
        y = RESULT_READERS[name](t, x * 1)
        y.mul_(2)
        try:
            y.sum().backward()
        except RuntimeError as exc:
            return str(exc)
        return x.grad.tolist()

    assert outcome(ref) == outcome(torch)


EMPTY_LAYOUTS = {
    "zeros": lambda t: t.zeros(3, 0),
    "zeros-3d": lambda t: t.zeros(2, 0, 4),
    "empty": lambda t: t.empty(0, 3),
    "full": lambda t: t.full((0, 5), 1.0),
    "arange": lambda t: t.arange(0),
    "elementwise": lambda t: t.zeros(4, 0) * 2,
    "clone": lambda t: t.ones(0, 2, 3).clone(),
    "cat": lambda t: t.cat([t.zeros(0, 3), t.zeros(0, 3)]),
    "reshape": lambda t: t.zeros(0, 6).reshape(2, 0, 3),
    "slice-of-non-empty": lambda t: t.ones(2, 3)[:, :0],
    "sum-over-empty": lambda t: t.zeros(0, 3, 2).sum(0),
}


@pytest.mark.parametrize("name", list(EMPTY_LAYOUTS))
def test_empty_tensors_have_pytorchs_strides(name):
    """NumPy 2 gives new empty arrays zero strides; PyTorch lays them out contiguously, a
    dimension of size 0 stepping as one of size 1."""
    make = EMPTY_LAYOUTS[name]
    assert make(ref).stride() == make(torch).stride()
    assert make(ref).is_contiguous() == make(torch).is_contiguous()


@pytest.mark.parametrize(
    ("shape", "start", "end"),
    [((3,), 0, -1), ((2, 3), 1, 1), ((2, 3), 0, 0), ((2, 3), -1, -1), ((), 0, -1), ((2, 3), 0, 1)],
)
def test_flatten_of_nothing_to_merge_is_the_tensor_itself(shape, start, end):
    """ATen's flatten returns the tensor itself when one dimension spans start..end (no
    ViewBackward0 is recorded); a 0-d tensor still becomes a view of one element."""
    seen = []
    for t in (torch, ref):
        x = t.ones(shape, requires_grad=True)
        y = x.flatten(start, end)
        node = y.grad_fn
        seen.append((y is x, None if node is None else type(node).__name__, tuple(y.shape)))
    assert seen[1] == seen[0]


def _layouts(count, seed=0):
    """Tensors of small shapes (with size-1 and empty dims) laid out by a permutation and maybe
    a slice, each with a new shape of the same numel to view it as."""
    rng = random.Random(seed)
    for _ in range(count):
        shape = [rng.choice([0, 1, 1, 2, 3]) if rng.random() < 0.1 else rng.choice([1, 1, 2, 3, 4])]
        shape += [rng.choice([1, 1, 2, 3, 4]) for _ in range(rng.randint(0, 3))]
        order = list(range(len(shape)))
        rng.shuffle(order)
        x = torch.zeros([shape[p] for p in order]).permute(
            *[order.index(i) for i in range(len(order))]
        )
        if rng.random() < 0.3:
            d = rng.randrange(x.ndim)
            wide = torch.zeros([n * (2 if i == d else 1) for i, n in enumerate(x.shape)])
            x = wide[(slice(None),) * d + (slice(None, None, 2),)]
        n, new = x.numel(), []
        for factor in (2, 1, 3, 1, 2):
            if n and n % factor == 0 and rng.random() < 0.6:
                new.append(factor)
                n //= factor
        new = [*new, n] if n != 1 or not new else new
        rng.shuffle(new)
        yield x, new


def test_views_have_pytorchs_strides_for_size_one_and_empty_dims():
    """A size-1 dim's stride does not change what a view addresses, but PyTorch reads it
    (mm's backward asks whether an operand is column-major), so the engine gives ATen's."""
    for x, new in _layouts(1500):
        ours = ref.as_strided(ref.zeros(x.untyped_storage().nbytes() // 4), x.shape, x.stride())
        try:
            want = x.view(new).stride()
        except RuntimeError:
            want = None
        try:
            got = ours.view(new).stride()
        except RuntimeError:
            got = None
        assert got == want, (tuple(x.shape), x.stride(), new)
        assert ours.reshape(new).stride() == x.reshape(new).stride(), (x.stride(), new)


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]
DTYPES += ["float16", "bfloat16", "float32", "float64"]


def _view_as_dtype(t, source, target, shape, stride, offset, seed):
    data = np.random.default_rng(seed).integers(0, 2 if source == "bool" else 100, 400)
    flat = t.tensor(data.tolist(), dtype=getattr(t, source))
    try:
        y = t.as_strided(flat, shape, stride, offset).view(getattr(t, target))
    except RuntimeError as e:
        return str(e)
    values = y.tolist() if target == "bool" else np.asarray(y.double().tolist())
    return tuple(y.shape), y.stride(), y.storage_offset(), str(y.dtype), values


def test_view_as_dtype_reads_the_same_bytes_with_pytorchs_checks():
    """x.view(dtype) over random layouts: shapes, strides, offsets and values as PyTorch gives
    them, and PyTorch's message for the first check that fails."""
    rng = random.Random(1)
    for seed in range(600):
        source, target = rng.choice(DTYPES), rng.choice(DTYPES)
        shape = tuple(rng.choice([0, 1, 2, 3, 4]) for _ in range(rng.randint(0, 3)))
        stride = tuple(rng.choice([1, 2, 3, 5, 8]) for _ in shape)
        case = (source, target, shape, stride, rng.choice([0, 0, 1, 2]), seed)
        ours, theirs = _view_as_dtype(ref, *case), _view_as_dtype(torch, *case)
        if isinstance(theirs, str):
            assert ours == theirs, case
        else:
            assert ours[:4] == theirs[:4], case
            np.testing.assert_array_equal(ours[4], theirs[4], err_msg=str(case))


def test_view_as_dtype_shares_the_version_counter_and_is_not_differentiable():
    seen = []
    for t in (torch, ref):
        x = t.ones(2, 4, requires_grad=True)
        y = x * 2
        bits = y.view(t.int32)
        same = y.view(dtype=t.float32)
        bits.add_(1)
        seen.append(
            (bits.requires_grad, same.requires_grad, bits._base, y._version, y[0, 0].item())
        )
    assert seen[1] == seen[0]


@pytest.mark.parametrize(
    "source",
    ["x.is_sparse", "x.is_meta", "x.is_quantized", "x.is_nested", "x.is_mkldnn", "x.is_mps"]
    + ["x.get_device()", "x.is_shared()", "x.is_pinned()", "x.name", "x.dense_dim()"]
    + ["x.sparse_dim()", "x.const_data_ptr() == x.data_ptr()", "x.dim_order()"]
    + ["x.t().dim_order()", "t.ones(2, 1, 3).dim_order()", "t.ones(()).dim_order()"]
    + ["t.ones(2, 3, 4, 5).to(memory_format=t.channels_last).dim_order()"]
    + ["t.ones(3, 1).t().dim_order()", "t.ones(2, 3, 4).permute(2, 0, 1).dim_order()"],
)
def test_layout_and_backend_queries_answer_as_for_a_dense_cpu_tensor(source):
    answers = []
    for t in (torch, ref):
        answers.append(eval(source, {"t": t, "x": t.ones(2, 3)}))  # noqa: S307 - from the table
    assert answers[1] == answers[0]


@pytest.mark.parametrize(
    "source",
    ["x.new(2, 3).shape", "x.new([1, 2]).tolist()", "x.new().shape", "x.new((2, 3)).shape"]
    + ["x.new(t.Size([2, 3])).shape", "x.new(2.5)", "x.new(x).data_ptr() == x.data_ptr()"]
    + ["x.new(x)._base is x", "type(xr.new(xr).grad_fn).__name__", "xl.new([1.5]).dtype"]
    + ["x.new(t.ones(2, dtype=t.long))", "t.FloatTensor(t.ones(2, dtype=t.long))"]
    + ["t.FloatTensor(x)._base is x", "t.Tensor(t.ones(2, dtype=t.long)).dtype"]
    + ["xr.new(2).requires_grad", "t.Tensor().shape"],
)
def test_legacy_constructors(source):
    """x.new and the typed constructors: sizes make an uninitialised tensor, data is copied,
    a tensor is aliased (and must have the constructor's dtype, unless it is torch.Tensor)."""

    def outcome(t):
        names = {"t": t, "x": t.ones(2), "xr": t.ones(2, requires_grad=True)}
        names["xl"] = t.ones(2, dtype=t.long)
        try:
            return str(eval(source, names))  # noqa: S307 - an expression from the table above
        except TypeError as e:
            return str(e)

    assert outcome(ref) == outcome(torch)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_logcumsumexp_gives_no_negative_zero(dtype):
    """PyTorch's logcumsumexp log-adds every element, the first one to -inf: x + log1p(0), so
    a -0.0 comes out +0.0 (random program seed 58347, where 3 / it is +inf)."""
    values = [-0.0, float("-inf"), -0.0, 0.0]

    def signs(t):
        out = t.logcumsumexp(t.tensor(values, dtype=getattr(t, dtype)), 0)
        return [repr(v) for v in out.tolist()]

    assert signs(ref) == signs(torch)
