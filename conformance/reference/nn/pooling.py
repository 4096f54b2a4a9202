"""Pooling of torch.nn.functional (max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d), with
PyTorch's checks, node names and derivatives."""

from __future__ import annotations
