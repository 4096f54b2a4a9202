"""Which exported functions PyTorch's argument parser fronts, and under which names: called
with anything but a Tensor first, torch.sum(2) raises "sum(): argument 'input' (position 1)
must be Tensor, not int" before anything runs. The engine's functions would fail later, with
another error. Read off torch 2.13 (each name called with 2); the elementwise ops check
this themselves (PointwiseOp), so they are not listed, and neither are where and normal,
whose other overloads take a number first (where(cond, 2, x), normal(0.0, 1.0, size)).
Left out too: the functions of modules that warn with a `stacklevel` (the dropouts, the
activations of nn/activations.py, grid_sample, the *_like creators, the index writes, the
counts, the random samplers, ...), since a wrapper would move their warnings one frame off
the user's line. Some of them check their tensor themselves (the *_like creators, bincount,
histc, cov, corrcoef, bernoulli, poisson); the others fail later, with another error than
PyTorch's TypeError.

Per namespace: the functions whose ATen name is the namespace prefix plus their own and whose
first parameter PyTorch labels `input` (the only one checked), then the others with their
checks, each (index of the parameter, ATen name, PyTorch's label, PyTorch's position).
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    """A long list of names, written as words."""
    return text.split()


TORCH_INPUT = _words("""
    adaptive_avg_pool1d adaptive_max_pool1d adjoint allclose alpha_dropout alpha_dropout_
    amax amin aminmax argmax argmin argsort argwhere as_strided avg_pool1d bmm broadcast_to
    celu celu_ channel_shuffle cholesky cholesky_inverse chunk clone combinations conj
    conj_physical constant_pad_nd conv_transpose1d conv_transpose2d conv_transpose3d
    count_nonzero cross cummax cummin cumprod cumsum det detach diag diag_embed diagflat
    diagonal diff dist dot dropout dropout_ equal feature_alpha_dropout
    feature_alpha_dropout_ feature_dropout feature_dropout_ flatten flip fliplr flipud
    gather gradient group_norm hardshrink imag index_reduce index_select inner inverse
    is_floating_point is_inference is_same_size is_signed isclose isreal kl_div kron
    kthvalue layer_norm ldexp log_softmax logcumsumexp logdet logsumexp matmul matrix_exp
    matrix_power max max_pool1d max_pool2d max_pool3d mean median min mm mode msort mv
    nanmean nanmedian nansum native_channel_shuffle nonzero numel outer pdist permute
    pinverse pixel_shuffle pixel_unshuffle positive prod qr ravel real renorm reshape
    resolve_conj resolve_neg rms_norm roll rot90 rrelu rrelu_ scatter_add scatter_reduce
    select selu selu_ slogdet softmax sort split_with_sizes square squeeze sum svd swapaxes
    swapdims t take threshold threshold_ tile topk trace transpose tril triu unbind unflatten
    unique_consecutive unsafe_chunk unsafe_split unsafe_split_with_sizes unsqueeze vdot
""")
TORCH_OTHERS = {
    "as_strided_scatter": (
        (0, "as_strided_scatter", "input", 1),
        (1, "as_strided_scatter", "src", 2),
    ),
    "batch_norm": ((0, "batch_norm", "input", 1),),  # (weight is Optional[Tensor]: None passes)
    "binary_cross_entropy_with_logits": (
        (0, "binary_cross_entropy_with_logits", "input", 1),
        (1, "binary_cross_entropy_with_logits", "target", 2),
    ),
    "diagonal_scatter": ((0, "diagonal_scatter", "input", 1), (1, "diagonal_scatter", "src", 2)),
    "embedding": ((0, "embedding", "weight", 1), (1, "embedding", "indices", 2)),
    "gcd_": ((1, "gcd_", "other", 2),),
    "ger": ((0, "ger", "input", 1), (1, "ger", "vec2", 2)),
    "hinge_embedding_loss": (
        (0, "hinge_embedding_loss", "input", 1),
        (1, "hinge_embedding_loss", "target", 2),
    ),
    "instance_norm": (
        (0, "instance_norm", "input", 1),
    ),  # (weight is Optional[Tensor]: None passes)
    "lcm_": ((1, "lcm_", "other", 2),),
    "lu": ((0, "_lu_with_info", "input", 1),),
    "lu_solve": ((0, "lu_solve", "input", 1), (1, "lu_solve", "LU_data", 2)),
    "lu_unpack": ((0, "lu_unpack", "LU_data", 1), (1, "lu_unpack", "LU_pivots", 2)),
    "margin_ranking_loss": (
        (0, "margin_ranking_loss", "input1", 1),
        (1, "margin_ranking_loss", "input2", 2),
    ),
    "resize_as_": ((1, "resize_as_", "the_template", 2),),
    "select_scatter": ((0, "select_scatter", "input", 1), (1, "select_scatter", "src", 2)),
    "slice_scatter": ((0, "slice_scatter", "input", 1), (1, "slice_scatter", "src", 2)),
    "take_along_dim": ((0, "take_along_dim", "input", 1), (1, "take_along_dim", "indices", 2)),
    "trapezoid": ((0, "trapezoid", "y", 1),),
    "trapz": ((0, "trapz", "y", 1),),
    "triangular_solve": ((0, "triangular_solve", "input", 1), (1, "triangular_solve", "A", 2)),
    "triplet_margin_loss": (
        (0, "triplet_margin_loss", "anchor", 1),
        (1, "triplet_margin_loss", "positive", 2),
        (2, "triplet_margin_loss", "negative", 3),
    ),
    "unique": ((0, "_unique2", "input", 1),),
    "vander": ((0, "vander", "x", 1),),
}

FUNCTIONAL_INPUT = _words("""
    adaptive_avg_pool1d adaptive_max_pool1d avg_pool1d avg_pool2d avg_pool3d celu celu_
    channel_shuffle conv_transpose1d conv_transpose2d conv_transpose3d hardshrink
    hardsigmoid hardswish layer_norm max_pool1d max_pool1d_with_indices max_pool2d
    max_pool2d_with_indices max_pool3d native_channel_shuffle pad pdist pixel_shuffle
    pixel_unshuffle rms_norm rrelu rrelu_ selu selu_ softshrink
