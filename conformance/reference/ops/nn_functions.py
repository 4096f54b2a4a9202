"""torch.conv2d, torch.layer_norm, torch.dropout and the other nn functions PyTorch also puts
in the torch namespace, with their ATen signatures (which differ from torch.nn.functional's:
positional arguments, integer reductions, embedding's weight first), calling the same
implementations."""

from __future__ import annotations

from typing import Any

from conformance.reference.nn import (
    activation_variants,
    activations,
    adaptive_pooling,
    group_and_instance_norm,
    likelihood_losses,
    losses,
    margin_losses,
    normalization,
    pooling,
    pooling3d,
)
from conformance.reference.nn import cross_entropy as _cross_entropy
from conformance.reference.nn import dropout as _dropout
from conformance.reference.nn import embedding as _embedding
from conformance.reference.nn.activation_variants import hardshrink, prelu
from conformance.reference.nn.channel_shuffle import channel_shuffle, native_channel_shuffle
from conformance.reference.nn.convolution import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from conformance.reference.nn.distances import cosine_similarity, pairwise_distance, pdist
from conformance.reference.nn.padding import check_crops
from conformance.reference.nn.padding import constant_pad_nd as _constant_pad_nd
from conformance.reference.nn.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from conformance.reference.nn.resampling import bilinear
from conformance.reference.nn.rms_norm import rms_norm
from conformance.reference.tensor import Tensor

__all__ = [
    "bilinear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "dropout",
    "dropout_",
    "alpha_dropout",
    "alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "rms_norm",
    "layer_norm",
    "batch_norm",
    "embedding",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "channel_shuffle",
    "native_channel_shuffle",
    "kl_div",
    "binary_cross_entropy_with_logits",
    "threshold",
    "threshold_",
    "constant_pad_nd",
    "pixel_shuffle",
    "pixel_unshuffle",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "hardshrink",
    "prelu",
    "rrelu",
    "rrelu_",
    "group_norm",
    "instance_norm",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
]

# Tensor.hardshrink and Tensor.prelu (the only ones of these that are Tensor methods).
TENSOR_METHODS = {"hardshrink": hardshrink, "prelu": prelu}

# ATen's Reduction enum: anything else means no reduction. The schemas' default, Mean, is
# read by PyTorch's Python binding as 0, so called without a reduction these functions
# return the unreduced losses (unlike torch.nn.functional's); the defaults here say 0.
_REDUCTION_NAMES = {1: "mean", 2: "sum"}


def _reduction_name(reduction: int) -> str:
    return _REDUCTION_NAMES.get(reduction, "none")


def _stride_or_kernel(stride: Any) -> Any:
    """ATen's pooling stride defaults to (): the kernel size."""
    return None if stride == () or stride == [] else stride


def _aten_max_pool(name: str, pool: Any) -> Any:
    """torch.max_pool1d/2d/3d: F's pools without return_indices (the *_with_indices functions
    return them), whose stride defaults to () for the kernel size."""

    def max_pool(
        input: Tensor,
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
    ) -> Tensor:
        return pool(input, kernel_size, _stride_or_kernel(stride), padding, dilation, ceil_mode)

    max_pool.__name__ = max_pool.__qualname__ = name
    return max_pool


max_pool1d = _aten_max_pool("max_pool1d", pooling.max_pool1d)
max_pool2d = _aten_max_pool("max_pool2d", pooling.max_pool2d)
max_pool3d = _aten_max_pool("max_pool3d", pooling3d.max_pool3d)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:
    """Always the values and the indices, as a plain tuple."""
    return tuple(adaptive_pooling.adaptive_max_pool1d(input, output_size, True))


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    return pooling.avg_pool1d(
        input, kernel_size, _stride_or_kernel(stride), padding, ceil_mode, count_include_pad
    )


