"""The TypeErrors of PyTorch's argument parser, which refuses arguments of the wrong type before
an op runs: "must be Tensor, not int" where the schema has one overload, "received an invalid
combination of arguments" with the overloads listed where it has several. Ops that raise them
share these two builders, so the wording stays PyTorch's in one place."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from conformance.reference import warn_once
from conformance.reference.tensor import Tensor


def type_name(value: Any) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def need_tensor(name: str, label: str, position: int, value: Any) -> None:
    """The one-overload refusal: `value`, argument `label` at `position` (1-based, counting
    the input as the function form does), must be a tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{label}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


def invalid_arguments(
    name: str,
    overloads: tuple[str, ...],
    positional: tuple,
    keywords: dict | None = None,
    defaults: dict | None = None,
) -> TypeError:
    """The several-overload refusal: the types it got (positional ones, then the keywords
    given, last first as PyTorch lists them; with `defaults`, only those that differ from
    their defaults) and the overloads it would take. Under an overload with no keyword-only
    parameters, PyTorch says why it did not match: keywords it does not have, or else (with
    as many parameters as arguments) the types."""
    got = [type_name(v) for v in positional]
    named = [k for k, v in (keywords or {}).items() if defaults is None or v is not defaults[k]]
    got += [f"{k}={type_name(keywords[k])}" for k in reversed(named)]
    lines = ""
    for overload in overloads:
        lines += f" * ({overload})\n"
        parameters = overload.split(", ")
        unknown = [
            k for k in named if k not in {p.split(" = ")[0].split(" ")[-1] for p in parameters}
        ]
        if "*" in parameters:
            continue
        if unknown:
            lines += f"      didn't match because {_WRONG_KEYWORDS}: {', '.join(unknown)}\n"
        elif len(parameters) == len(got):
            lines += f"      didn't match because {_INVALID_TYPES}: ({_marked(got, parameters)})\n"
    return TypeError(
        f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), but "
        f"expected one of:\n{lines}"
    )


def one_overload_refused(name: str, overload: str, positional: tuple) -> TypeError:
    """The invalid-combination refusal where one overload is shown (the others hidden)."""
    got = ", ".join(type_name(v) for v in positional)
    return TypeError(
        f"{name}() received an invalid combination of arguments - got ({got}), but expected "
        f"({overload})"
    )


_INVALID_TYPES = "some of the arguments have invalid types"
_WRONG_KEYWORDS = "some of the keywords were incorrect"


def _marked(got: list, parameters: list) -> str:
    """The types given, each between !s unless it is a Tensor given for a Tensor parameter.
    PyTorch adds this line under an overload that has no keyword-only parameters and as many
    parameters as the arguments given (as observed: remainder(7, 2) under "Number self,
    Tensor other", not under the overloads with an out=); it marks a number given for a
    Number too (there "(!int!, !int!)")."""
    marks = []
    for given, parameter in zip(got, parameters, strict=True):
        keyword, _, kind = given.rpartition("=")
        if keyword:
            named = [p for p in parameters if p.split(" = ")[0].endswith(f" {keyword}")]
            parameter = named[0] if named else ""
        tensor_for_tensor = kind == "Tensor" and parameter.startswith("Tensor ")
        marks.append(given if tensor_for_tensor else f"!{given}!")
    return ", ".join(marks)


def method_overloads(overloads: tuple[str, ...]) -> tuple[str, ...]:
    """A function's schemas as its Tensor method lists them: those whose first parameter is
    a Tensor, without it and without out= (x.eq's "Tensor other" and "Number other")."""
    found: list[str] = []
    for overload in overloads:
        first, *rest = overload.split(", ")
        rest = [p for p in rest if p != "Tensor out = None"]
        if rest and rest[-1] == "*":
            rest.pop()
        method = ", ".join(rest)
        if first.startswith("Tensor ") and method not in found:
            found.append(method)
    return tuple(found)


def number_self_overloads(
    other: str,
    out: bool,
    input: str = "input",
    number: str = "self",  # noqa: A002
) -> tuple[str, ...]:
    """The three schemas of a binary op that also takes a Number first (xlogy, pow, remainder,
    the bitwise ops), as PyTorch lists them; `out`: whether the Number-first one has an out=.
    `input` and `number` name the first parameter in the Tensor and Number schemas."""
    tail = ", *, Tensor out = None"
    return (
        f"Tensor {input}, Tensor {other}{tail}",
        f"Number {number}, Tensor {other}{tail if out else ''}",
        f"Tensor {input}, Number {other}{tail}",
    )


def too_many_positional(name: str, allowed: int, given: int) -> TypeError:
    """The parser's refusal of surplus positional arguments (a method's counts leave out
    self)."""
    return TypeError(
        f"{name}() takes {allowed} positional argument{'' if allowed == 1 else 's'} but "
        f"{given} {'was' if given == 1 else 'were'} given"
    )


def missing_arguments(name: str, missing: list[str]) -> TypeError:
    """The parser's refusal of a call without required arguments, naming each (it writes "1
    required positional arguments" and "2 required positional argument", as observed)."""
    return TypeError(
        f"{name}() missing {len(missing)} required positional "
        f"argument{'s' if len(missing) == 1 else ''}: " + ", ".join(f'"{m}"' for m in missing)
    )


