"""Plain data exchanged between the kit's modules: cases, check outcomes, results.

Every module talks in these dataclasses and nothing else, so the loader, the worker, the
runner and the reports can change independently. All of them round-trip through JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

STATUSES = (
    "pass",
    "fail",
    "error",
    "unsupported",
    "skip",
    "xfail",
    "xpass",
    "timeout",
    "crash",
    "oom",
    "invalid",
)
# Statuses meaning "the engine (or the spec) did not do what was expected": a run exits 1.
UNEXPECTED = frozenset({"fail", "error", "xpass", "timeout", "crash", "oom", "invalid"})

# What a case may `need` and an adapter may declare. A device type is also a capability: a case
# that needs `cuda` runs only with a CUDA device under test.
CAPABILITIES = {
    "cuda": "a CUDA device",
    # PyTorch's CUDA kernels check some arguments with device-side asserts, which poison the
    # process, where its CPU kernels raise: a case about such an error runs on the CPU only.
    "cpu": "the CPU device (the case states what PyTorch's CPU kernels raise)",
    "autograd": "reverse-mode autograd: .grad, backward, grad_fn",
    "nn": "torch.nn modules and functional",
    "optim": "torch.optim optimizers",
    "numpy": "the NumPy bridge: .numpy(), from_numpy, as_tensor",
    "float16": "the float16 dtype",
    "bfloat16": "the bfloat16 dtype",
    "float64": "the float64 dtype",
    "inference_mode": "torch.inference_mode and inference tensors",
    "hooks": "tensor hooks (register_hook)",
    "custom_function": "custom torch.autograd.Function subclasses",
    "legacy_constructors": "torch.FloatTensor and the other legacy tensor types",
}


@dataclass(frozen=True)
class Location:
    """Where something sits in a spec file; 1-based line and column, as editors count."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass
class Case:
    """One behaviour: a program in the PyTorch API and what must hold after it runs.

    `expect` maps an expression (evaluated after the program) to a matcher: a plain value
    (shorthand) or a dict of matcher keys. `raises` applies to the program's last statement.
    """

    id: str
    title: str
    program: str
    location: Location
    sources: list[Source] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)
    expect_locations: dict[str, Location] = field(default_factory=dict)
    raises: dict[str, Any] | None = None
    warns: Any = None
    needs: list[str] = field(default_factory=list)
    pytorch: str | None = None
    rtol: float | None = None
    atol: float | None = None
    # Where the program's text starts in its file, so checker errors point at file positions.
    program_line: int = 1
    program_column: int = 1
    yaml_text: str = ""

    @property
    def area(self) -> str:
        """The id's first component (`autograd` in `autograd.leaf.x`): how reports group cases."""
        return self.id.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        data = dict(data)
        data["location"] = Location(**data["location"])
        data["sources"] = [Source(**s) for s in data["sources"]]
        data["expect_locations"] = {
            k: Location(**v) for k, v in data.get("expect_locations", {}).items()
        }
        return cls(**data)


@dataclass
class Check:
    """The outcome of one matcher on one expression (or on the program's raise/warn)."""

    subject: str
    matcher: str
    ok: bool
    expected: Any
    actual: Any
    detail: str = ""
    # For raises/warns: whether the message matched too. The type is semantics and decides `ok`;
    # the wording is graded separately ("pass, message differs") because engines word errors
    # differently.
    message_ok: bool | None = None


@dataclass
class Result:
    case_id: str
    engine: str
    device: str
    status: str
    reason: str = ""
    checks: list[Check] = field(default_factory=list)
    message_conforms: bool | None = None
    traceback: str | None = None
    duration_s: float = 0.0
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": "result", **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        data = {k: v for k, v in data.items() if k != "type"}
        data["checks"] = [Check(**c) for c in data.get("checks", [])]
        return cls(**data)

    @property
    def unexpected(self) -> bool:
        return self.status in UNEXPECTED
