"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median and mode, each with the
values and the indices PyTorch returns and a gradient that scatters back through the indices."""

from __future__ import annotations

__all__: list[str] = []

TENSOR_METHODS: dict = {}
