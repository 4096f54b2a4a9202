"""The data behind every report: results files read back, merged, and counted.

Reports read results lines as plain dicts (not `Result` objects): a report of 100,000 results
must build in well under three seconds, and the dataclass round trip is the slowest part of it.
Several files (runs or shards) merge into one model; a case x engine x device that appears more
than once is taken from the later file (or the later line).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.model import STATUSES, UNEXPECTED

PASSING = frozenset({"pass", "xfail"})
# Results that say nothing about the engine: left out of the pass rate's denominator.
NOT_RUN = frozenset({"skip", "unsupported", "invalid"})
SPECS_LANE = "(specs)"


def results_file(path: Path) -> Path:
    """A run folder (or `reports/latest`) stands for its results.jsonl."""
    return path / "results.jsonl" if path.is_dir() else path


@dataclass(frozen=True)
class Lane:
    """One engine-device column. `engine == ""` holds `invalid` results of broken specs."""

    engine: str
    device: str
    label: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.engine, self.device)


@dataclass
class ReportModel:
    runs: list[dict[str, Any]] = field(default_factory=list)
    engines: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (case_id, engine, device) -> the result line, as read.
    results: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    lanes: list[Lane] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)

    def lane_label(self, engine: str, device: str) -> str:
        if not engine:
            return SPECS_LANE
        if not device:
            return engine
        labels = self.engines.get(engine, {}).get("info", {}).get("device_labels", {})
        shown = labels.get(device) or labels.get(device.split(":", 1)[0]) or device
        return f"{engine} / {shown}"

    def area(self, case_id: str) -> str:
        return case_id.split(".", 1)[0]


try:  # optional: parses and writes JSON several times faster than the standard library
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None


def parse_lines(raw: bytes) -> tuple[list[Any], list[int]]:
    """Every line's JSON value (None for a torn or blank line) and its length in bytes.

    One parse of the whole file as a JSON array is twice as fast as one parse per line (JSON
    strings cannot hold a raw newline, so joining lines with commas is safe); any bad line sends
    the file down the per-line path, which skips what does not parse.
    """
    lines = raw.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    sizes = [len(line) for line in lines]
    joined = b"[" + b",".join(lines) + b"]"
    try:
        values = _orjson.loads(joined) if _orjson else json.loads(joined)
        if len(values) == len(lines):
            return values, sizes
    except ValueError:
        pass
    values = []
    for line in lines:
        try:
            values.append(json.loads(line))
        except ValueError:
            values.append(None)
    return values, sizes


def read_lines(path: Path, model: ReportModel) -> None:
    """Add one results file to the model; a torn last line (a killed run) is skipped."""
    run: dict[str, Any] = {"path": str(path), "complete": False, "skipped_lines": 0}
    results = model.results
    values, sizes = parse_lines(path.read_bytes())
    for data, size in zip(values, sizes, strict=True):
        if not isinstance(data, dict):
            run["skipped_lines"] += 1
            continue
        kind = data.get("type")
        if kind == "result":
            data["_size"] = size  # what its details cost to embed, roughly
            results.pop(key := (data["case_id"], data["engine"], data["device"]), None)
            results[key] = data
        elif kind == "run":
            run.update({k: v for k, v in data.items() if k != "type"})
        elif kind == "engine":
            model.engines[data["engine"]] = data
        elif kind == "end":
            run["complete"] = True
            run["finished"] = data.get("finished")
    model.runs.append(run)


def dumps(data: Any) -> str:
    """Compact JSON, fast: orjson when installed, else the standard library's C encoder."""
    if _orjson is not None:
        try:
            return _orjson.dumps(data, default=repr).decode()
        except TypeError:  # e.g. integers beyond 64 bits
            pass
    return json.dumps(data, ensure_ascii=False, default=repr, separators=(",", ":"))


def load_model(paths: list[Path]) -> ReportModel:
    model = ReportModel()
    for path in paths:
        read_lines(results_file(Path(path)), model)
    lanes: dict[tuple[str, str], None] = {}
    cases: dict[str, None] = {}
    for case_id, engine, device in model.results:
        lanes[(engine, device)] = None
        cases[case_id] = None
    engine_order = {name: i for i, name in enumerate(model.engines)}
    model.lanes = sorted(
        (Lane(e, d, model.lane_label(e, d)) for e, d in lanes),
        key=lambda lane: (not lane.engine, engine_order.get(lane.engine, 1 << 30), lane.label),
    )
    model.case_ids = sorted(cases, key=lambda c: (model.area(c), c))
    for result in model.results.values():  # synthetic or future results may carry these
        if "title" in result:
            model.titles[result["case_id"]] = str(result["title"])
        if "tags" in result:
            model.tags[result["case_id"]] = [str(t) for t in result["tags"]]
    return model


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def lane_figures(counts: Counter, graded: list[int]) -> dict[str, Any]:
    """Counts by status, pass rate ((pass + xfail) / results that ran) and message rate."""
    total = sum(counts.values())
    ran = total - sum(counts[s] for s in NOT_RUN)
    return {
        "counts": {s: counts[s] for s in STATUSES},
        "total": total,
        "ran": ran,
        "unexpected": sum(counts[s] for s in UNEXPECTED),
        "pass_rate": rate(counts["pass"] + counts["xfail"], ran),
        "message_rate": rate(graded[0], graded[1]),
    }


