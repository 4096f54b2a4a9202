"""ctc_loss: the connectionist temporal classification loss, as PyTorch's CPU kernel computes it
(Graves et al. 2006, in log space), with its wrapper composed around one op as PyTorch's C++
wraps _ctc_loss: an unbatched input is unsqueezed (UnsqueezeBackward0) and, for 'none',
squeezed back (SqueezeBackward1); zero_infinity is a where (WhereBackward0); 'mean' divides each
loss by its target length (at least 1) and takes the mean (DivBackward0, MeanBackward0).

The kernel's logsumexp is written out, not called: the largest term is subtracted unless it is
-inf, the gradient's sums over target positions are taken one position at a time from the last,
so the values at -inf, inf and nan are PyTorch's. A sample with no possible alignment has an
infinite loss and (unless zero_infinity) a nan gradient, as in PyTorch. The kernel's backward
has no derivative: a create_graph backward records a NotImplemented node.

Departures: PyTorch reads whatever memory a target outside [0, classes) points at; here such a
target raises. Lengths must both be sequences of ints or both tensors (PyTorch's argument
parser words that error differently).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace
from conformance.reference.dtypes import scalar_type_name
from conformance.reference.nn.common import _reference
from conformance.reference.nn.reduction import _REDUCTIONS
from conformance.reference.ops.define import formula_op, op
from conformance.reference.tensor import Tensor

_CHECKED_FROM = " (while checking arguments for ctc_loss_allocate_outputs)"


def _target_primes(targets, input_lengths, target_lengths, blank):
    """l' of each sample: its targets with a blank before, between and after them, padded
    with blanks to the longest (concatenated targets are read at each sample's offset)."""
    xp = array_namespace(targets)
    longest = max(target_lengths, default=0)
    primes = xp.full((len(target_lengths), 2 * longest + 1), blank, dtype=np.int64)
    offset = 0
    for b, length in enumerate(target_lengths):
        labels = targets[offset : offset + length] if targets.ndim == 1 else targets[b, :length]
        offset += length
        primes[b, 1 : 2 * length : 2] = labels
    return primes


def _logsumexp3(a, b, c):
    """The kernel's log(exp(a) + exp(b) + exp(c)): the largest (by >, so a nan a is kept)
    subtracted first, 0 in its place when it is -inf."""
    xp = array_namespace(a)
    m = a
    m = xp.where(b > m, b, m)
    m = xp.where(c > m, c, m)
    m = xp.where(m == -np.inf, 0, m)
    return xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m)) + m


def _shifted(row, by, fill):
    """row[:, s - by] (by > 0) or row[:, s + |by|], `fill` where that is outside."""
    xp = array_namespace(row)
    pad = xp.full((row.shape[0], abs(by)), fill, dtype=row.dtype)
    if by > 0:
        return xp.concatenate([pad, row[:, :-by]], axis=1)
    return xp.concatenate([row[:, -by:], pad], axis=1)


def _ctc_tables(log_probs, targets, input_lengths, target_lengths, blank):
    """l', log_probs at l' (time, sample, position), and which positions may skip back two
    (l'(s) != l'(s - 2))."""
    xp = array_namespace(log_probs)
    T, N, C = log_probs.shape
    primes = _target_primes(targets.astype(np.int64), input_lengths, target_lengths, blank)
    if bool(((primes < 0) | (primes >= C)).any()):
        raise IndexError(f"ctc_loss: a target is outside the {C} classes")
    index = xp.broadcast_to(primes[None], (T, *primes.shape))
    at_primes = xp.take_along_axis(log_probs, index, axis=2)
    skips = _shifted(primes, 2, -1) != primes
    skips[:, :2] = False
    return primes, at_primes, skips


def _alpha(at_primes, skips, target_lengths):
    """log alpha[t, b, s], eq. (6)-(7): the log probability of the prefixes of l' ending at s
    after t + 1 steps."""
    xp = array_namespace(at_primes)
    T, N, S = at_primes.shape
    alpha = xp.full((T, N, S), -np.inf, dtype=at_primes.dtype)
    alpha[0, :, 0] = at_primes[0, :, 0]
    if S > 1:
        has_target = xp.asarray(target_lengths) > 0
        alpha[0, :, 1] = xp.where(has_target, at_primes[0, :, 1], -np.inf)
    for t in range(1, T):
        previous = alpha[t - 1]
        la3 = xp.where(skips, _shifted(previous, 2, -np.inf), -np.inf)
        alpha[t] = _logsumexp3(previous, _shifted(previous, 1, -np.inf), la3) + at_primes[t]
    return alpha


