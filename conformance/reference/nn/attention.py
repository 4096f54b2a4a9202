"""torch.nn.functional.scaled_dot_product_attention and multi_head_attention_forward.

On the CPU PyTorch 2.13 computes attention one of two ways, and the graph shows which:

- the fused kernel (_scaled_dot_product_flash_attention_for_cpu, one node,
  ScaledDotProductFlashAttentionForCpuBackward0) when query, key and value are 4-D, floating,
  with one head size, equal batch sizes and head counts (or enable_gqa with a head count that
  divides the query's), non-empty sequences, a last stride of 1, dropout_p <= 0 and a mask
  that is 2-D or 4-D, broadcastable in PyTorch's narrow sense and not requiring grad. Its
  backward has no derivative of its own: a second derivative through it is refused.
- the composed math (_scaled_dot_product_attention_math) otherwise: q and k each scaled by
  sqrt(scale) (MulBackward1), matmul, the mask added, _safe_softmax (a row that is -inf
  throughout gives zeros, not nan), dropout, matmul; float16 and bfloat16 computed in float32
  (ToCopyBackward0 in and out).

The choice is the CPU's on every device (PyTorch's CUDA backends are not modelled). An empty
value or result takes a shortcut before either: zeros, tied to the inputs by a sum times 0.
A fully masked row gives zeros in both. A boolean mask is True where attention is allowed,
and becomes 0 / -inf in the query's dtype before either path sees it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from conformance.reference import dtypes, grad_mode
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.nn.common import _dim, _reference
from conformance.reference.nn.dropout import dropout
from conformance.reference.nn.linear import linear
from conformance.reference.nn.padding import pad
from conformance.reference.ops.define import Joint, formula_op, op
from conformance.reference.ops.scalar_overloads import mul_scalar
from conformance.reference.tensor import Tensor

_FUSED_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


# -- the fused CPU kernel -----------------------------------------------------------------


def _compute_dtype(a):
    return np.float64 if a.dtype == np.float64 else np.float32


def _grouped(key, value, query):
    """enable_gqa: each key/value head serves query_heads / key_heads query heads in a row."""
    xp = array_namespace(key)
    groups = query.shape[1] // key.shape[1]
    return xp.repeat(key, groups, axis=1), xp.repeat(value, groups, axis=1), groups


def _probabilities(query, key, attn_mask, is_causal, scale):
    """softmax(q k^T * scale + mask) in the compute dtype, with the scores and their
    log-sum-exp. A row whose maximum is -inf (masked throughout; without a mask, nan scores
    do not count towards the maximum) gives zeros; any other nan or inf - inf spreads through
    its row, as in PyTorch's kernel."""
    xp = array_namespace(query)
    scores = (query @ xp.swapaxes(key, -1, -2)) * scale
    if attn_mask is not None:
        scores = scores + attn_mask.astype(scores.dtype)
    if is_causal:
        length, source = scores.shape[-2:]
        allowed = xp.tril(xp.ones((length, source), dtype=bool))
        scores = xp.where(allowed, scores, -np.inf)
    # Without a mask the kernel's maximum skips nan.
    plain = attn_mask is None
    peak = (xp.where(xp.isnan(scores), -np.inf, scores) if plain else scores).max(
        axis=-1, keepdims=True
    )
    masked = peak == -np.inf
    e = xp.exp(scores - xp.where(masked, 0, peak))
    total = e.sum(axis=-1, keepdims=True)
    # The log-sum-exp the backward kernel recomputes the probabilities from: +inf for a
    # masked row, so that its probabilities come back as zeros (but nan for a nan score).
    with np.errstate(divide="ignore"):
        lse = xp.where(masked, np.inf, peak + xp.log(total))
    return xp.where(masked, 0, e / total), scores, lse


def _flash_backward_grads(grad, query, key, value, attn_mask, is_causal, scale, F):
    return formula_op(F, _flash_attention_for_cpu_backward)(
        grad, query, key, value, attn_mask, is_causal, scale
    )


_FLASH_BACKWARD = Joint(_flash_backward_grads)


@op(
    "ScaledDotProductFlashAttentionForCpuBackward0",
    query=_FLASH_BACKWARD[0],
    key=_FLASH_BACKWARD[1],
    value=_FLASH_BACKWARD[2],
)
def _flash_attention_for_cpu(query, key, value, attn_mask, is_causal, scale):
    """softmax(q k^T * scale + mask) v, accumulated in float32 (float64 for float64), in a
    result with the query's strides (multi-head attention's transposed query gives a
    transposed result, which its reshape then views)."""
    work = _compute_dtype(query)
    q, k, v = (a.astype(work) for a in (query, key, value))
    k, v, _ = _grouped(k, v, q)
    p, _, _ = _probabilities(q, k, attn_mask, is_causal, scale)
    out = array_namespace(query).empty_like(query)  # laid out as the query is, as in ATen
    out[...] = p @ v
    return out


