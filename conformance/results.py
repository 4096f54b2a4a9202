"""The results file: JSON lines streamed as a run goes, so a killed run keeps what it finished.

Line types: one `run` header (metadata), one `engine` line per engine probed, one `result` line
per case outcome, and an `end` line when the run completes. Readers skip a torn last line.
"""

from __future__ import annotations

import json
import os
import platform
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import conformance
from conformance.model import Result


def jsonable(data: Any) -> Any:
    """Anything an engine hands back (NumPy scalars, odd objects) as plain JSON data."""
    return json.loads(json.dumps(data, default=_fallback))


def _fallback(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_metadata(run_id: str, spec_digest: str, argv: list[str]) -> dict[str, Any]:
    return {
        "type": "run",
        "run_id": run_id,
        "kit_version": conformance.__version__,
        "spec_digest": spec_digest,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "argv": argv,
        "started": _now(),
    }


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class ResultsWriter:
    """Appends one flushed line per record; safe to call from several lane threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(jsonable(record), sort_keys=False) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()

    def write_result(self, result: Result) -> None:
        self.write(result.to_dict())

    def finish(self, counts: dict[str, int]) -> None:
        self.write({"type": "end", "finished": _now(), "counts": counts})
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


@dataclass
class RunRecord:
    """A results file read back: metadata, engines and results."""

    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    engines: list[dict[str, Any]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    complete: bool = False
    skipped_lines: int = 0


def read_results(path: Path) -> RunRecord:
    record = RunRecord(path)
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                record.skipped_lines += 1  # a torn last line from a killed run
                continue
            kind = data.get("type")
            if kind == "run":
                record.meta = data
            elif kind == "engine":
                record.engines.append(data)
            elif kind == "result":
                record.results.append(Result.from_dict(data))
            elif kind == "end":
                record.complete = True
    return record