def _negative_log_likelihoods(alpha, input_lengths, target_lengths):
    """-log p(target), eq. (8): the last two alphas at the last step (the last alone for an
    empty target); 0 or inf for an empty input."""
    xp = array_namespace(alpha)
    nll = xp.empty(alpha.shape[1], dtype=alpha.dtype)
    for b, (steps, length) in enumerate(zip(input_lengths, target_lengths, strict=True)):
        if steps == 0:
            nll[b] = 0 if length == 0 else np.inf
            continue
        last = alpha[steps - 1, b]
        if length == 0:
            nll[b] = -last[0]
            continue
        l1, l2 = last[2 * length], last[2 * length - 1]
        m = xp.where(l1 < l2, l2, l1)  # std::max
        m = xp.where(m == -np.inf, 0, m)
        nll[b] = -(xp.log(xp.exp(l1 - m) + xp.exp(l2 - m)) + m)
    return nll


def _ctc_forward(log_probs, targets, input_lengths, target_lengths, blank):
    _, at_primes, skips = _ctc_tables(log_probs, targets, input_lengths, target_lengths, blank)
    with np.errstate(invalid="ignore", over="ignore"):
        alpha = _alpha(at_primes, skips, target_lengths)
        return _negative_log_likelihoods(alpha, input_lengths, target_lengths)


def _beta(at_primes, skips, primes, input_lengths, target_lengths):
    """log beta[t, b, s], eq. (10)-(11): the suffixes of l' from s, from each sample's last
    step backwards (-inf at and after its input length)."""
    xp = array_namespace(at_primes)
    T, N, S = at_primes.shape
    s = xp.arange(S)
    ends = 2 * xp.asarray(target_lengths)[:, None]
    last_step = xp.asarray(input_lengths) - 1
    skips_ahead = (s < ends - 1) & (_shifted(primes, -2, -1) != primes)
    beta = xp.full((T, N, S), -np.inf, dtype=at_primes.dtype)
    for t in range(T - 1, -1, -1):
        start = xp.where((s == ends) | ((s == ends - 1) & (ends > 0)), at_primes[t], -np.inf)
        if t + 1 < T:
            following = beta[t + 1]
            lb2 = xp.where(s < ends, _shifted(following, -1, -np.inf), -np.inf)
            lb3 = xp.where(skips_ahead, _shifted(following, -2, -np.inf), -np.inf)
            running = _logsumexp3(following, lb2, lb3) + at_primes[t]
        else:
            running = start
        row = xp.where((t < last_step)[:, None], running, -np.inf)
        beta[t] = xp.where((t == last_step)[:, None], start, row)
    return beta


def _log_add(total, term):
    """The kernel's total "log+=" term: term itself while the total is -inf."""
    xp = array_namespace(total)
    m = xp.where(total < term, term, total)  # std::max
    summed = xp.log(xp.exp(total - m) + xp.exp(term - m)) + m
    return xp.where(total == -np.inf, term, summed)


@op(
    "NotImplemented",
    grad=lambda grad: _refuse(),
    log_probs=lambda grad: _refuse(),
)
def ctc_loss_backward(
    grad, log_probs, targets, input_lengths, target_lengths, nll, blank, zero_infinity
):
    """eq. (16): exp(lp) - exp(log sum over s with l'(s) = c of alpha * beta + nll - lp), times
    the sample's gradient, for the steps within its input length; zero after them, and for a
    sample whose loss is inf when zero_infinity."""
    xp = array_namespace(log_probs)
    T, N, C = log_probs.shape
    primes, at_primes, skips = _ctc_tables(log_probs, targets, input_lengths, target_lengths, blank)
    steps = xp.asarray(input_lengths)
    lengths = xp.asarray(target_lengths)
    with np.errstate(invalid="ignore", over="ignore"):
        alpha = _alpha(at_primes, skips, target_lengths)
        beta = _beta(at_primes, skips, primes, input_lengths, target_lengths)
        alpha_beta = alpha + beta
        collected = xp.full((T, N, C), -np.inf, dtype=log_probs.dtype)
        for b, (n_steps, length) in enumerate(zip(input_lengths, target_lengths, strict=True)):
            if n_steps > 0:  # the last step: set, not log-added (the last prime wins)
                collected[n_steps - 1, b, blank] = alpha_beta[n_steps - 1, b, 2 * length]
                if length > 0:
                    label = primes[b, 2 * length - 1]
                    collected[n_steps - 1, b, label] = alpha_beta[n_steps - 1, b, 2 * length - 1]
        before_last = xp.arange(T)[:, None] < steps - 1
        for s in range(primes.shape[1] - 1, -1, -1):
            index = xp.broadcast_to(primes[None, :, s, None], (T, N, 1))
            total = xp.take_along_axis(collected, index, axis=2)[..., 0]
            keep = before_last & (s <= 2 * lengths)
            total = xp.where(keep, _log_add(total, alpha_beta[:, :, s]), total)
            xp.put_along_axis(collected, index, total[..., None], axis=2)
        nll, grad = nll[None, :, None], grad[None, :, None]
        result = (xp.exp(log_probs) - xp.exp(collected + nll - log_probs)) * grad
    inside = xp.arange(T)[:, None] < steps
    if zero_infinity:
        inside = inside & (nll[0, :, 0] != np.inf)
    return xp.where(inside[..., None], result, 0).astype(log_probs.dtype, copy=False)