""")
FUNCTIONAL_OTHERS = {
    # (these three take more arguments than the probe gave: added by hand, checked in torch)
    "cosine_embedding_loss": (
        (0, "cosine_embedding_loss", "input1", 1),
        (1, "cosine_embedding_loss", "input2", 2),
    ),
    "triplet_margin_loss": (
        (0, "triplet_margin_loss", "anchor", 1),
        (1, "triplet_margin_loss", "positive", 2),
        (2, "triplet_margin_loss", "negative", 3),
    ),
    "adaptive_max_pool1d_with_indices": ((0, "adaptive_max_pool1d", "input", 1),),
    "multi_margin_loss": (
        (0, "multi_margin_loss", "input", 1),
        (1, "multi_margin_loss", "target", 2),
    ),
    "multilabel_margin_loss": (
        (0, "multilabel_margin_loss", "input", 1),
        (1, "multilabel_margin_loss", "target", 2),
    ),
    "multilabel_soft_margin_loss": ((0, "log_sigmoid", "input", 1),),
    "nll_loss": ((0, "nll_loss_nd", "input", 1), (1, "nll_loss_nd", "target", 2)),
    "pairwise_distance": ((0, "pairwise_distance", "x1", 1), (1, "pairwise_distance", "x2", 2)),
    "poisson_nll_loss": ((0, "poisson_nll_loss", "input", 1), (1, "poisson_nll_loss", "target", 2)),
    "prelu": ((0, "prelu", "input", 1), (1, "prelu", "weight", 2)),
    "unfold": ((0, "im2col", "input", 1),),
}

LINALG_INPUT = _words("""
    cholesky cholesky_ex cond cross eigh eigvalsh matrix_exp matrix_norm matrix_power norm
    tensorinv vector_norm
""")
LINALG_OTHERS = {
    "det": ((0, "linalg_det", "A", 1),),
    "diagonal": ((0, "linalg_diagonal", "A", 1),),
    "inv": ((0, "linalg_inv", "A", 1),),
    "inv_ex": ((0, "linalg_inv_ex", "A", 1),),
    "lstsq": ((0, "linalg_lstsq", "input", 1), (1, "linalg_lstsq", "b", 2)),
    "lu": ((0, "linalg_lu", "A", 1),),
    "lu_factor": ((0, "linalg_lu_factor", "A", 1),),
    "lu_factor_ex": ((0, "linalg_lu_factor_ex", "A", 1),),
    "lu_solve": ((0, "linalg_lu_solve", "LU", 1), (1, "linalg_lu_solve", "pivots", 2)),
    "matmul": ((0, "linalg_matmul", "input", 1), (1, "linalg_matmul", "other", 2)),
    "qr": ((0, "linalg_qr", "A", 1),),
    "slogdet": ((0, "linalg_slogdet", "A", 1),),
    "solve": ((0, "linalg_solve", "A", 1), (1, "linalg_solve", "B", 2)),
    "solve_ex": ((0, "linalg_solve_ex", "A", 1), (1, "linalg_solve_ex", "B", 2)),
    "solve_triangular": (
        (0, "linalg_solve_triangular", "input", 1),
        (1, "linalg_solve_triangular", "B", 2),
    ),
    "svd": ((0, "linalg_svd", "A", 1),),
    "svdvals": ((0, "linalg_svdvals", "A", 1),),
    "tensorsolve": ((0, "linalg_tensorsolve", "input", 1), (1, "linalg_tensorsolve", "other", 2)),
    "vander": ((0, "linalg_vander", "x", 1),),
    "vecdot": ((0, "linalg_vecdot", "x", 1), (1, "linalg_vecdot", "y", 2)),
}

SPECIAL_INPUT = _words("""
    bessel_j0 bessel_j1 bessel_y0 bessel_y1 entr erfcx log_softmax logsumexp
    modified_bessel_i0 modified_bessel_i1 modified_bessel_k0 modified_bessel_k1 round
    softmax
""")
SPECIAL_OTHERS: dict = {}


def export_parsed(
    namespace: dict, plain: list, others: dict, prefix: str = "", arity_first: bool = False
) -> None:
    """Replace each listed function in `namespace` (a module's globals) by its parsed form
    (`arity_first`: see argument_errors.parsed)."""
    from conformance.reference.ops.argument_errors import parsed

    for name in plain:
        check = ((0, prefix + name, "input", 1),)
        namespace[name] = parsed(namespace[name], check, arity_first, prefix + name)
    for name, checks in others.items():
        namespace[name] = parsed(namespace[name], checks, arity_first, prefix + name)
