"""torch.abs_(x), torch.relu_(x), ...: the top-level spellings of in-place Tensor methods.

PyTorch exposes many in-place ops twice, as `x.abs_()` and as `torch.abs_(x)`; both are the
same kernel, return x itself, bump its version and rebase its history. So each function here
is the method, called on its first argument: the rules live once, in ops/inplace.py and the
method tables (ops/methods.py and each op module's TENSOR_IN_PLACE).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.ops import methods  # noqa: F401 - binds the methods first
from conformance.reference.ops.argument_errors import missing_arguments
from conformance.reference.tensor import Tensor

# Those in torch's namespace (`[n for n in dir(torch) if n.endswith("_")]`), less the sparse,
# embedding and as_strided ones.
_NAMES = (
    "abs_",
    "absolute_",
    "acos_",
    "acosh_",
    "addmv_",
    "arccos_",
    "arccosh_",
    "arcsin_",
    "arcsinh_",
    "arctan_",
    "arctanh_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "ceil_",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "cos_",
    "cosh_",
    "deg2rad_",
    "detach_",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "gcd_",
    "i0_",
    "index_put_",
    "lcm_",
    "ldexp_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "logit_",
    "nan_to_num_",
    "neg_",
    "negative_",
    "rad2deg_",
    "reciprocal_",
    "relu_",
    "resize_as_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "xlogy_",
    "zero_",
)


def _top_level(name: str) -> Any:
    def function(*args: Any, **kwargs: Any) -> Any:
        if args:
            input, *args = args  # noqa: A001
        elif "input" in kwargs:
            input = kwargs.pop("input")  # noqa: A001
        else:
            raise missing_arguments(name, ["input"])
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not "
                f"{type(input).__name__}"
            )
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, ...): input.{name}(...), the same in-place op."
    return function


# Only the names whose method exists: a method still missing stays missing here too.
__all__ = [name for name in _NAMES if hasattr(Tensor, name)]
globals().update({name: _top_level(name) for name in __all__})
