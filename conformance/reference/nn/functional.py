"""torch.nn.functional: layers and losses as functions.

Where PyTorch computes a function with one kernel and one backward node (linear's addmm,
mse_loss, nll_loss, the binary cross entropies, batch norm), it is declared as one op with
its derivatives beside it (see ops/define.py), under PyTorch's node name, so `grad_fn` and
`next_functions` read as they do in PyTorch. Where PyTorch composes other ops (l1_loss,
cross_entropy, dropout), so does the reference, and the graph shows the same steps.

This module is the namespace only. The functions live beside it, by family: linear.py,
activations.py, distances.py (normalize, cosine_similarity, pairwise_distance), embedding.py
(with one_hot), normalization.py (layer_norm, batch_norm), padding.py, dropout.py, losses.py
(mse, l1, smooth L1, Huber, KL) and cross_entropy.py (nll, cross entropy, the binary cross
entropies); reduction.py holds what the losses share, common.py what several families share.
"""

from __future__ import annotations

from conformance.reference.nn import more_functional as _more_functional

# The names imported `as` themselves are re-exported although they are not in __all__ (nor in
# torch's API): they are reached through this namespace (nn.modules calls F._dim, F._reduction).
from conformance.reference.nn.activations import (
    elu,
    elu_,
    gelu,
    glu,
    hardtanh,
    hardtanh_,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    relu,
    relu6,
    relu_,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    tanh,
    threshold,
    threshold_,
)
from conformance.reference.nn.common import _dim as _dim
from conformance.reference.nn.common import broadcast_shapes as broadcast_shapes
from conformance.reference.nn.convolution import conv1d, conv2d
from conformance.reference.nn.cross_entropy import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from conformance.reference.nn.distances import cosine_similarity, normalize, pairwise_distance
from conformance.reference.nn.dropout import dropout
from conformance.reference.nn.embedding import embedding, one_hot
from conformance.reference.nn.linear import addmm as addmm
from conformance.reference.nn.linear import linear
from conformance.reference.nn.linear import mm as mm
from conformance.reference.nn.losses import huber_loss, kl_div, l1_loss, mse_loss, smooth_l1_loss
from conformance.reference.nn.losses import mse_loss_backward as mse_loss_backward
from conformance.reference.nn.more_functional import *  # noqa: F403 - selu, group_norm, ...
from conformance.reference.nn.normalization import batch_norm, layer_norm
from conformance.reference.nn.padding import constant_pad_nd as constant_pad_nd
from conformance.reference.nn.padding import pad
from conformance.reference.nn.pooling import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from conformance.reference.nn.reduction import _reduction as _reduction
from conformance.reference.nn.resampling import bilinear, interpolate

__all__ = [
    "linear",
    "relu",
    "relu_",
    "leaky_relu",
    "relu6",
    "hardtanh",
    "hardtanh_",
    "elu",
    "elu_",
    "silu",
    "softplus",
    "logsigmoid",
    "softsign",
    "mish",
    "threshold",
    "threshold_",
    "glu",
    "gelu",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "one_hot",
    "embedding",
    "layer_norm",
    "pad",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "dropout",
    "batch_norm",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "interpolate",
    "bilinear",
    *_more_functional.__all__,
]
