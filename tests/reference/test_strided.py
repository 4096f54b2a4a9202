"""as_strided, Tensor.unfold and the Tensor basics of conformance/reference/ops/strided.py
(is_signed, H, mH, allclose/isclose/where as methods, expand_copy, asarray, argwhere,
block_diag, unique_consecutive, trapezoid) against real PyTorch: values, dtypes, shapes,
strides, storage offsets, which results are views, grad_fn names, gradients, warnings and
the errors for misuse.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _observe(result):
    if isinstance(result, tuple | list):
        return (type(result).__name__, *(_observe(r) for r in result))
    if not isinstance(result, ref.Tensor | torch.Tensor):
        return result
    values = result.detach()
    if result.dtype in (ref.float16, ref.bfloat16, torch.float16, torch.bfloat16):
        values = values.double()
    return (
        str(result.dtype),
        tuple(result.shape),
        tuple(result.stride()) if result.numel() else None,
        result.storage_offset() if result.numel() else None,
        type(result.grad_fn).__name__,
        result.requires_grad,
        result._base is not None,
        repr(values.tolist()),  # (nan == nan is False: compare how the values print)
    )


def _outcome(t, call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _observe(call(t))
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            result = (type(exc).__name__, str(exc))
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert ours == theirs


def _leaf(t, values, dtype=None):
    return t.tensor(values, dtype=dtype or t.float32, requires_grad=True)


# -- as_strided --------------------------------------------------------------------------------

AS_STRIDED = {
    "overlapping-windows": lambda t: t.arange(6.0).as_strided((3, 3), (1, 1)),
    "offset": lambda t: t.as_strided(t.arange(6.0), size=(2,), stride=(2,), storage_offset=1),
    "zero-stride": lambda t: t.arange(6.0).as_strided([2, 2], [0, 1]),
    "0-dim": lambda t: t.arange(6.0).as_strided((), (), 5),
    "of-a-0-dim": lambda t: t.tensor(3.0).as_strided((2,), (0,)),
    "of-a-slice-default-offset": lambda t: t.arange(6.0)[2:].as_strided((2, 2), (1, 1)),
    "of-a-slice-absolute-offset": lambda t: t.arange(6.0)[2:].as_strided((2, 2), (1, 1), 1),
    "of-a-transpose": lambda t: t.arange(6.0).reshape(2, 3).t().as_strided((3, 2), (1, 3)),
    "int64": lambda t: t.arange(6).as_strided((2, 2), (3, 1), 1),
    "bool": lambda t: t.tensor([True, False, True]).as_strided((2,), (2,)),
    "float16": lambda t: t.arange(4.0).half().as_strided((2,), (2,), 1),
    "leaf-requires-grad": lambda t: _leaf(t, [1.0, 2.0, 3.0]).as_strided((2, 2), (1, 1)),
    "beyond-storage": lambda t: t.arange(6.0).as_strided((3, 3), (2, 2), 1),
    "0-dim-beyond-storage": lambda t: t.arange(6.0).as_strided((), (), 6),
    "empty-storage": lambda t: t.zeros(0).as_strided((1,), (1,)),
    "negative-offset": lambda t: t.arange(6.0).as_strided((2,), (1,), -1),
    "negative-stride": lambda t: t.arange(6.0).as_strided((3,), (-1,)),
    "negative-size": lambda t: t.arange(6.0).as_strided((-2,), (1,)),
    "length-mismatch": lambda t: t.arange(6.0).as_strided((2, 2), (1,)),
    "size-not-a-tuple": lambda t: t.arange(6.0).as_strided(3, (1,)),
    "stride-not-a-tuple": lambda t: t.arange(6.0).as_strided((3,), 1),
    "float-size": lambda t: t.arange(6.0).as_strided((2.0,), (1,)),
    "float-offset": lambda t: t.arange(6.0).as_strided((2,), (1,), 1.0),
}


@pytest.mark.parametrize("name", AS_STRIDED)
def test_as_strided_matches_torch(name):
    _same(AS_STRIDED[name])


def test_as_strided_is_a_view_of_the_storage_sharing_the_version_counter():
    for t in (ref, torch):
        x = t.arange(6.0)
        v = x[1:].as_strided((2,), (2,), 2)
        v.add_(10)
        assert v._base is x
        assert x.tolist() == [0.0, 1.0, 12.0, 3.0, 14.0, 5.0]
        assert (x._version, v._version) == (1, 1)


def _strided_gradients(t):
    """Gradients through as_strided views of a slice, an expand and a transpose."""
    x = t.arange(8.0, dtype=t.float64, requires_grad=True)
    weights = t.tensor([[1.0, 10.0], [100.0, 1000.0]], dtype=t.float64)
    # Storage element 1 is outside x[2:]: its gradient is dropped, not sent to x[1].
    outside = x[2:].as_strided((2, 2), (1, 1), 1)
    (g_outside,) = t.autograd.grad((outside * weights).sum(), x)
    # x[:4] expanded holds each element twice: each copy gets half the gradient.
    expanded = x[:4].expand(2, 4).as_strided((3,), (1,))
    (g_expanded,) = t.autograd.grad((expanded * weights[0, :1]).sum(), x)
    transposed = x.reshape(2, 4).t().as_strided((2, 2), (4, 1), 1)
    (g_transposed,) = t.autograd.grad((transposed * weights).sum(), x)
    chained = x[1:].as_strided((3,), (2,), 2).as_strided((2, 2), (1, 1), 3)
    (g_chained,) = t.autograd.grad((chained * weights).sum(), x)
    return [
        g.tolist() + [type(out.grad_fn).__name__]
        for g, out in [
            (g_outside, outside),
            (g_expanded, expanded),
            (g_transposed, transposed),
            (g_chained, chained),
        ]
    ]


def test_as_strided_gradient_adds_up_per_storage_element_as_torch():
    assert _strided_gradients(ref) == _strided_gradients(torch)


def _writes_through_strided_views(t):
    x = t.arange(6.0, requires_grad=True)
    y = x * 1
    window = y.as_strided((2, 2), (2, 1), 1)
    window.mul_(2)  # the base's history becomes CopySlices
    (y * t.arange(6.0)).sum().backward(retain_graph=True)
    first = (y.tolist(), type(y.grad_fn).__name__, type(window.grad_fn).__name__, x.grad.tolist())
    x.grad = None
    z = x * 1
    later = z.as_strided((2,), (3,), 1)
    z.add_(1)  # the view's history is regenerated from its base's
    (later * t.tensor([2.0, 3.0])).sum().backward()
    return first, type(later.grad_fn).__name__, later.tolist(), x.grad.tolist()


def test_in_place_writes_through_as_strided_views_match_torch():
    assert _writes_through_strided_views(ref) == _writes_through_strided_views(torch)


def test_as_strided_double_backward_matches_torch():
    results = []
    for t in (ref, torch):
        x = t.tensor([0.5, -1.0, 2.0, 1.5, -0.5], dtype=t.float64, requires_grad=True)
        y = x.as_strided((3, 3), (1, 1))
        (g,) = t.autograd.grad((y**3).sum(), x, create_graph=True)
        (h,) = t.autograd.grad((g * t.arange(5.0, dtype=t.float64)).sum(), x)
        results.append((g.tolist(), h.tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


# -- unfold ------------------------------------------------------------------------------------

UNFOLD = {
    "overlapping": lambda t: t.arange(12.0).reshape(3, 4).unfold(1, 2, 1),
    "dim-0-step-2": lambda t: t.arange(12.0).reshape(3, 4).unfold(0, 2, 2),
    "negative-dim": lambda t: t.arange(12.0).reshape(3, 4).unfold(-1, 4, 3),
    "keywords": lambda t: t.arange(12.0).reshape(3, 4).unfold(dimension=1, size=2, step=2),
    "size-0": lambda t: t.arange(12.0).reshape(3, 4).unfold(1, 0, 1),
    "step-beyond": lambda t: t.zeros(2, 3).unfold(1, 3, 5),
    "0-dim": lambda t: _leaf(t, 5.0).unfold(0, 1, 1),
    "0-dim-size-0": lambda t: t.tensor(5.0).unfold(0, 0, 1),
    "int64": lambda t: t.arange(5).unfold(0, 3, 1),
    "too-large": lambda t: t.arange(12.0).reshape(3, 4).unfold(1, 5, 1),
    "0-dim-too-large": lambda t: t.tensor(5.0).unfold(0, 2, 1),
    "step-0": lambda t: t.arange(4.0).unfold(0, 2, 0),
    "negative-step": lambda t: t.arange(4.0).unfold(0, 2, -1),
    "negative-size": lambda t: t.arange(4.0).unfold(0, -1, 1),
    "dim-out-of-range": lambda t: t.arange(4.0).unfold(1, 1, 1),
    "empty-dim": lambda t: t.zeros(0, 3).unfold(0, 1, 1),
}


@pytest.mark.parametrize("name", UNFOLD)
def test_unfold_matches_torch(name):
    _same(UNFOLD[name])


def test_unfold_gradient_and_its_double_backward_match_torch():
    results = []
    for t in (ref, torch):
        x = t.arange(12.0, dtype=t.float64).reshape(3, 4).requires_grad_()
        (g,) = t.autograd.grad((x.unfold(1, 3, 1) ** 2).sum(), x, create_graph=True)
        (h,) = t.autograd.grad((g * g).sum(), x)
        results.append((g.tolist(), type(g.grad_fn).__name__, h.tolist()))
    assert results[0] == results[1]


# -- Tensor basics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float64"]
)
def test_is_signed_matches_torch(dtype):
    for fn in (
        lambda t: t.zeros(1, dtype=getattr(t, dtype)).is_signed(),
        lambda t: t.is_signed(t.zeros(1, dtype=getattr(t, dtype))),
    ):
        assert fn(ref) == fn(torch)


def _hermitian_script(attribute):
    """x.H / x.mH for 0-D to 3-D tensors, in a fresh process (the 0-D warning is once per
    process), printed for comparison."""
    return textwrap.dedent(
        f"""
        import warnings, sys
        warnings.simplefilter("always")
        name = sys.argv[1]
        if name == "torch":
            import torch as t
        else:
            import conformance.reference as t
        for n in range(4):
            x = t.zeros((2,) * n, requires_grad=True)
            for _ in range(2):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        y = x.{attribute}
                        out = (tuple(y.shape), y is x, type(y.grad_fn).__name__, y._base is x)
                    except Exception as exc:
                        out = (type(exc).__name__, str(exc))
                print(out, [str(w.message).split(" (Triggered")[0] for w in caught])
        """
    )


@pytest.mark.parametrize("attribute", ["H", "mH"])
def test_conjugate_transposes_match_torch(attribute):
    script = _hermitian_script(attribute)
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, name], capture_output=True, text=True, check=True
        ).stdout
        for name in ("reference", "torch")
    ]
    assert outputs[0] == outputs[1]
    assert "deprecated on 0-D tensors" in outputs[0]


METHODS = {
    "allclose": lambda t: t.tensor([1.0, 2.0]).allclose(t.tensor([1.0, 2.0 + 1e-7])),
    "allclose-far": lambda t: t.tensor([1.0, 2.0]).allclose(t.tensor([1.0, 2.1]), rtol=0.01),
    "allclose-dtypes": lambda t: t.tensor([1.0]).allclose(t.tensor([1])),
    "allclose-number": lambda t: t.tensor([1.0]).allclose(1.0),
    "isclose": lambda t: t.tensor([1.0, 2.0, 3.0]).isclose(t.tensor([1.0, 2.1, 3.5]), atol=0.2),
    "isclose-infinities": lambda t: t.isclose(
        t.tensor([float("inf"), -float("inf"), 1.0]), t.tensor([float("inf"), float("inf"), 1.0])
    ),
    "isclose-nan": lambda t: t.tensor([float("nan"), 1.0]).isclose(
        t.tensor([float("nan"), 1.0]), equal_nan=True
    ),
    "isclose-integers": lambda t: t.isclose(t.tensor([1, 5]), t.tensor([2, 9]), atol=1),
    "isclose-negative-rtol": lambda t: t.isclose(t.ones(2), t.ones(2), rtol=-1.0),
    "where": lambda t: t.arange(6.0).reshape(2, 3).where(t.tensor([True, False, True]), 0.0),
    "where-tensor": lambda t: t.arange(3).where(t.tensor([True, False, True]), t.zeros(3)),
    "where-keywords": lambda t: t.arange(3).where(condition=t.tensor([True, False, True]), other=2),
    "where-grad": lambda t: _leaf(t, [1.0, 2.0]).where(t.tensor([True, False]), 0.0),
    "expand_copy": lambda t: t.expand_copy(_leaf(t, [[1.0, 2.0, 3.0]]), (2, 2, 3)),
    "expand_copy-minus-one": lambda t: t.expand_copy(t.tensor([[1], [2]]), [-1, 3]),
    "expand_copy-mismatch": lambda t: t.expand_copy(t.zeros(2, 3), (4, 3)),
    "argwhere": lambda t: t.argwhere(t.tensor([[0, 1], [2, 0]])),
    "argwhere-method": lambda t: _leaf(t, [1.0, 0.0, 3.0]).argwhere(),
    "argwhere-0-dim": lambda t: t.argwhere(t.tensor(5)),
    "argwhere-0-dim-zero": lambda t: t.argwhere(t.tensor(0.0)),
}


@pytest.mark.parametrize("name", METHODS)
def test_methods_match_torch(name):
    _same(METHODS[name])


def test_expand_copy_gradient_matches_torch():
    results = []
    for t in (ref, torch):
        x = t.tensor([[1.0], [2.0]], dtype=t.float64, requires_grad=True)
        y = t.expand_copy(x, (3, 2, 4))
        (y * t.arange(24.0, dtype=t.float64).reshape(3, 2, 4)).sum().backward()
        results.append((x.grad.tolist(), y.is_contiguous(), type(y.grad_fn).__name__))
    assert results[0] == results[1]


# -- asarray -----------------------------------------------------------------------------------

ASARRAY = {
    "list": lambda t: t.asarray([1, 2, 3]),
    "list-floats": lambda t: t.asarray([1, 2.5]),
    "list-dtype": lambda t: t.asarray([1, 2], dtype=t.float64),
    "scalar": lambda t: t.asarray(3.5),
    "bool": lambda t: t.asarray(True),
    "list-requires-grad": lambda t: t.asarray([1.0, 2.0], requires_grad=True),
    "list-ints-requires-grad": lambda t: t.asarray([1, 2], requires_grad=True),
    "list-no-copy": lambda t: t.asarray([1, 2], copy=False),
    "ragged": lambda t: t.asarray([[1, 2], [3]]),
    "numpy-scalar": lambda t: t.asarray(np.float32(2.0)),
    "numpy-scalar-no-copy": lambda t: t.asarray(np.float32(2.0), copy=False),
    "numpy-int": lambda t: t.asarray(np.arange(3)),
    "numpy-cast": lambda t: t.asarray(np.arange(3.0), dtype=t.float32),
    "numpy-cast-no-copy": lambda t: t.asarray(np.arange(3.0), dtype=t.float32, copy=False),
    "tensor-cast": lambda t: t.asarray(t.arange(3.0), dtype=t.int64),
    "tensor-cast-no-copy": lambda t: t.asarray(t.arange(3.0), dtype=t.int64, copy=False),
    "int-tensor-requires-grad": lambda t: t.asarray(t.arange(3), requires_grad=True),
    "non-leaf-copy": lambda t: t.asarray(_leaf(t, [1.0, 2.0]) * 2, copy=True),
    "non-leaf-cast": lambda t: t.asarray(_leaf(t, [1.0, 2.0]) * 2, dtype=t.float64),
    "non-leaf-not-requiring-grad": lambda t: t.asarray(_leaf(t, [1.0]) * 2, requires_grad=False),
    "leaf-copy": lambda t: t.asarray(_leaf(t, [1.0, 2.0]), copy=True),
}


@pytest.mark.parametrize("name", ASARRAY)
def test_asarray_matches_torch(name):
    ours, theirs = _outcome(ref, ASARRAY[name]), _outcome(torch, ASARRAY[name])
    assert ours[0] == theirs[0]  # (the warning is once per process: see the test below)


def _aliasing(t):
    array = np.arange(3.0)
    tensor = t.arange(3.0)
    leaf = t.ones(2, requires_grad=True)
    produced = leaf * 2
    detached = t.asarray(produced, requires_grad=False)
    return (
        np.shares_memory(t.asarray(array).numpy(), array),
        np.shares_memory(t.asarray(array, copy=True).numpy(), array),
        t.asarray(tensor) is tensor,
        t.asarray(tensor, dtype=t.float32) is tensor,
        t.asarray(tensor, copy=True) is tensor,
        t.asarray(produced) is produced,
        detached is produced,
        detached.data_ptr() == produced.data_ptr(),
        detached.requires_grad,
        t.asarray(leaf, requires_grad=False) is leaf,
        leaf.requires_grad,  # asarray set it on the tensor it returned: leaf itself
    )


def test_asarray_aliases_tensors_and_arrays_as_torch():
    assert _aliasing(ref) == _aliasing(torch)


def test_asarray_warns_once_when_requires_grad_follows_the_input():
    script = textwrap.dedent(
        """
        import sys, warnings
        if sys.argv[1] == "torch":
            import torch as t
        else:
            import conformance.reference as t
        x = t.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a = t.asarray(x * 2)
            b = t.asarray(x)
            t.asarray(x, requires_grad=False)
        print(a.requires_grad, b is x, [str(w.message).split(" (Triggered")[0] for w in caught])
        """
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, name], capture_output=True, text=True, check=True
        ).stdout
        for name in ("reference", "torch")
    ]
    assert outputs[0] == outputs[1]
    assert "unspecified requires_grad" in outputs[0]


# -- block_diag, unique_consecutive, trapezoid -----------------------------------------------

OTHERS = {
    "block_diag": lambda t: t.block_diag(
        _leaf(t, [[1.0, 2.0], [3.0, 4.0]]), t.tensor(5.0), t.tensor([6.0, 7.0])
    ),
    "block_diag-promotes": lambda t: t.block_diag(t.tensor([1, 2]), t.tensor([[True]])),
    "block_diag-0-dim-does-not-promote": lambda t: t.block_diag(
        t.ones(1, dtype=t.float16), t.tensor(2.0, dtype=t.float64)
    ),
    "block_diag-empty-blocks": lambda t: t.block_diag(t.zeros(0, 2), t.ones(2, 0)),
    "block_diag-nothing": lambda t: t.block_diag(),
    "block_diag-3-dim": lambda t: t.block_diag(t.zeros(2, 2), t.zeros(1, 1, 1)),
    "block_diag-list": lambda t: t.block_diag([t.zeros(1)]),
    "unique_consecutive": lambda t: t.unique_consecutive(t.tensor([1, 1, 2, 2, 3, 1, 1, 2])),
    "unique_consecutive-all": lambda t: t.tensor([1, 1, 2, 2, 3, 1]).unique_consecutive(
        return_inverse=True, return_counts=True
    ),
    "unique_consecutive-counts": lambda t: t.unique_consecutive(
        t.tensor([1, 1, 2]), return_counts=True
    ),
    "unique_consecutive-dim-0": lambda t: t.unique_consecutive(
        t.tensor([[1, 2], [1, 2], [3, 4], [1, 2]]), return_inverse=True, return_counts=True, dim=0
    ),
    "unique_consecutive-dim-1": lambda t: t.unique_consecutive(
        t.tensor([[1, 1, 3, 1], [2, 2, 4, 2]]), return_inverse=True, return_counts=True, dim=1
    ),
    "unique_consecutive-dim-last": lambda t: t.unique_consecutive(
        t.tensor([[1, 2], [1, 2], [3, 4]]), dim=-1
    ),
    "unique_consecutive-2-dim-flattens": lambda t: t.unique_consecutive(
        t.tensor([[1, 1], [1, 2]]), return_inverse=True
    ),
    "unique_consecutive-0-dim": lambda t: t.unique_consecutive(
        t.tensor(3), return_inverse=True, return_counts=True
    ),
    "unique_consecutive-0-dim-dim": lambda t: t.unique_consecutive(t.tensor(3), dim=0),
    "unique_consecutive-empty": lambda t: t.unique_consecutive(
        t.tensor([]), return_inverse=True, return_counts=True
    ),
    "unique_consecutive-empty-dim": lambda t: t.unique_consecutive(
        t.zeros(0, 2), return_inverse=True, return_counts=True, dim=0
    ),
    "unique_consecutive-empty-other-dim": lambda t: t.unique_consecutive(t.zeros(0, 2), dim=1),
    "unique_consecutive-nan-and-zeros": lambda t: t.unique_consecutive(
        t.tensor([float("nan"), float("nan"), 0.0, -0.0, 1.0])
    ),
    "unique_consecutive-requires-grad": lambda t: t.unique_consecutive(_leaf(t, [1.0, 1.0, 2.0])),
    "unique_consecutive-bfloat16": lambda t: t.unique_consecutive(
        t.tensor([1.0, 1.0, 2.0], dtype=t.bfloat16)
    ),
    "trapezoid": lambda t: t.trapezoid(_leaf(t, [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])),
    "trapezoid-dx": lambda t: t.trapezoid(_leaf(t, [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), dx=2),
    "trapezoid-x": lambda t: t.trapezoid(
        _leaf(t, [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), t.tensor([0.0, 1.0, 3.0])
    ),
    "trapezoid-x-dim-0": lambda t: t.trapezoid(
        t.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), t.tensor([0.0, 2.0]), dim=0
    ),
    "trapezoid-x-2-dim": lambda t: t.trapezoid(
        t.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), t.tensor([[0.0, 1.0, 3.0], [0, 2, 3]])
    ),
    "trapezoid-ints": lambda t: t.trapezoid(t.tensor([1, 2, 3]), t.tensor([0, 1, 3])),
    "trapezoid-int-dx": lambda t: t.trapezoid(t.tensor([1, 2, 3]), dx=2),
    "trapezoid-float16": lambda t: t.trapezoid(t.tensor([1.0, 2.0, 3.0], dtype=t.float16)),
    "trapezoid-float16-float32-x": lambda t: t.trapezoid(
        t.tensor([1.0, 2.0, 3.0], dtype=t.float16), t.tensor([0.0, 1.0, 2.0])
    ),
    "trapezoid-no-samples": lambda t: t.trapezoid(t.zeros(2, 0)),
    "trapezoid-bool": lambda t: t.trapezoid(t.tensor([True, False])),
    "trapezoid-0-dim": lambda t: t.trapezoid(t.tensor(1.0)),
    "trapezoid-x-mismatch": lambda t: t.trapezoid(t.ones(3), t.tensor([0.0, 1.0])),
    "trapz": lambda t: t.trapz(t.tensor([1.0, 2.0, 4.0]), dx=0.5),
    "cumulative_trapezoid": lambda t: t.cumulative_trapezoid(
        _leaf(t, [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])
    ),
    "cumulative_trapezoid-x": lambda t: t.cumulative_trapezoid(
        _leaf(t, [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), t.tensor([0.0, 1.0, 3.0])
    ),
    "cumulative_trapezoid-dx-dim": lambda t: t.cumulative_trapezoid(
        t.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]), dx=0.5, dim=0
    ),
    "cumulative_trapezoid-empty": lambda t: t.cumulative_trapezoid(t.zeros(2, 0)),
    "cumulative_trapezoid-ints": lambda t: t.cumulative_trapezoid(t.tensor([1, 2, 3])),
}


@pytest.mark.parametrize("name", OTHERS)
def test_functions_match_torch(name):
    _same(OTHERS[name])


def test_unique_consecutive_records_a_node_whose_backward_raises():
    outcomes = []
    for t in (ref, torch):
        values = t.unique_consecutive(_leaf(t, [1.0, 1.0, 2.0]))
        with pytest.raises(NotImplementedError) as caught:
            values.sum().backward()
        outcomes.append(str(caught.value))
    assert outcomes[0] == outcomes[1]


def _integral_gradients(t):
    y = t.tensor([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]], dtype=t.float64, requires_grad=True)
    x = t.tensor([0.0, 1.0, 3.5], dtype=t.float64, requires_grad=True)
    weights = t.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=t.float64)
    total = t.trapezoid(y, x).sum() + t.trapezoid(y, dx=0.25, dim=0).sum()
    total = total + (t.cumulative_trapezoid(y, x) * weights).sum()
    total = total + (t.cumulative_trapezoid(y, dx=3) * weights).sum()
    total = total + (t.block_diag(y, x) * t.arange(18.0, dtype=t.float64).reshape(3, 6)).sum()
    total.backward()
    return y.grad.tolist(), x.grad.tolist()


def test_block_diag_and_trapezoid_gradients_match_torch():
    ours, theirs = _integral_gradients(ref), _integral_gradients(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
