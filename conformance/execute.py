"""Running one case against one engine on one device, in the current process.

The worker process calls `run_case`; it never raises for anything a case or an engine does:
every outcome becomes a `Result`.
"""

from __future__ import annotations

import ast
import time
import traceback
import warnings
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from conformance.adapter import Adapter, EngineInfo
from conformance.matchers import (
    Context,
    Evaluated,
    check_raised,
    check_warned,
    describe_exception,
    match,
)
from conformance.model import Case, Check, Result
from conformance.sandbox import compile_checked, make_globals


def device_type(device: str) -> str:
    return device.split(":")[0]


def precondition(case: Case, info: EngineInfo, device: str) -> tuple[str, str] | None:
    """Why a case does not run here (status, reason), or None when it does."""
    missing = [n for n in case.needs if n not in info.capabilities and n != device_type(device)]
    device_needs = [n for n in case.needs if n in ("cuda", "cpu")]
    if device_needs and device_type(device) not in device_needs:
        return "unsupported", f"needs a {' or '.join(device_needs)} device under test, not {device}"
    if missing:
        return "unsupported", f"engine lacks {', '.join(missing)}"
    if case.pytorch:
        try:
            version = Version(info.pytorch_version)
        except InvalidVersion:
            return None
        if version not in SpecifierSet(case.pytorch):
            return "skip", f"states PyTorch {case.pytorch}; engine follows {info.pytorch_version}"
    return None


def split_last_statement(program: str) -> tuple[str, str, int]:
    """(everything before the last statement, the last statement, its first line), so `raises`
    can apply to the last statement only."""
    body = ast.parse(program).body
    last = body[-1]
    start = min([last.lineno] + [d.lineno for d in getattr(last, "decorator_list", [])])
    lines = program.splitlines(keepends=True)
    return "".join(lines[: start - 1]), "".join(lines[start - 1 :]), start


def device_fault(result: Result) -> bool:
    """Whether a case left a CUDA fault behind (PyTorch's "CUDA error: ...", CuPy's
    "cudaError..."): such a fault is sticky, and every later call in the process fails."""
    text = f"{result.reason or ''}\n{result.traceback or ''}\n{result.checks}"
    return "CUDA error" in text or "cudaError" in text


def run_case(case: Case, adapter: Adapter, info: EngineInfo, device: str) -> Result:
    started = time.perf_counter()
    result = Result(case.id, info.name, device, "pass", location=str(case.location))
    blocked = precondition(case, info, device)
    if blocked:
        result.status, result.reason = blocked
        return result
    try:
        _run(case, adapter, device, result)
    except Exception as exc:  # an adapter that raises in its own methods costs this case only
        result.status = "error"
        result.reason = f"adapter error: {type(exc).__name__}: {exc}"
        result.traceback = traceback.format_exc()
    finish = getattr(adapter, "finish", None)  # optional: adapters written before it lack it
    try:
        if finish is not None:
            finish(device)
    except Exception as exc:
        result.status = "error"
        result.reason = (
            f"the device reported a fault after the program ran: {type(exc).__name__}: {exc}"
        )
        result.traceback = traceback.format_exc()
    result.duration_s = round(time.perf_counter() - started, 6)
    return result


def _run(case: Case, adapter: Adapter, device: str, result: Result) -> None:
    adapter.reset()
    filename = case.location.file
    namespace = make_globals(adapter.namespace(device), device)
    head, last, last_line = split_last_statement(case.program)
    first = case.program_line
    program = case.program
    head_code = (
        compile_checked(head, filename, "exec", first, program=program) if head.strip() else None
    )
    last_code = compile_checked(last, filename, "exec", first + last_line - 1, program=program)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if head_code is not None:
                exec(head_code, namespace)
        except Exception as exc:
            _engine_error(result, exc, "the program raised before its last statement")
            return
        last_exc: BaseException | None = None
        try:
            exec(last_code, namespace)
        except Exception as exc:
            last_exc = exc
    program_warnings = list(caught)

    checks: list[Check] = []
    if case.raises is not None:
        checks.append(check_raised("program", case.raises, last_exc))
    elif last_exc is not None:
        _engine_error(result, last_exc, "the program raised")
        return
    if case.warns is not None:
        checks.append(check_warned("program", case.warns, program_warnings))

    def evaluate(expr: str) -> Any:
        return eval(compile_checked(expr, filename, "eval", program=program), namespace)

    ctx = Context(adapter.observe, adapter.shares_memory, evaluate, device, case.rtol, case.atol)
    for expr, expectation in case.expect.items():
        checks.extend(match(expr, expectation, _evaluate(evaluate, expr), ctx))

    result.checks = checks
    graded = [c.message_ok for c in checks if c.message_ok is not None]
    result.message_conforms = all(graded) if graded else None
    failed = [c for c in checks if not c.ok]
    if failed:
        result.status = "fail"
        result.reason = "; ".join(_describe(c) for c in failed[:3])
    elif result.message_conforms is False:
        result.reason = "message differs"


def _evaluate(evaluate: Any, expr: str) -> Evaluated:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = evaluate(expr)
        except Exception as exc:
            return Evaluated(exception=exc, warnings=list(caught))
    return Evaluated(value=value, warnings=list(caught))


def _engine_error(result: Result, exc: BaseException, what: str) -> None:
    result.status = "oom" if isinstance(exc, MemoryError) else "error"
    result.reason = f"{what}: {describe_exception(exc)}"
    result.traceback = "".join(traceback.format_exception(exc))


def _describe(check: Check) -> str:
    detail = f" ({check.detail})" if check.detail else ""
    expected, actual = check.expected, check.actual
    return f"{check.subject}: {check.matcher} expected {expected!r}, got {actual!r}{detail}"