@pooling._builtin("adaptive_avg_pool1d", output_size="int[]")
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d over a height of one, as PyTorch computes it (the graph ends in
    SqueezeBackward1; an output of one is a mean). A builtin (torch.nn.functional's is this
    one): output_size is parsed as the user gave it, before any other check."""
    pooling._check_1d_input(input, "adaptive_avg_pool1d")
    size = adaptive_pooling._one_int(output_size, "adaptive_avg_pool1d")
    return pooling.adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


_MISSING = object()


def _aten_dropout(name: str, feature: bool, alpha: bool, inplace: bool) -> Any:
    """torch.dropout and its kin: all three arguments are required (F.dropout's are not), a
    bad p is ATen's RuntimeError (F.dropout's own check raises ValueError), and feature
    dropout takes the channels of dim 1 of any input of two or more dimensions."""

    def aten_dropout(input: Any = _MISSING, p: Any = _MISSING, train: Any = _MISSING) -> Tensor:
        given = (input, p, train)
        if any(v is _MISSING for v in given):
            first = next(i for i, v in enumerate(given) if v is _MISSING)
            names = ("input", "p", "train")[first:]
            plural = "s" if len(names) == 1 else ""  # (PyTorch's own wording, both ways)
            listed = ", ".join(f'"{n}"' for n in names)
            raise TypeError(
                f"{name}() missing {len(names)} required positional argument{plural}: {listed}"
            )
        if p < 0 or p > 1:
            # C++ prints the double as %g does: 2, not 2.0
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")
        return _dropout._dropout(input, p, train, inplace, feature, alpha)

    aten_dropout.__name__ = aten_dropout.__qualname__ = name
    return aten_dropout


dropout = _aten_dropout("dropout", feature=False, alpha=False, inplace=False)
dropout_ = _aten_dropout("dropout_", feature=False, alpha=False, inplace=True)
alpha_dropout = _aten_dropout("alpha_dropout", feature=False, alpha=True, inplace=False)
alpha_dropout_ = _aten_dropout("alpha_dropout_", feature=False, alpha=True, inplace=True)
feature_dropout = _aten_dropout("feature_dropout", feature=True, alpha=False, inplace=False)
feature_dropout_ = _aten_dropout("feature_dropout_", feature=True, alpha=False, inplace=True)
feature_alpha_dropout = _aten_dropout(
    "feature_alpha_dropout", feature=True, alpha=True, inplace=False
)
feature_alpha_dropout_ = _aten_dropout(
    "feature_alpha_dropout_", feature=True, alpha=True, inplace=True
)


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enable: bool = True,
) -> Tensor:
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """The parameters come before the running statistics, and every argument is required.

    Known departure: F.batch_norm's Python check (more than one value per channel in
    training) is made here too; PyTorch's ATen function does not make it."""
    return normalization.batch_norm(
        input, running_mean, running_var, weight, bias, training, momentum, eps
    )


def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The weight comes first; a negative padding_idx means none (F.embedding counts a
    negative one from the end before it calls this)."""
    return _embedding.embedding(
        indices,
        weight,
        padding_idx if padding_idx >= 0 else None,
        scale_grad_by_freq=scale_grad_by_freq,
        sparse=sparse,
    )


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False):
    """The integer reduction of ATen (no 'batchmean', and no warning for a mean)."""
    output = losses.kl_div(input, target, reduction="none", log_target=log_target)
    name = _reduction_name(reduction)
    if name == "mean":
        return output.mean()
    return output.sum() if name == "sum" else output


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 0,
) -> Tensor:
    return _cross_entropy.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction_name(reduction), pos_weight=pos_weight
    )


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return activations.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return activations.threshold_(input, threshold, value)


def constant_pad_nd(input: Tensor, pad: Any, value: float = 0) -> Tensor:
    """F.pad's constant mode, with ATen's own messages for a bad pad."""
    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Length of pad should be no more than twice the number of dimensions of the input. "
            f"Pad length is {len(pad)}while the input has {input.ndim}dimensions."
        )
    check_crops(input, pad)
    return _constant_pad_nd(input, pad, value)


def selu(input: Tensor) -> Tensor:
    return activation_variants.selu(input)


def selu_(input: Tensor) -> Tensor:
    return activation_variants.selu_(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return activation_variants.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return activation_variants.celu_(input, alpha)


def _no_generator(generator: Any) -> None:
    if generator is not None:
        raise NotImplementedError("conformance.reference: rrelu's generator is not supported")


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """The fifth argument is a generator (F.rrelu's is inplace); only the global one is
    supported."""
    _no_generator(generator)
    return activation_variants.rrelu(input, lower, upper, training)


def rrelu_(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    _no_generator(generator)
    return activation_variants.rrelu_(input, lower, upper, training)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enabled: bool = True,
) -> Tensor:
    return group_and_instance_norm.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    return group_and_instance_norm.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    return margin_losses.margin_ranking_loss(
        input1, input2, target, margin, reduction=_reduction_name(reduction)
    )


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0
) -> Tensor:
    return margin_losses.hinge_embedding_loss(
        input, target, margin, reduction=_reduction_name(reduction)
    )


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    return margin_losses.cosine_embedding_loss(
        input1, input2, target, margin, reduction=_reduction_name(reduction)
    )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-06,
    swap: bool = False,
    reduction: int = 0,
) -> Tensor:
    return margin_losses.triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=_reduction_name(reduction)
    )


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool,
    full: bool,
    eps: float,
    reduction: int,
) -> Tensor:
    """Every argument is required, the reduction an integer."""
    return likelihood_losses.poisson_nll_loss(
        input, target, log_input, full, eps=eps, reduction=_reduction_name(reduction)
    )