def _refused(grads):
    raise RuntimeError(
        "derivative for aten::_scaled_dot_product_flash_attention_for_cpu_backward is not "
        "implemented"
    )


@op("NotImplemented", grad=_refused, query=_refused, key=_refused, value=_refused)
def _flash_attention_for_cpu_backward(grad, query, key, value, attn_mask, is_causal, scale):
    """The fused kernel's gradients (query, key, value), as flash attention computes them:
    p recomputed as exp(scores - logsumexp), ds = p * (g v^T - rowsum(g * out)),
    dq = ds k * scale, dk = ds^T q * scale, dv = p^T g (with enable_gqa, dk and dv summed
    over the query heads a key head serves)."""
    xp = array_namespace(query)
    work = _compute_dtype(query)
    q, k, v, g = (a.astype(work) for a in (query, key, value, grad))
    k, v, groups = _grouped(k, v, q)
    forward, scores, lse = _probabilities(q, k, attn_mask, is_causal, scale)
    out = forward @ v
    p = xp.exp(scores - lse)
    if is_causal:  # the kernel skips the blocks above the diagonal: zeros, never nan
        p = xp.where(xp.tril(xp.ones(p.shape[-2:], dtype=bool)), p, 0)
    dp = g @ xp.swapaxes(v, -1, -2)
    ds = p * (dp - (g * out).sum(axis=-1, keepdims=True))
    dq = (ds @ k) * scale
    dk = (xp.swapaxes(ds, -1, -2) @ q) * scale
    dv = xp.swapaxes(p, -1, -2) @ g
    if groups > 1:
        batch, heads = key.shape[:2]
        dk = dk.reshape(batch, heads, groups, *dk.shape[2:]).sum(axis=2)
        dv = dv.reshape(batch, heads, groups, *dv.shape[2:]).sum(axis=2)
    return dq.astype(query.dtype), dk.astype(key.dtype), dv.astype(value.dtype)


# -- the composed math ----------------------------------------------------------------------


@op(
    "SafeSoftmaxBackward0",
    self=lambda grad, result, dim, F: F.softmax_backward_data(grad, result, dim),
)
def _safe_softmax_dim(self, dim):
    """softmax, with zeros for a slice that is -inf throughout (where softmax gives nan)."""
    xp = array_namespace(self)
    work = self.astype(np.float64 if self.dtype == np.float64 else np.float32)
    with np.errstate(invalid="ignore"):
        e = xp.exp(work - work.max(axis=dim, keepdims=True)) if work.size else work
        out = e / e.sum(axis=dim, keepdims=True) if work.size else work
    masked = xp.all(self == -np.inf, axis=dim, keepdims=True)
    return xp.where(masked, 0, out).astype(self.dtype)


def _safe_softmax(input: Tensor, dim: int) -> Tensor:
    if input.dtype.category != dtypes.FLOATING:
        raise NotImplementedError(
            f"\"softmax_lastdim_kernel_impl\" not implemented for '{scalar_type_name(input.dtype)}'"
        )
    return _safe_softmax_dim(input, _dim(dim, input.ndim))


def _additive_mask(mask: Tensor, dtype: Any) -> Tensor:
    """A boolean mask (True: attend) as 0 / -inf in `dtype`; another mask as it is."""
    if mask.dtype != dtypes.bool:
        return mask
    xp = array_namespace(mask._data)
    values = xp.where(mask._data, 0.0, -np.inf).astype(dtype.np)
    return Tensor._wrap(values, dtype, mask.device)