def positional_alpha(op: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """add and sub (and add_, sub_, subtract) called with a third positional argument. Their
    alpha is keyword-only: `torch.add(x, y, 2)` is refused. add and sub keep a deprecated
    overload, add(Tensor input, Number alpha, Tensor other), so `torch.add(x, 2, y)` is
    x + 2 * y, with a warning the first time any deprecated overload is used in the process;
    subtract has none, but takes (Tensor input, Number other, Number alpha) as every op
    does. Returns the arguments as (input, other) plus alpha= for the op to bind."""
    name = op._label or op.__name__
    method = 1 if op._in_method else 0  # (self is args[0] for a method too)
    if len(args) == 2:  # (other given by keyword: add(x, 2, other=y), the deprecated overload)
        kwargs = dict(kwargs)
        args = (*args, kwargs.pop("other"))
    first, second = args[1], args[2]
    listed = op.overloads is not None  # (subtract: no deprecated overload, its own listed)
    if len(args) == 3 and "alpha" not in kwargs and "other" not in kwargs and _scalar(first):
        if listed:
            if _scalar(second):  # (Number other, Number alpha)
                return args[:2], {**kwargs, "alpha": _number(second)}
        elif isinstance(second, Tensor) or _scalar(second):
            _warn_deprecated(name, method)
            return (args[0], second), {**kwargs, "alpha": _number(first)}
    if listed and len(args) == 3:
        overloads = op.overloads if not method else method_overloads(op.overloads)
        raise invalid_arguments(name, overloads, args[method:], kwargs)
    raise too_many_positional(name, 2 - method, len(args) - method)


def _scalar(value: Any) -> bool:
    """What the parser takes for a Number: a Python number, or a 0-dim tensor that does not
    require grad."""
    if isinstance(value, Tensor):
        return value.ndim == 0 and not value.requires_grad
    return isinstance(value, bool | int | float | complex)


def _number(value: Any) -> Any:
    return value.item() if isinstance(value, Tensor) else value


# One flag for every deprecated overload: PyTorch warns from one TORCH_WARN_ONCE in its parser.
_DEPRECATED_KEY = "deprecated overload"


def _warn_deprecated(name: str, method: int) -> None:
    if method:
        old, new = "Number alpha, Tensor other", "Tensor other, *, Number alpha = 1"
    else:
        old = "Tensor input, Number alpha, Tensor other, *, Tensor out = None"
        new = "Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None"
    warn_once.warn_once(
        f"This overload of {name} is deprecated:\n\t{name}({old})\nConsider using one of the "
        f"following signatures instead:\n\t{name}({new})",
        stacklevel=5,  # (the caller of the op, or of the in-place method)
        key=_DEPRECATED_KEY,
    )


def parsed(
    function: Any, checks: tuple, arity_first: bool = False, exported: str | None = None
) -> Any:
    """`function` behind PyTorch's argument parser, for a namespace to export: each of
    `checks`, (index of the parameter, ATen's op name, PyTorch's label, PyTorch's position),
    names an argument that must be a Tensor, or the call is refused by ATen's name (log_sigmoid
    for logsigmoid) before anything runs. `arity_first` for torch.nn.functional, whose
    functions are Python: a missing argument is Python's TypeError before any parsing. Only
    the exported name is wrapped: the engine's own calls and the Tensor methods go straight to
    `function`. Without `arity_first`, a call missing an argument is refused in the parser's
    words, by `exported` (the exported name with its ATen prefix: linalg_det)."""
    signature = None
    if hasattr(function, "params"):  # a declared op (clone, t): its parameters are listed
        parameters, required = list(function.params), function.n_required
    else:
        signature = inspect.signature(function)
        parameters = list(signature.parameters)
        required = sum(
            p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in signature.parameters.values()
        )

    own_refusals = getattr(function, "refuses_missing_arguments", False)

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not arity_first or len(args) + len(kwargs) >= required:
            for index, name, label, position in checks:
                if index < len(args):
                    need_tensor(name, label, position, args[index])
                elif parameters[index] in kwargs:
                    need_tensor(name, label, position, kwargs[parameters[index]])
        try:
            return function(*args, **kwargs)
        except TypeError:
            translatable = not (arity_first or own_refusals) and len(args) < required
            missing = _missing(signature, args, kwargs) if translatable and signature else None
            if not missing:
                raise
            refusal = missing_arguments(exported or function.__name__, missing)
        raise refusal

    return checked


def _missing(signature: inspect.Signature, args: tuple, kwargs: dict) -> list[str]:
    """The required positional parameters a call leaves out (none where the call binds, or
    fails to bind for another reason: then the TypeError came from inside)."""
    try:
        signature.bind(*args, **kwargs)
        return []
    except TypeError:
        pass
    try:
        given = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        return []
    return [
        "input" if name == "self" else name
        for name, p in signature.parameters.items()
        if (p.default is p.empty or getattr(p.default, "missing_when_omitted", False))
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        and name not in given
    ]
