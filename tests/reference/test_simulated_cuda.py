"""The simulated CUDA device keeps CuPy's host/device boundary, so an op that calls NumPy on a
device array fails in CI as it would on a GPU."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.reference.simulated_cuda import IMPLICIT_CONVERSION, DeviceArray, xp


def test_device_arrays_refuse_implicit_conversion_to_the_host() -> None:
    a = xp.arange(3.0)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError):
        np.exp(a)
    with pytest.raises(TypeError):
        np.where(a > 1, a, 0)
    with pytest.raises(TypeError, match="Unsupported type"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        xp.maximum(a, np.ones(3))
    assert IMPLICIT_CONVERSION.startswith("Implicit conversion")


def test_device_arrays_compute_in_the_namespace_and_come_back_with_get() -> None:
    a = xp.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]))  # a host-to-device transfer
    total = a.sum()
    assert type(total) is DeviceArray and total.ndim == 0  # CuPy's 0-d array, not a scalar
    assert float(total) == 10.0 and total.item() == 10.0
    assert xp.exp(a).get().tolist() == np.exp([[1.0, 2.0], [3.0, 4.0]]).tolist()
    assert (a @ a.T).get().tolist() == [[5.0, 11.0], [11.0, 25.0]]
    q, r = xp.linalg.qr(a)
    assert type(q) is DeviceArray and type(r) is DeviceArray
    assert xp.multiply.outer(a[0], a[1]).shape == (2, 2)


def test_writes_land_in_the_shared_memory() -> None:
    a = xp.zeros(4)
    view = a[1:3]
    view += 1
    view[0] = 5
    assert a.get().tolist() == [0.0, 5.0, 1.0, 0.0]
    assert view.base is not None and a.data.ptr + 8 == view.data.ptr


def test_flags_and_signatures_are_cupys() -> None:
    a = xp.ones((2, 3))
    assert a.flags.c_contiguous and a.flags.owndata
    assert not hasattr(a.flags, "writeable")
    with pytest.raises(TypeError, match="unexpected keyword argument 'writeable'"):
        xp.lib.stride_tricks.as_strided(a, (3,), (8,), writeable=True)
    with pytest.raises(AttributeError):
        a.T.shape = (6,)  # a copy would be needed: refused, as by NumPy and CuPy


def test_reductions_take_device_arrays_only() -> None:
    with pytest.raises(TypeError, match="'a' must be a cupy.ndarray object"):
        xp.all(2)
    assert bool(xp.all(xp.ones(2)))
