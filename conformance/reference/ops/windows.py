"""The window functions of signal processing: bartlett_window, blackman_window,
hamming_window, hann_window and kaiser_window.

Each follows PyTorch's kernel step by step in the window's own dtype (16-bit floats computed in
float32 and rounded after every step), so the values round as PyTorch's do (blackman's first
element is -2.98e-08 in float32, not 0). A periodic window of length N is the first N points
of the symmetric window of length N + 1, the form spectral analysis (stft) wants; lengths 0
and 1 give [] and [1.]. The result is a fresh leaf: requires_grad only marks it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import placement
from conformance.reference.ops import creation
from conformance.reference.ops.bessel_functions import _bessel
from conformance.reference.tensor import Tensor

__all__ = [
    "bartlett_window",
    "blackman_window",
    "hamming_window",
    "hann_window",
    "kaiser_window",
]


class _Steps:
    """Arithmetic on host arrays as PyTorch's kernels do it in `dtype`: each step in the
    dtype's compute type (float32 for 16-bit floats), rounded back to the dtype; a Python
    number is first rounded to the dtype (as a wrapped scalar is)."""

    def __init__(self, dtype: dtypes.dtype) -> None:
        self.store = dtype.np
        self.compute = np.float64 if dtype is dtypes.float64 else np.float32

    def __call__(self, array: Any) -> Any:
        return np.asarray(array, dtype=self.compute).astype(self.store).astype(self.compute)

    def scalar(self, value: float) -> Any:
        return self.compute(np.asarray(value, dtype=self.store))


def _window(
    name: str,
    window_length: Any,
    periodic: bool,
    dtype: Any,
    device: Any,
    requires_grad: bool,
    symmetric: Any,
) -> Tensor:
    """The checks and the shape every window shares; `symmetric(steps, n, positions)` gives
    the symmetric window of length n from positions arange(n) in the compute type."""
    if not isinstance(window_length, int | np.integer) or isinstance(window_length, bool):
        raise TypeError(
            f"{name}(): argument 'window_length' (position 1) must be int, not "
            f"{type(window_length).__name__}"
        )
    dtype = dtype or dtypes.get_default_dtype()
    if dtype.is_complex:
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{dtypes.scalar_type_name(dtype)}'"
        )
    if not dtype.is_floating_point:
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype="
            f"{dtypes.cpp_type_name(dtype)}, device=cpu, layout=Strided (default), "
            "requires_grad=false (default), pinned_memory=false, memory_format=(nullopt))"
        )
    if window_length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={window_length}"
        )
    steps = _Steps(dtype)
    if window_length <= 1:
        host = np.ones(window_length, dtype=dtype.np)
    else:
        n = window_length + 1 if periodic else window_length
        window = symmetric(steps, n, np.arange(n, dtype=steps.compute))
        host = window[:window_length].astype(dtype.np)
    dev = placement(device)
    return creation._finish(
        creation._on(dev, np.ascontiguousarray(host)), dtype, dev, requires_grad
    )


def _cosine_sum(alpha: float, beta: float) -> Any:
    """alpha - beta cos(2 pi k / (n - 1)): Hann (0.5, 0.5) and Hamming (0.54, 0.46)."""

    def symmetric(s: _Steps, n: int, k: Any) -> Any:
        angle = s(k * s.scalar(math.pi * 2.0 / (n - 1)))
        return s(s(s(np.cos(angle)) * s.scalar(-beta)) + s.scalar(alpha))

    return symmetric


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """0.5 - 0.5 cos(2 pi k / (N - 1)): zero at both ends of the symmetric window."""
    return _window(
        "hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, 0.5)
    )


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """alpha - beta cos(2 pi k / (N - 1)); the defaults are Hamming's, (0.5, 0.5) is Hann's."""
    return _window(
        "hamming_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        _cosine_sum(alpha, beta),
    )


def _blackman(s: _Steps, n: int, k: Any) -> Any:
    """0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1)), in PyTorch's order."""
    angle = s(k * s.scalar(math.pi / (n - 1)))
    four = s(s(np.cos(s(angle * s.scalar(4)))) * s.scalar(0.08))
    two = s(s(np.cos(s(angle * s.scalar(2)))) * s.scalar(0.5))
    return s(s(four - two) + s.scalar(0.42))


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _window(
        "blackman_window", window_length, periodic, dtype, device, requires_grad, _blackman
    )


def _bartlett(s: _Steps, n: int, k: Any) -> Any:
    """The triangle 2k / (N - 1), its second half reflected as 2 - 2k / (N - 1)."""
    window = s(k * s.scalar(2.0 / (n - 1)))
    half = ((n - 1) >> 1) + 1
    window[half:] = s(s(-window[half:]) + s.scalar(2))
    return window


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _window(
        "bartlett_window", window_length, periodic, dtype, device, requires_grad, _bartlett
    )


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """I0(beta sqrt(1 - ((k - a) / a)^2)) / I0(beta), a = (N - 1) / 2: the Bessel function in
    float64 here, rounded once (PyTorch evaluates it in the compute type, so the last bit may
    differ)."""

    def symmetric(s: _Steps, n: int, k: Any) -> Any:
        alpha = (n - 1) / 2.0
        ratio = (k.astype(np.float64) - alpha) / alpha
        argument = beta * np.sqrt(np.abs(1 - ratio**2))
        with np.errstate(divide="ignore"):  # the unused far branch divides by sqrt(0)
            return _bessel(argument, 0, False) / _bessel(np.float64(beta), 0, False)

    return _window(
        "kaiser_window", window_length, periodic, dtype, device, requires_grad, symmetric
    )
