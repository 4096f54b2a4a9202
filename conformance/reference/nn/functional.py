"""torch.nn.functional: layers and losses as functions.

Where PyTorch computes a function with one kernel and one backward node (linear's addmm,
mse_loss, nll_loss, the binary cross entropies, batch norm), it is declared as one op with
its derivatives beside it (see ops/define.py), under PyTorch's node name, so `grad_fn` and
`next_functions` read as they do in PyTorch. Where PyTorch composes other ops (l1_loss,
cross_entropy, dropout), so does the reference, and the graph shows the same steps.

This module is the namespace only. The functions live beside it, by family: linear.py,
activations.py, activation_variants.py (selu, celu, the shrinks, hardsigmoid, hardswish, prelu,
rrelu), distances.py (normalize, cosine_similarity, pairwise_distance), embedding.py (with
one_hot), normalization.py (layer_norm, batch_norm), group_and_instance_norm.py, padding.py,
pixel_shuffle.py, dropout.py, losses.py (mse, l1, smooth L1, Huber, KL), cross_entropy.py (nll,
cross entropy, the binary cross entropies), margin_losses.py (margin ranking, hinge and cosine
embedding, the soft margins, triplet) and likelihood_losses.py (Poisson and Gaussian NLL);
reduction.py holds what the losses share, common.py what several families share.
"""

from __future__ import annotations

# The names imported `as` themselves are re-exported although they are not in __all__ (nor in
# torch's API): they are reached through this namespace (nn.modules calls F._dim, F._reduction).
from conformance.reference.nn.activation_variants import (
    celu,
    celu_,
    hardshrink,
    hardsigmoid,
    hardswish,
    prelu,
    rrelu,
    rrelu_,
    selu,
    selu_,
    softshrink,
    tanhshrink,
)
from conformance.reference.nn.activations import (
    elu,
    elu_,
    gelu,
    glu,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    relu,
    relu6,
    relu_,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    tanh,
    threshold,
    threshold_,
)
from conformance.reference.nn.adaptive_pooling import (
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from conformance.reference.nn.attention import (
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from conformance.reference.nn.channel_shuffle import channel_shuffle, native_channel_shuffle
from conformance.reference.nn.common import _dim as _dim
from conformance.reference.nn.common import broadcast_shapes as broadcast_shapes
from conformance.reference.nn.convolution import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from conformance.reference.nn.cross_entropy import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from conformance.reference.nn.ctc_loss import ctc_loss
from conformance.reference.nn.distances import (
    cosine_similarity,
    normalize,
    pairwise_distance,
    pdist,
)
from conformance.reference.nn.dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from conformance.reference.nn.embedding import embedding, one_hot
from conformance.reference.nn.embedding_bag import embedding_bag
from conformance.reference.nn.folding import fold, unfold
from conformance.reference.nn.fractional_pooling import (
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from conformance.reference.nn.grid_sampling import affine_grid, grid_sample
from conformance.reference.nn.group_and_instance_norm import group_norm, instance_norm
from conformance.reference.nn.gumbel_softmax import gumbel_softmax
from conformance.reference.nn.likelihood_losses import gaussian_nll_loss, poisson_nll_loss
from conformance.reference.nn.linear import linear
from conformance.reference.nn.local_response_norm import local_response_norm
from conformance.reference.nn.losses import huber_loss, kl_div, l1_loss, mse_loss, smooth_l1_loss
from conformance.reference.nn.losses import mse_loss_backward as mse_loss_backward
from conformance.reference.nn.lp_pooling import lp_pool1d, lp_pool2d, lp_pool3d
from conformance.reference.nn.margin_losses import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from conformance.reference.nn.multi_margin_losses import multi_margin_loss, multilabel_margin_loss
from conformance.reference.nn.normalization import batch_norm, layer_norm
from conformance.reference.nn.padding import constant_pad_nd as constant_pad_nd
from conformance.reference.nn.padding import pad
from conformance.reference.nn.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from conformance.reference.nn.pooling import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
)
from conformance.reference.nn.pooling3d import avg_pool3d, max_pool3d, max_pool3d_with_indices
from conformance.reference.nn.reduction import _reduction as _reduction
from conformance.reference.nn.resampling import (
    bilinear,
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from conformance.reference.nn.rms_norm import rms_norm
from conformance.reference.nn.unpooling import max_unpool1d, max_unpool2d, max_unpool3d
from conformance.reference.ops import parsed_functions as _parsed
from conformance.reference.ops.nn_functions import adaptive_avg_pool1d

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
    "rms_norm",
    "pad",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "softmin",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
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
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "max_pool3d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "unfold",
    "fold",
    "interpolate",
    "bilinear",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "hardsigmoid",
    "hardswish",
    "prelu",
    "rrelu",
    "rrelu_",
    "group_norm",
    "instance_norm",
    "pixel_shuffle",
    "pixel_unshuffle",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "pdist",
    "triplet_margin_with_distance_loss",
    "gumbel_softmax",
    "ctc_loss",
    "embedding_bag",
    "local_response_norm",
    "channel_shuffle",
    "native_channel_shuffle",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
    "max_unpool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "leaky_relu_",
    "affine_grid",
    "grid_sample",
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d_with_indices",
]


# PyTorch's argument parser in front of the exported functions (see ops/parsed_functions.py).
_parsed.export_parsed(
    globals(), _parsed.FUNCTIONAL_INPUT, _parsed.FUNCTIONAL_OTHERS, arity_first=True
)