def _repeat_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple:
    """enable_gqa in the math: key and value heads (dim -3) repeated to the query's count."""
    heads = query.shape[_dim(-3, query.ndim)]
    key_heads, value_heads = key.shape[_dim(-3, key.ndim)], value.shape[_dim(-3, value.ndim)]
    if heads % key_heads or heads % value_heads:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if heads == key_heads == value_heads:
        return key, value
    return (
        key.repeat_interleave(heads // key_heads, -3),
        value.repeat_interleave(heads // value_heads, -3),
    )


def _math_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    """ATen's _scaled_dot_product_attention_math, step by step (each step a node)."""
    origin = query.dtype
    if origin in (dtypes.float16, dtypes.bfloat16):
        query, key, value = (x.to(dtypes.float32) for x in (query, key, value))
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                "is_causal=True"
            )
        from conformance.reference.ops import creation

        allowed = creation.ones(
            (query.shape[-2], key.shape[-2]), dtype=dtypes.bool, device=query.device
        )
        attn_mask = _additive_mask(allowed.tril(), query.dtype)
    if enable_gqa:
        key, value = _repeat_heads(query, key, value)
    negative = scale is not None and scale < 0
    factor = math.sqrt(_scale(query, abs(scale) if negative else scale))
    attn = mul_scalar(query, -factor if negative else factor) @ mul_scalar(
        key.transpose(-2, -1), factor
    )
    if attn_mask is not None:
        attn.add_(attn_mask)  # in place, as ATen: a mask that widens the scores is refused
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        if dropout_p > 1.0:  # ATen's check: a RuntimeError, where F.dropout's is a ValueError
            raise RuntimeError(
                f"dropout probability has to be between 0 and 1, but got {dropout_p}"
            )
        attn = dropout(attn, dropout_p, True)
    out = attn @ value
    return out.to(origin) if out.dtype != origin else out


def _scale(query: Tensor, scale: float | None) -> float:
    """The softmax scale: 1 / sqrt(E) unless given (C++ doubles: E == 0 gives inf)."""
    if scale is not None:
        return float(scale)
    size = query.shape[-1]
    return 1.0 / math.sqrt(size) if size else math.inf


# -- the entry point ------------------------------------------------------------------------


def _validate(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None) -> None:
    """ATen's validate_sdpa_input (the double space in two messages is PyTorch's)."""
    for position, (name, x) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"scaled_dot_product_attention(): argument '{name}' (position {position}) must "
                f"be Tensor, not {type(x).__name__}"
            )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{cpp_type_name(query.dtype)} key.dtype: {cpp_type_name(key.dtype)} and "
            f"value.dtype: {cpp_type_name(value.dtype)} instead."
        )
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if attn_mask is not None and attn_mask.dtype not in (dtypes.bool, dtypes.float32, query.dtype):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {cpp_type_name(attn_mask.dtype)} and  query.dtype: "
            f"{cpp_type_name(query.dtype)} instead."
        )


def _mask_fits_fused(mask: Tensor, query: Tensor, key: Tensor) -> bool:
    """sdp_utils' check_attn_mask_shape (which reads size(-2) first, so a 1-D or 0-D mask
    raises its IndexError here)."""
    if mask.requires_grad:
        return False
    rows, columns = mask.shape[_dim(-2, mask.ndim)], mask.shape[_dim(-1, mask.ndim)]
    if rows not in (1, query.shape[2]) or columns not in (1, key.shape[2]):
        return False
    if mask.ndim == 2:
        return True
    return (
        mask.ndim == 4
        and mask.shape[0] in (1, query.shape[0])
        and mask.shape[1]
        in (
            1,
            query.shape[1],
        )
    )


def _uses_fused_kernel(query, key, value, attn_mask, dropout_p, enable_gqa) -> bool:
    """sdp_utils_cpp's use_flash_attention_cpp, its checks in its order."""
    if dropout_p > 0.0 or not query.ndim == key.ndim == value.ndim == 4:
        return False
    if not query.shape[0] == key.shape[0] == value.shape[0]:
        return False
    heads, key_heads, value_heads = query.shape[1], key.shape[1], value.shape[1]
    if enable_gqa:
        if heads % key_heads or key_heads != value_heads:
            return False
    elif not heads == key_heads == value_heads:
        return False
    if attn_mask is not None and not _mask_fits_fused(attn_mask, query, key):
        return False
    if not query.shape[3] == key.shape[3] == value.shape[3]:
        return False
    if query.shape[2] == 0 or key.shape[2] == 0:
        return False
    if any(x.stride(-1) != 1 for x in (query, key, value)):
        return False
    # The kernel reads as many value rows as there are keys (PyTorch reads past a shorter
    # value's end): the reference lets matmul refuse the mismatch instead.
    if key.shape[2] != value.shape[2]:
        return False
    return query.dtype in _FUSED_DTYPES