def interop(model: ReportModel, statuses: dict[str, list[str | None]]) -> list[dict[str, Any]]:
    """How many cases pass (pass or xfail) on every engine lane, on all but one, ...; a lane
    with no result for the case (a case that needs cuda, on a cpu lane) does not count against
    it, while skip and unsupported do. Cases that only broken specs hold are left out."""
    engine_lanes = [i for i, lane in enumerate(model.lanes) if lane.engine]
    histogram: Counter = Counter()
    for row in statuses.values():
        if any(row[i] is not None for i in engine_lanes):
            histogram[sum(1 for i in engine_lanes if row[i] not in (None, "pass", "xfail"))] += 1
    n = len(engine_lanes)
    out = []
    for missing in range(n + 1):
        if missing == 0:
            label = "every lane"
        elif missing == n:
            label = "no lane"
        else:
            label = "all but one" if missing == 1 else f"all but {missing}"
        out.append(
            {"passing_lanes": n - missing, "label": label, "cases": histogram.get(missing, 0)}
        )
    return out


def summarize(model: ReportModel) -> dict[str, Any]:
    """Everything summary.json holds (see templates/summary.schema.json), and the HTML tables."""
    lane_index = {lane.key: i for i, lane in enumerate(model.lanes)}
    n_lanes = len(model.lanes)
    per_lane = [Counter() for _ in model.lanes]
    graded = [[0, 0] for _ in model.lanes]
    statuses: dict[str, list[str | None]] = {}
    for (case_id, engine, device), result in model.results.items():
        i = lane_index[(engine, device)]
        status = result["status"]
        per_lane[i][status] += 1
        conforms = result.get("message_conforms")
        if conforms is not None:
            graded[i][0] += bool(conforms)
            graded[i][1] += 1
        row = statuses.get(case_id)
        if row is None:
            row = statuses[case_id] = [None] * n_lanes
        row[i] = status
    totals: Counter = Counter()
    for counts in per_lane:
        totals.update(counts)
    lanes = [
        {"engine": lane.engine, "device": lane.device, "label": lane.label}
        | lane_figures(per_lane[i], graded[i])
        for i, lane in enumerate(model.lanes)
    ]
    return {
        "totals": {
            "cases": len(model.case_ids),
            "results": len(model.results),
            "counts": {s: totals[s] for s in STATUSES},
            "unexpected": sum(totals[s] for s in UNEXPECTED),
        },
        "lanes": lanes,
        "interop": interop(model, statuses),
        "areas": _groups(model, statuses, lambda c: [model.area(c)]),
        "tags": _groups(model, statuses, lambda c: model.tags.get(c, [])),
        "_statuses": statuses,
    }


def _groups(model: ReportModel, statuses: dict, keys_of: Any) -> list[dict[str, Any]]:
    """Per area (or tag): cases, counts over all lanes, and per-lane figures."""
    counts: dict[str, list[Counter]] = {}
    cases: Counter = Counter()
    for case_id in model.case_ids:
        row = statuses[case_id]
        for key in keys_of(case_id):
            lanes = counts.get(key)
            if lanes is None:
                lanes = counts[key] = [Counter() for _ in model.lanes]
            cases[key] += 1
            for i, status in enumerate(row):
                if status is not None:
                    lanes[i][status] += 1
    out = []
    for key in sorted(counts):
        total: Counter = Counter()
        for c in counts[key]:
            total.update(c)
        out.append(
            {
                "name": key,
                "cases": cases[key],
                "counts": {s: total[s] for s in STATUSES},
                "pass_rate": lane_figures(total, [0, 0])["pass_rate"],
                "lanes": [
                    {"label": lane.label, **_pass_of(c)}
                    for lane, c in zip(model.lanes, counts[key], strict=True)
                ],
            }
        )
    return out


def _pass_of(counts: Counter) -> dict[str, int]:
    ran = sum(counts.values()) - sum(counts[s] for s in NOT_RUN)
    return {"passing": counts["pass"] + counts["xfail"], "ran": ran}
