"""Random sampling: torch.normal, bernoulli, multinomial, poisson and the in-place fills
(normal_, uniform_, random_, bernoulli_, exponential_, ...), drawing from the one global
generator (creation.random_source(), which also enforces vmap's randomness modes). The numbers
are not PyTorch's (its generator is not reproduced); shapes, dtypes, argument checks, errors,
and the distributions are.

Every sample is drawn on the host (NumPy's generator) and then moved to the tensor's device, so
one generator serves both backends. PyTorch does not differentiate through a draw: each op's
node passes zeros to its inputs (derivatives.yaml's `zeros_like(grad)`), mean and std of
torch.normal included. The in-place fills are out-of-place ops here, written back by the
in-place machinery (ops/inplace.py), which brings PyTorch's leaf, view and version rules.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import ml_dtypes
import numpy as np

from conformance.reference import dtypes
from conformance.reference.devices import array_namespace, placement
from conformance.reference.dtypes import cpp_type_name, scalar_type_name
from conformance.reference.ops import creation
from conformance.reference.ops.argument_errors import need_tensor
from conformance.reference.ops.define import check_broadcastable, no_derivative, op
from conformance.reference.tensor import Tensor

__all__ = [
    "normal",
    "bernoulli",
    "poisson",
    "multinomial",
    "logspace",
    "get_rng_state",
    "set_rng_state",
]


def _zeros(grad: Any, F: Any) -> Any:
    return F.zeros_like(grad)


def _host(array: Any) -> np.ndarray:
    """A host copy of an array (a CuPy array's data comes back from the GPU)."""
    return array.get() if hasattr(array, "get") else np.asarray(array)


def _drawn(like: Any, generator: Any, draw: Any, dtype: Any = None) -> Any:
    """draw(generator, shape) in like's shape, cast to `dtype` (like's by default), on like's
    device. A complex target gets independent real and imaginary parts, as PyTorch fills the
    real view of a complex tensor."""
    source = generator if generator is not None else creation.random_source()
    dtype = np.dtype(dtype or like.dtype)
    if dtype.kind == "c":
        parts = draw(source, like.shape + (2,))
        host = parts[..., 0] + 1j * parts[..., 1]
    else:
        host = np.asarray(draw(source, like.shape))
    with np.errstate(all="ignore"):  # a Cauchy draw beyond float16 is inf, as in PyTorch
        host = host.astype(dtype)
    return array_namespace(like).asarray(host)


def _g(value: float) -> str:
    """A double as ATen's messages print it (C++ ostream: 6 significant digits)."""
    return f"{value:g}"


def _bind(name: str, args: tuple, kwargs: dict, params: tuple) -> list:
    """Positional and keyword arguments of a method whose parameter names Python cannot spell
    (uniform_'s `from`), in order, defaults filled in."""
    if len(args) > len(params):
        raise TypeError(f"{name}() takes at most {len(params)} arguments ({len(args)} given)")
    values = list(args)
    for key, default in params[len(args) :]:
        values.append(kwargs.pop(key, default))
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return values


def _largest(dtype: dtypes.dtype) -> float:
    """The largest finite value of a floating dtype (bfloat16's too)."""
    return float(ml_dtypes.finfo(dtype.np).max)


def _not_implemented(kernel: str, dtype: dtypes.dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")


def _floating_only(self: Tensor, kernel: str) -> None:
    if self._dtype.category != dtypes.FLOATING:
        raise _not_implemented(kernel, self._dtype)


# -- the in-place fills ---------------------------------------------------------------------


@op("UniformBackward0", self=_zeros)
def _uniform(self, low, high, generator):
    return _drawn(self, generator, lambda g, s: g.uniform(low, high, s))


def uniform(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
    """uniform_(from=0, to=1): U[from, to). Both bounds must be finite in self's dtype, and so
    must their difference."""
    low, high = _bind("uniform_", args, kwargs, (("from", 0.0), ("to", 1.0)))
    if self._dtype.category < dtypes.FLOATING:
        raise _not_implemented("check_uniform_bounds", self._dtype)
    real = self._dtype.to_real()
    largest = _largest(real)
    for name, value in (("from", low), ("to", high)):
        if not -largest <= value <= largest:
            raise RuntimeError(f"{name} is out of bounds for {cpp_type_name(real)}")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={_g(low)} > "
            f"to={_g(high)}"
        )
    if high - low > largest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{scalar_type_name(real)}>::max(), "
            f"but found to={_g(high)} and from={_g(low)} which result in to-from to exceed the "
            "limit"
        )
    return _uniform(self, low, high, generator)


@op("NormalBackward0", self=_zeros)
def _normal_fill(self, mean, std, generator):
    # A complex normal has variance std**2 split evenly between its two parts.
    scale = std / math.sqrt(2) if np.dtype(self.dtype).kind == "c" else std
    return _drawn(self, generator, lambda g, s: g.normal(mean, scale, s))


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")


def normal_fill(
    self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None
) -> Tensor:
    """normal_(mean=0, std=1): floating and complex tensors; std = 0 fills with mean."""
    _check_std(std)
    if self._dtype.category < dtypes.FLOATING:
        raise _not_implemented("normal_kernel_cpu", self._dtype)
    return _normal_fill(self, mean, std, generator)


@op("BernoulliBackward2", self=_zeros)
def _bernoulli_number(self, p, generator):
    return _drawn(self, generator, lambda g, s: g.random(s) < p)


@op("BernoulliBackward1", self=_zeros, p=_zeros)
def _bernoulli_tensor(self, p, generator):
    probabilities = _host(p).astype(np.float64)
    return _drawn(self, generator, lambda g, s: g.random(s) < probabilities)


def _check_p_tensor(p: Tensor) -> None:
    if p._dtype.category != dtypes.FLOATING:
        raise _not_implemented("bernoulli_tensor_cpu_p_", p._dtype)
    data = p._data
    if data.size and not bool(((data >= 0) & (data <= 1)).all()):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
            "message be improved?  If so, please report an enhancement request to PyTorch.)"
        )