def _refuse():
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _ctc_loss_grad(
    grad, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity, result, F
):
    """The kernel's backward, which reads the losses (and, in PyTorch, the saved alphas)."""
    backward = formula_op(F, ctc_loss_backward)
    return backward(
        grad, log_probs, targets, input_lengths, target_lengths, result, blank, zero_infinity
    )


@op("CtcLossBackward0", log_probs=_ctc_loss_grad)
def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    """_ctc_loss: each sample's negative log likelihood."""
    return _ctc_forward(log_probs, targets, input_lengths, target_lengths, blank)


def _as_lengths(name: str, lengths: Any) -> tuple[int, ...]:
    if isinstance(lengths, Tensor):
        if lengths.dtype.category != dtypes.INTEGER:
            raise RuntimeError(f"{name} must be integral")
        return tuple(int(v) for v in lengths.reshape(-1).tolist())
    return tuple(int(v) for v in lengths)


def _check(log_probs, targets, input_lengths, target_lengths, blank) -> None:
    """_ctc_loss's checks, in its order: the dispatch, an empty input, then the shapes and
    lengths (ctc_loss_allocate_outputs)."""
    if log_probs.dtype not in (dtypes.float32, dtypes.float64):
        name = scalar_type_name(log_probs.dtype)
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{name}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    if log_probs.ndim != 3:
        raise RuntimeError(
            f"Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor for "
            f"argument #1 'log_probs'{_CHECKED_FROM}"
        )
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(
            f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for "
            f"argument #2 'targets'{_CHECKED_FROM}"
        )
    T, batch_size, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    for name, lengths in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if len(lengths) != batch_size:
            raise RuntimeError(f"{name} must be of size batch_size")
    for length in target_lengths:
        if length < 0:
            raise RuntimeError(
                f"Expected target_lengths to have value at least 0, but got value {length}"
                f"{_CHECKED_FROM}"
            )
    wanted = sum(target_lengths) if targets.ndim == 1 else batch_size
    if targets.shape[0] != wanted:
        raise RuntimeError(
            f"Expected tensor to have size {wanted} at dimension 0, but got size "
            f"{targets.shape[0]} for argument #2 'targets'{_CHECKED_FROM}"
        )
    longest = max(target_lengths)
    if targets.ndim == 2 and targets.shape[1] < longest:
        raise RuntimeError(
            f"Expected tensor to have size at least {longest} at dimension 1, but got size "
            f"{targets.shape[1]} for argument #2 'targets'{_CHECKED_FROM}"
        )
    for length in input_lengths:
        if length < 0 or length > T:
            bound, word = (0, "least") if length < 0 else (T, "most")
            raise RuntimeError(
                f"Expected input_lengths to have value at {word} {bound}, but got value "
                f"{length}{_CHECKED_FROM}"
            )


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int],
    target_lengths: Tensor | Sequence[int],
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """-log p(targets | log_probs) summed over all alignments, for log_probs of shape (T, N, C)
    (or (T, C), one sample) and targets padded (N, S) or concatenated (sum of target_lengths).
    Integer targets of any width are taken as int64."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError(
            "ctc_loss(): input_lengths and target_lengths must both be tensors or both "
            "tuples of ints"
        )
    inputs = _as_lengths("input_lengths", input_lengths)
    lengths = _as_lengths("target_lengths", target_lengths)
    batched = log_probs.ndim == 3
    if not batched:
        log_probs = log_probs.unsqueeze(1)
    _check(log_probs, targets, inputs, lengths, blank)
    reference = _reference()
    losses = _ctc_loss(log_probs, targets, inputs, lengths, blank, zero_infinity)
    if zero_infinity:
        zero = reference.zeros((), dtype=losses.dtype, device=losses.device)
        losses = reference.where(losses == np.inf, zero, losses)
    if reduction == "mean":
        divisor = reference.tensor(lengths, dtype=losses.dtype, device=losses.device)
        return (losses / divisor.clamp_min(1)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses if batched else losses.squeeze(0)


__all__ = ["ctc_loss"]
