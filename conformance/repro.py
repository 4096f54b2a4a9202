"""Standalone Python scripts that reproduce one case against one engine, with no kit needed."""

from __future__ import annotations

import os
from typing import Any

import jinja2

from conformance.adapter import available_engines
from conformance.execute import split_last_statement
from conformance.model import Case

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("conformance", "templates"),
    keep_trailing_newline=True,
    autoescape=False,  # the output is Python source, not HTML
)
_env.filters["pyrepr"] = repr  # literals in the script must be Python, not JSON


def engine_import(engine: str, device: str) -> str:
    """The lines that bind `torch` to the engine, as a user of that engine would write them."""
    if engine == "torch":
        return "import torch"
    if engine.startswith("module:"):
        return f"import {engine.removeprefix('module:')} as torch"
    if engine == "reference":
        if device == "cuda" and os.environ.get("CONFORMANCE_SIMULATED_CUDA") == "1":
            return (
                "import os\n\n"
                "# The simulated CUDA device (NumPy arrays labelled cuda:0), as in the run:\n"
                'os.environ["CONFORMANCE_SIMULATED_CUDA"] = "1"\n'
                "import conformance.reference as torch  # noqa: E402"
            )
        return "import conformance.reference as torch"
    target = available_engines().get(engine, engine)
    module, _, attr = target.partition(":")
    return f"from {module} import {attr}\n\ntorch = {attr}().namespace({device!r})"


def describe(outcome: dict[str, Any] | None) -> str:
    if not outcome:
        return ""
    return outcome["type"] + (f" matching {outcome['match']!r}" if outcome.get("match") else "")


def repro_script(case: Case, engine: str = "torch", device: str = "cpu") -> str:
    return render_repro(case, engine, device, engine_import(engine, device))


def render_repro(case: Case, engine: str, device: str, import_lines: str) -> str:
    """The script with the engine's import lines given: reports render it once per case with
    placeholders and fill in each engine-device lane in the browser, instead of once per lane."""
    head, last, _ = split_last_statement(case.program)
    return _env.get_template("repro.py.j2").render(
        case=case,
        engine=engine,
        device=device,
        engine_import=import_lines,
        head=head.rstrip(),
        last=last.rstrip(),
        describe=describe,
        filename=f"repro_{case.id.replace('.', '_').replace('-', '_')}.py",
    )