def _check_p_number(p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")


def bernoulli_fill(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """bernoulli_(p=0.5): 1 with probability p, in self's dtype (integers and bool too). A
    tensor p broadcasts to self (expand's rules and errors) and is an input of the node."""
    if isinstance(p, Tensor):
        if self._dtype.is_complex:
            raise _not_implemented("bernoulli_tensor_cpu_self_", self._dtype)
        _check_p_tensor(p)
        return _bernoulli_tensor(self, p.expand(self.shape), generator)
    _check_p_number(p)
    if self._dtype.is_complex:
        raise _not_implemented("bernoulli_scalar_cpu_", self._dtype)
    return _bernoulli_number(self, p, generator)


@op("ExponentialBackward0", self=_zeros)
def _exponential(self, lambd, generator):
    return _drawn(self, generator, lambda g, s: g.exponential(1 / lambd, s))


def exponential(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """exponential_(lambd=1): density lambd * exp(-lambd x); floating tensors only."""
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    if self._dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {scalar_type_name(self._dtype)}"
        )
    return _exponential(self, lambd, generator)


@op("GeometricBackward0", self=_zeros)
def _geometric(self, p, generator):
    return _drawn(self, generator, lambda g, s: g.geometric(p, s))


def geometric(self: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """geometric_(p): the number of Bernoulli(p) trials up to the first success (1, 2, ...);
    integer tensors too, bool and complex refused."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    if self._dtype is dtypes.bool or self._dtype.is_complex:
        raise _not_implemented("geometric_cpu", self._dtype)
    return _geometric(self, p, generator)


@op("LogNormalBackward0", self=_zeros)
def _log_normal(self, mean, std, generator):
    return _drawn(self, generator, lambda g, s: g.lognormal(mean, std, s))


def log_normal(
    self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Any = None
) -> Tensor:
    """log_normal_(mean=1, std=2): exp of N(mean, std); mean and std are the log's."""
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    _floating_only(self, "log_normal_cpu")
    return _log_normal(self, mean, std, generator)


@op("CauchyBackward0", self=_zeros)
def _cauchy(self, median, sigma, generator):
    return _drawn(self, generator, lambda g, s: median + sigma * g.standard_cauchy(s))


def cauchy(
    self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None
) -> Tensor:
    """cauchy_(median=0, sigma=1); floating tensors only (its error names the C++ type)."""
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    if self._dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {cpp_type_name(self._dtype)}"
        )
    return _cauchy(self, median, sigma, generator)


def _random_fill(node: str) -> Any:
    """One of random_'s three overloads; each names its own node (RandomBackward0 for
    (from, to), 1 for (to), 2 for ())."""

    @op(node, self=_zeros)
    def fill(self, low, high, generator):
        return _drawn(
            self,
            generator,
            lambda g, s: g.integers(low, high, s, dtype=np.int64, endpoint=True),
        )

    return fill


_random_from_to = _random_fill("RandomBackward0")
_random_to = _random_fill("RandomBackward1")
_random_all = _random_fill("RandomBackward2")


def _as_int64(value: Any) -> int:
    """C++'s static_cast<int64_t> of a float as x86 does it: an infinity (the cast of an end
    beyond float16's range) becomes int64's lowest value."""
    value = float(value)
    return int(value) if math.isfinite(value) else -(2**63)


def _round_from(low: int, dtype: dtypes.dtype) -> int:
    """ATen's update_from: `from` moved up to the next value the floating dtype holds."""
    plus_one = _as_int64(np.array(low + 1).astype(dtype.np))
    if plus_one < low:
        n = abs(low + 1).bit_length() - 1
        low = plus_one + (1 << (n - _digits(dtype) + 1))
    return low


def _round_to(high: int, dtype: dtypes.dtype) -> int:
    """ATen's update_to: `to` moved down to the previous value the floating dtype holds."""
    minus_one = _as_int64(np.array(high - 1).astype(dtype.np))
    if minus_one >= high:
        n = abs(high - 1).bit_length() - 1
        high = minus_one - (1 << (n - _digits(dtype) + 1))
    return high


def _digits(dtype: dtypes.dtype) -> int:
    """Significand bits (std::numeric_limits<T>::digits): every integer up to 2**digits fits."""
    return {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}[dtype.name]


def _check_range(low: int, high_inclusive: int, dtype: dtypes.dtype) -> None:
    """ATen's check_from_to_in_range: both ends within the dtype, and for a floating dtype a
    warning when an end is beyond the integers it holds exactly."""
    if dtype.is_complex:
        raise RuntimeError(
            "check_random_bounds handles only integral, floating-point and boolean types"
        )
    name = cpp_type_name(dtype)
    if dtype.category == dtypes.FLOATING:
        largest = _largest(dtype)
        smallest = -largest
    elif dtype is dtypes.bool:
        smallest, largest = 0, 1
    else:
        smallest, largest = dtypes.bounds(dtype)
    for label, value in (("from", low), ("to - 1", high_inclusive)):
        if not smallest <= value <= largest:
            raise RuntimeError(f"{label} is out of bounds for {name}")
    if dtype.category == dtypes.FLOATING:
        digits = _digits(dtype)
        for label, value in (("from", low), ("to - 1", high_inclusive)):
            if not -(2**digits) <= value <= 2**digits:
                warnings.warn(
                    f"{label} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                    f"limitations {name} can support discrete uniform distribution only within "
                    "this range. This warning will become an error in version 1.7 release, "
                    "please fix the code in advance",
                    UserWarning,
                    stacklevel=4,
                )


def _check_integer(value: Any, signature: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"random_() received an invalid combination of arguments - got {signature}, but "
            "expected one of:\n * (*, torch.Generator generator = None)\n * (int from, int to, "
            "*, torch.Generator generator = None)\n * (int to, *, torch.Generator generator = "
            "None)\n"
        )


def random(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
    """random_(): integers in [0, max] where max is the dtype's largest (2**digits for a
    floating dtype, so every value is exact); random_(to): [0, to); random_(from, to):
    [from, to), and to=None means up to that max."""
    dtype = self._dtype
    if not args and not kwargs:
        if dtype.is_complex:
            raise _not_implemented("random_kernel_cpu", dtype)
        high = 1 if dtype is dtypes.bool else _largest_exact(dtype)
        return _random_all(self, 0, high, generator)
    if len(args) == 1 and not kwargs or set(kwargs) == {"to"} and not args:
        to = args[0] if args else kwargs["to"]
        _check_integer(to, f"({type(to).__name__})")
        return _random_to(self, *_bounds(0, to, dtype), generator)
    low, to = _bind("random_", args, kwargs, (("from", 0), ("to", None)))
    got = ", ".join(type(v).__name__ for v in (low, to) if v is not None)
    _check_integer(low, f"({got})")
    if to is not None:
        _check_integer(to, f"({got})")
    return _random_from_to(self, *_bounds(low, to, dtype), generator)


def _largest_exact(dtype: dtypes.dtype) -> int:
    if dtype.category == dtypes.FLOATING:
        return 2 ** _digits(dtype)
    return dtypes.bounds(dtype)[1]


def _bounds(low: int, to: int | None, dtype: dtypes.dtype) -> tuple[int, int]:
    """[low, high] inclusive for random_(from, to), checked as ATen's random_from_to_impl."""
    floating = dtype.category == dtypes.FLOATING
    if to is not None:
        if low >= to:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={to}"
            )
        if floating:
            low, to = _round_from(low, dtype), _round_to(to, dtype)
            if low >= to:
                raise RuntimeError(
                    "random_ expects 'from' casted to dtype to be less than 'to' casted to "
                    f"dtype, but got from={low} >= to={to}"
                )
        _check_range(low, to - 1, dtype)
        return low, to - 1
    if low == -(2**63):  # the full 64-bit range
        return low, 2**63 - 1
    if dtype.is_complex:
        raise RuntimeError(
            "random_from_to_impl handles only integral, floating-point and boolean types"
        )
    if floating:
        high = 2 ** _digits(dtype)
        low = _round_from(low, dtype)
        if low >= high:
            raise RuntimeError(
                "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                f"casted to dtype, but got from={low} > to_inc={high}"
            )
    else:
        high = 1 if dtype is dtypes.bool else dtypes.bounds(dtype)[1]
    _check_range(low, high, dtype)
    return low, high


# -- torch.normal, bernoulli, poisson, multinomial ---------------------------------------------


@op("NormalBackward1", mean=_zeros)
def _normal_mean(mean, std, generator):
    return _drawn(mean, generator, lambda g, s: g.normal(0.0, 1.0, s) * std + _host(mean))


@op("NormalBackward2", std=_zeros)
def _normal_std(mean, std, generator):
    return _drawn(std, generator, lambda g, s: g.normal(0.0, 1.0, s) * _host(std) + mean)


@op("NormalBackward3", mean=_zeros, std=_zeros)
def _normal_both(mean, std, generator):
    shape = np.broadcast_shapes(mean.shape, std.shape)
    like = array_namespace(mean).broadcast_to(mean, shape)
    return _drawn(like, generator, lambda g, s: g.normal(0.0, 1.0, s) * _host(std) + _host(mean))


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    layout: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """torch.normal's four overloads: tensor mean and/or tensor std (broadcast together, the
    result in mean's dtype, or std's when mean is a number), or two numbers and a size.
    Tensor std is checked as a whole ("all elements"), a number std by its value."""
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        if std._data.size and not bool((std._data >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        _floating_kernel(mean._dtype)
        check_broadcastable([mean, std])  # PyTorch's error for shapes that do not broadcast
        return _normal_both(mean, std.to(mean._dtype), generator)
    if isinstance(mean, Tensor):
        _check_std(std)
        _floating_kernel(mean._dtype)
        return _normal_mean(mean, std, generator)
    if isinstance(std, Tensor):
        if std._data.size and not bool((std._data >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        _floating_kernel(std._dtype)
        return _normal_std(mean, std, generator)
    if size is None:
        raise TypeError(
            "normal() received an invalid combination of arguments - got (float, float), but "
            "expected one of:\n * (Tensor mean, Tensor std, *, torch.Generator generator = None, "
            "Tensor out = None)\n * (Tensor mean, float std = 1, *, torch.Generator generator = "
            "None, Tensor out = None)\n * (float mean, Tensor std, *, torch.Generator generator "
            "= None, Tensor out = None)\n * (float mean, float std, tuple of ints size, *, "
            "torch.Generator generator = None, Tensor out = None, torch.dtype dtype = None, "
            "torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
            "bool requires_grad = False)\n"
        )
    _check_std(std)
    dtype = dtype or dtypes.get_default_dtype()
    _floating_kernel(dtype)
    target = creation.empty(*tuple(size), dtype=dtype, device=device)
    result = _normal_fill(target, mean, std, generator)
    return result.requires_grad_(requires_grad) if requires_grad else result


def _floating_kernel(dtype: dtypes.dtype) -> None:
    if dtype.category < dtypes.FLOATING:
        raise _not_implemented("normal_kernel_cpu", dtype)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """bernoulli(input): each element 1 with the probability input holds (floating input);
    bernoulli(input, p): input's shape and dtype (any real dtype), every element with
    probability p, and a node whose backward is not implemented, as in PyTorch."""
    need_tensor("bernoulli", "input", 1, input)
    if p is None:
        _check_p_tensor(input)
        return _bernoulli_input(input, generator)
    if isinstance(p, Tensor):
        raise TypeError(
            "bernoulli() received an invalid combination of arguments - got (Tensor, Tensor), "
            "but expected one of:\n * (Tensor input, *, torch.Generator generator = None, "
            "Tensor out = None)\n * (Tensor input, float p, *, torch.Generator generator = "
            "None)\n"
        )
    _check_p_number(p)
    if input._dtype.is_complex:
        raise _not_implemented("bernoulli_scalar_cpu_", input._dtype)
    return _bernoulli_p(input, p, generator)


@op("BernoulliBackward0", input=_zeros)
def _bernoulli_input(input, generator):
    probabilities = _host(input).astype(np.float64)
    return _drawn(input, generator, lambda g, s: g.random(s) < probabilities)


@op("NotImplemented", input=no_derivative("bernoulli"))
def _bernoulli_p(input, p, generator):
    return _drawn(input, generator, lambda g, s: g.random(s) < p)


@op("PoissonBackward0", input=_zeros)
def _poisson(input, generator):
    rates = _host(input).astype(np.float64)
    infinite = np.isinf(rates)

    def draw(g: Any, shape: tuple) -> np.ndarray:
        counts = g.poisson(np.where(infinite, 0.0, rates), shape).astype(np.float64)
        # PyTorch's sampler turns an infinite rate into int64's lowest value.
        return np.where(infinite, float(-(2**63)), counts)

    return _drawn(input, generator, draw)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Counts drawn from Poisson(rate) for each rate in input (floating, non-negative)."""
    need_tensor("poisson", "input", 1, input)
    if input._dtype.category != dtypes.FLOATING:
        raise _not_implemented("poisson_cpu", input._dtype)
    data = input._data
    if data.size and not bool((data >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _poisson(input, generator)


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    """Category indices (int64) drawn by the weights in each row of a 1-D or 2-D input.

    Without replacement PyTorch keeps the largest keys weight / Exp(1) (the Gumbel top-k
    trick): weighted sampling without repeats, zero-weight categories last. With replacement
    each draw inverts the row's cumulative distribution."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int | np.integer):
        raise TypeError(
            "multinomial(): argument 'num_samples' (position 2) must be int, not "
            f"{type(num_samples).__name__}"
        )
    if input._dtype.category != dtypes.FLOATING:
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{scalar_type_name(input._dtype)}"
        )
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    if categories > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    weights = _host(input._data).astype(np.float64).reshape(-1, categories)
    if weights.size:
        _check_weights(weights, replacement and num_samples > 1)
    source = generator if generator is not None else creation.random_source()
    if replacement and num_samples > 1:
        cumulative = np.cumsum(weights, axis=1)
        cumulative /= cumulative[:, -1:]
        u = source.random((weights.shape[0], num_samples))
        rows = [np.searchsorted(c, r, side="right") for c, r in zip(cumulative, u, strict=True)]
        host = np.array(rows, dtype=np.int64).reshape(weights.shape[0], num_samples)
        host = np.minimum(host, categories - 1)
    else:
        keys = weights / source.exponential(1.0, weights.shape)
        host = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    if input.ndim == 1:
        host = host.reshape(num_samples)
    xp = array_namespace(input._data)
    return Tensor._wrap(xp.asarray(host), dtypes.int64, input._device)


def _check_weights(weights: np.ndarray, replacement_kernel: bool) -> None:
    """The two kernels word the same checks differently."""
    if replacement_kernel:
        if (weights < 0).any() or np.isnan(weights).any():
            raise RuntimeError(
                "invalid multinomial distribution (encountering probability entry < 0)"
            )
        if np.isinf(weights).any():
            raise RuntimeError(
                "invalid multinomial distribution (encountering probability entry = infinity or "
                "NaN)"
            )
    elif not (weights.max() < np.inf and weights.min() >= 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (weights.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


# -- logspace ------------------------------------------------------------------------------------


def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """base ** linspace(start, end, steps), computed as ATen computes it: the first half of
    the exponents counted up from start, the second half down from end (so both ends are
    exact). An integer dtype truncates start, end and base to integers first, steps in double,
    and truncates each power (wrapping as C++'s cast does)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or dtypes.get_default_dtype()
    if dtype is dtypes.bool:
        raise _not_implemented("logspace_cpu", dtype)
    start, end = creation.as_numbers(start, end)
    integral = dtype.category < dtypes.FLOATING
    if integral:  # start, end and base in the integer dtype (-1 is 255 as uint8)
        start, end, base = (int(np.array(int(v)).astype(dtype.np)) for v in (start, end, base))
    compute = np.complex128 if dtype.is_complex else np.float64
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    index = np.arange(steps)
    if steps == 1:  # base ** start, where the formula would divide by zero steps
        exponents = np.full(1, start, dtype=compute)
    else:
        exponents = np.where(
            index < steps // 2, start + step * index, end - step * (steps - index - 1)
        ).astype(compute)
    with np.errstate(all="ignore"):
        host = np.power(compute(base), exponents)
        # An integer dtype truncates through int64, wrapping as C++'s cast does.
        host = (host.astype(np.int64) if integral else host).astype(dtype.np)
    dev = placement(device)
    return creation._finish(creation._on(dev, host), dtype, dev, requires_grad)


# -- the generator's state -------------------------------------------------------------------

# The state of NumPy's PCG64 and the seed it started from, little-endian: the 128-bit state
# and increment, the cached half-word (a flag and 32 bits), and initial_seed() (16 bytes, so
# that any seed comes back as it was given).
_STATE_FIELDS = (("state", 16), ("inc", 16), ("has_uint32", 1), ("uinteger", 4), ("seed", 16))
_STATE_SIZE = sum(size for _, size in _STATE_FIELDS)


def get_rng_state() -> Tensor:
    """torch.get_rng_state: the global generator's state as a 1-D uint8 (Byte) tensor on the
    CPU; set_rng_state with it replays the same draws. Its bytes are this engine's (NumPy's
    PCG64 and the seed, 53 bytes), not PyTorch's 5056-byte Mersenne Twister state."""
    state = creation._generator[0].bit_generator.state
    values = {**state, **state["state"], "seed": creation._seed[0]}
    data = b"".join(
        int(values[name]).to_bytes(size, "little", signed=name == "seed")
        for name, size in _STATE_FIELDS
    )
    return creation.tensor(list(data), dtype=dtypes.uint8)


def set_rng_state(new_state: Tensor) -> None:
    """torch.set_rng_state: restore a state from get_rng_state (initial_seed() included). Like
    PyTorch, it takes any contiguous uint8 tensor of the right number of bytes."""
    if not isinstance(new_state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
    if new_state._dtype is not dtypes.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if not new_state.is_contiguous():
        raise RuntimeError("RNG state must be contiguous")
    if new_state.numel() != _STATE_SIZE:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input RNG "
            f"state size to be {new_state.numel()}"
        )
    data = bytes(np.asarray(new_state.tolist(), dtype=np.uint8).reshape(-1).tolist())
    values, start = {}, 0
    for name, size in _STATE_FIELDS:
        chunk = data[start : start + size]
        values[name] = int.from_bytes(chunk, "little", signed=name == "seed")
        start += size
    generator = np.random.default_rng()
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": values["state"], "inc": values["inc"]},
        "has_uint32": values["has_uint32"],
        "uinteger": values["uinteger"],
    }
    creation._generator[0] = generator
    creation._seed[0] = values["seed"]


TENSOR_METHODS: dict = {"bernoulli": bernoulli, "multinomial": multinomial}
TENSOR_IN_PLACE: dict = {
    "uniform_": uniform,
    "normal_": normal_fill,
    "bernoulli_": bernoulli_fill,
    "exponential_": exponential,
    "geometric_": geometric,
    "log_normal_": log_normal,
    "cauchy_": cauchy,
    "random_": random,
}
