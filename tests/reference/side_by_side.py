"""One call run on the reference engine and on real PyTorch, and the two outcomes compared:
the helper the convolution and pooling tests share (values and dtypes of every output, or the
error's type and message)."""

from __future__ import annotations

import numpy as np
import torch

import conformance.reference as ref


def outcome(t, make):
    """(values, dtype) per output, or (error type, message)."""
    try:
        out = make(t)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))
    outs = out if isinstance(out, tuple) else (out,)
    return tuple((o.detach().float().numpy(), str(o.dtype)) for o in outs)


def assert_same(make, rtol: float, atol: float) -> None:
    """The same error, or outputs of the same dtypes and shapes whose values agree within
    rtol and atol (0 and 0: exactly, NaN equal to NaN)."""
    ours, theirs = outcome(ref, make), outcome(torch, make)
    if isinstance(theirs[0], str):
        assert ours == theirs
        return
    assert not isinstance(ours[0], str), ours
    assert len(ours) == len(theirs)
    for (a, a_dtype), (b, b_dtype) in zip(ours, theirs, strict=True):
        assert a_dtype == b_dtype
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
