"""Reductions beyond sum and mean: cumulative scans (cumprod, cummax, cummin), paired
statistics (aminmax, var_mean, std_mean), NaN-skipping sums and means, counts, histograms,
differences and distances."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