def _empty_attention(query: Tensor, key: Tensor, value: Tensor, shape: tuple) -> Tensor:
    """An empty value or result: zeros of the query's shape (the value's last size) and dtype,
    checked no further, tied to the inputs by (q.sum() + k.sum() + v.sum()) * 0 so that
    their gradients are zeros, as ATen writes it."""
    from conformance.reference.ops import creation

    out = creation.zeros(shape, dtype=query.dtype, device=query.device)
    if any(x.requires_grad for x in (query, key, value)) and grad_mode.STATE.grad_enabled:
        out = out + mul_scalar(query.sum() + key.sum() + value.sum(), 0.0)
    return out


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query key^T * scale + mask) value over the last two dims, dims before them
    batched (broadcast in the math). See the module docstring for which path computes it."""
    _validate(query, key, value, attn_mask)
    out_shape = (*query.shape[:-1], value.shape[-1])
    if value.numel() == 0 or math.prod(out_shape) == 0:
        return _empty_attention(query, key, value, out_shape)
    if attn_mask is not None:
        attn_mask = _additive_mask(attn_mask, query.dtype)
    if _uses_fused_kernel(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0.0:
            raise RuntimeError(
                "scaled_dot_product_attention_flash_attention: Currently do not support dropout > 0"
            )
        mask = None if attn_mask is None else attn_mask.detach()
        return _flash_attention_for_cpu(
            query, key, value, mask, bool(is_causal), _scale(query, scale)
        )
    return _math_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


# -- multi-head attention -------------------------------------------------------------------


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """Whether the input is batched (3-D query) or not (2-D), with PyTorch's assertions."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.ndim}-D tensor instead"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                    f" but found {attn_mask.ndim}-D tensor instead"
                )
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(
                    f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
                )
        return False
    raise AssertionError(
        "query should be unbatched 2D or batched 3D tensor but received "
        f"{query.ndim}-D query tensor"
    )


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A boolean mask as 0 / -inf in target_type (True: masked out, the opposite of
    scaled_dot_product_attention's boolean mask); a float mask as it is."""
    if mask is None:
        return None
    floating = mask.dtype.is_floating_point
    if mask.dtype != dtypes.bool and not floating:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} "
            "is deprecated. Use same type for both instead.",
            stacklevel=3,
        )
    if not floating:
        from conformance.reference.ops import creation

        mask = creation.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _packed_in_projection(q, k, v, w, b):
    """One linear for self-attention (its output split in three), two for a shared key and
    value, three otherwise: PyTorch's _in_projection_packed, whose graph this is."""
    e = q.shape[-1]
    if k is v:
        if q is k:
            proj = linear(q, w, b).unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2)
            proj = proj.squeeze(-2).contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2)
        kv = kv.squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _separate_in_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v):
    eq, ek, ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, shape in (
        ("query", w_q, (eq, eq)),
        ("key", w_k, (eq, ek)),
        ("value", w_v, (eq, ev)),
    ):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {name} bias shape of {(eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple:
    """Multi-head attention on (L, N, E) inputs (or unbatched (L, E)), as PyTorch's Python
    function computes it, step for step: with need_weights the scores are a baddbmm (bmm
    without a mask) and a softmax (a fully masked row gives nan here, unlike in
    scaled_dot_product_attention), and the weights come back averaged over the heads unless
    average_attn_weights=False; without, scaled_dot_product_attention computes it and the
    weights are None. is_causal is only a hint: attn_mask must still be given."""
    t = _reference()
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(
        key_padding_mask,
        "key_padding_mask",
        None if attn_mask is None else attn_mask.dtype,
        "attn_mask",
        query.dtype,
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. "
            "You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention's is_causal stands for the mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _packed_in_projection(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(
                    f"use_separate_proj_weight is True but {name}_proj_weight is None"
                )
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _separate_in_projection(
            query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v
        )

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                    f"{(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = t.cat([k, bias_k.repeat(1, bsz, 1)])
        v = t.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "k", bsz, num_heads, head_dim)
    v = _heads(v, static_v, "v", bsz, num_heads, head_dim)

    if add_zero_attn:
        zeros_shape = (bsz * num_heads, 1, head_dim)
        k = t.cat([k, t.zeros(zeros_shape, dtype=k.dtype, device=k.device)], dim=1)
        v = t.cat([v, t.zeros(zeros_shape, dtype=v.dtype, device=v.device)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(
                f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                f"{key_padding_mask.shape[0]}"
            )
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(
                f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                f"{key_padding_mask.shape[1]}"
            )
        key_padding_mask = (
            key_padding_mask.view(bsz, 1, 1, src_len)
            .expand(-1, num_heads, -1, -1)
            .reshape(bsz * num_heads, 1, src_len)
        )
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        e = q.shape[2]
        q_scaled = q * math.sqrt(1.0 / float(e))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = t.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = t.bmm(q_scaled, k.transpose(-2, -1))
        weights = t.softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = t.bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.shape[1])
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.shape[1])
    if not batched:
        out = out.squeeze(1)
    return out, None


def _heads(x, static, name, bsz, num_heads, head_dim):
    """k or v as (N * heads, S, head_dim), or the static one given in its place (checked)."""
    if static is None:
        return x.view(x.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz * num_heads:
        raise AssertionError(
            f"expecting static_{name}.size(0) of {bsz * num_heads}, but got {static.shape[0]}"
        )
    if static.shape[2] != head_dim:
        raise AssertionError(
            f"expecting static_{name}.size(2) of {head_dim}, but got {static.shape[2]}"
        )
    return static
