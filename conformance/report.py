"""The report of one or more runs: index.html, summary.json and junit.xml, side by side.

How the page scales (100,000 results must build in under 3 s, weigh under 20 MB and render in
under 2 s): the summary tables are rendered here with Jinja2, but the matrix and the per-case
details are built in the browser from compact JSON embedded once. Each case is one short array
(id, title, area, tags, one status letter per lane); the rows are created in pages of 500 as the
reader asks for them, and a case's detail only when its link is followed. Check details of every
result are embedded while they fit a size budget, unexpected results first; a repro script is
embedded once per case with placeholders for the engine and device, and filled in per lane when
shown. Results files hold no specs: titles, tags, YAML and repro scripts come from the spec files
(bundled and --specs), and only the files that mention a reported id are loaded.
"""

from __future__ import annotations

import datetime
import gc
import json
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

import conformance
from conformance.loader import Corpus, bundled_specs_root, find_spec_files, load_corpus
from conformance.model import STATUSES, UNEXPECTED, Case
from conformance.report_junit import write_junit
from conformance.report_model import ReportModel, dumps, load_model, summarize
from conformance.repro import engine_import, render_repro

SCHEMA_VERSION = 1
DETAIL_BUDGET = 12_000_000  # characters of embedded check details, unexpected results first
TOKENS = ("@@ENGINE@@", "@@DEVICE@@", "@@IMPORT@@")
STATUS_COLOURS = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "error": "#e65100",
    "unsupported": "#9e9e9e",
    "skip": "#bdbdbd",
    "xfail": "#f9a825",
    "xpass": "#8e24aa",
    "timeout": "#6d4c41",
    "crash": "#880e4f",
    "oom": "#4a148c",
    "invalid": "#d81b60",
}
_ID_LINE = re.compile(r"^[ \t-]*id:[ \t]*['\"]?([^\s'\"#]+)", re.M)

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("conformance", "templates"),
    autoescape=True,  # everything an engine prints and every spec string is data
    trim_blocks=True,
    lstrip_blocks=True,
)


def script_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` survives, so no
    string can close the tag. Marked safe here, once, because it is escaped here."""
    text = data if isinstance(data, str) else dumps(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def assets() -> dict[str, Markup]:
    """The page's own CSS and JavaScript (kit files, not data), inlined: no network, no CDN."""
    source = _env.loader.get_source  # type: ignore[union-attr]
    return {
        "css": Markup(source(_env, "report.css")[0]),
        "js": Markup(source(_env, "report.js")[0]),
    }


def find_cases(case_ids: set[str], roots: list[Path]) -> dict[str, Case]:
    """The reported cases' specs, keyed by id. A quick scan for `id:` lines picks the files worth
    loading, so a report of synthetic or foreign ids does not pay for the whole corpus."""
    wanted = []
    for path in find_spec_files([r for r in roots if r.exists()]):
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(found in case_ids for found in _ID_LINE.findall(text)):
            wanted.append(path)
    if not wanted:
        return {}
    return {c.id: c for c in load_corpus(wanted).cases if c.id in case_ids}


def spec_roots(specs: list[Path] | None, bundled: bool = True) -> list[Path]:
    return ([bundled_specs_root()] if bundled else []) + [Path(p) for p in specs or []]


def write_report(
    results_paths: list[Path],
    output_html: Path,
    specs: list[Path] | None = None,
    *,
    bundled: bool = True,
    corpus: Corpus | None = None,
) -> Path:
    """Write index.html (at output_html), summary.json and junit.xml beside it; return the HTML.

    `specs` adds spec roots to the bundled corpus (unless `bundled=False`) for titles, tags, YAML
    and repro scripts; a caller that already loaded a corpus passes it as `corpus`.
    """
    was_enabled = gc.isenabled()
    gc.disable()  # a report allocates millions of small objects and frees none: collections
    try:  # of the young generation would cost more than everything else together
        return _write_report(results_paths, Path(output_html), specs, bundled, corpus)
    finally:
        if was_enabled:
            gc.enable()


def _write_report(
    results_paths: list[Path],
    output_html: Path,
    specs: list[Path] | None,
    bundled: bool,
    corpus: Corpus | None,
) -> Path:
    output_html.parent.mkdir(parents=True, exist_ok=True)
    model = load_model([Path(p) for p in results_paths])
    ids = set(model.case_ids)
    if corpus is not None:
        cases = {c.id: c for c in corpus.cases if c.id in ids}
    else:
        cases = find_cases(ids, spec_roots(specs, bundled))
    for case_id, case in cases.items():
        model.titles.setdefault(case_id, case.title)
        model.tags.setdefault(case_id, list(case.tags))
    summary = summarize(model)
    statuses = summary.pop("_statuses")
    document = summary_document(model, summary)
    # Indented while small enough to read; compact (and fast to write) for big reports.
    text = (
        json.dumps(document, indent=1, ensure_ascii=False)
        if len(model.results) <= 10_000
        else dumps(document)
    )
    (output_html.parent / "summary.json").write_text(text + "\n", encoding="utf-8")
    write_junit(model, output_html.parent / "junit.xml")
    html = _env.get_template("report.html.j2").render(
        title=report_title(model),
        summary=summary,
        document=document,
        lanes=model.lanes,
        statuses=STATUSES,
        colours=STATUS_COLOURS,
        chart=chart(summary["lanes"]),
        areas=summary["areas"],
        tags=summary["tags"],
        data=script_json(page_data(model, statuses, cases)),
        details=script_json(details_json(model)),
        **assets(),
    )
    output_html.write_text(html, encoding="utf-8")
    return output_html


def report_title(model: ReportModel) -> str:
    ids = [r.get("run_id") for r in model.runs if r.get("run_id")]
    return "Conformance report" + (f": {', '.join(ids[:3])}" if ids else "")


def summary_document(model: ReportModel, summary: dict[str, Any]) -> dict[str, Any]:
    """summary.json: stable keys, described by templates/summary.schema.json."""
    unexpected = [
        {
            "case_id": r["case_id"],
            "engine": r["engine"],
            "device": r["device"],
            "lane": model.lane_label(r["engine"], r["device"]),
            "status": r["status"],
            "reason": (r.get("reason") or "")[:1000],
            "location": r.get("location") or "",
        }
        for r in model.results.values()
        if r["status"] in UNEXPECTED
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "kit_version": conformance.__version__,
        "statuses": list(STATUSES),
        "runs": [_run_entry(run) for run in model.runs],
        "engines": [_engine_entry(name, rec) for name, rec in model.engines.items()],
        **summary,
        "unexpected": unexpected,
    }


def _run_entry(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "kit_version", "spec_digest", "python", "numpy", "platform", "cpu")
    entry = {k: str(run.get(k) or "") for k in keys}
    entry.update(
        path=run["path"],
        started=run.get("started"),
        finished=run.get("finished"),
        complete=bool(run.get("complete")),
        argv=[str(a) for a in run.get("argv") or []],
    )
    return entry


def _engine_entry(name: str, record: dict[str, Any]) -> dict[str, Any]:
    info = record.get("info") or {}
    return {
        "engine": name,
        "version": str(info.get("version") or ""),
        "pytorch_version": str(info.get("pytorch_version") or ""),
        "devices": [str(d) for d in info.get("devices") or []],
        "device_labels": {str(k): str(v) for k, v in (info.get("device_labels") or {}).items()},
        "details": {str(k): str(v) for k, v in (info.get("details") or {}).items()},
        "error": record.get("error"),
    }


def chart(lanes: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bars, one per lane, as SVG geometry (a 1000-wide viewBox that scales to fit)."""
    rows = []
    for i, lane in enumerate(lanes):
        x = 0.0
        segments = []
        for status in STATUSES:
            count = lane["counts"][status]
            if count:
                width = 1000 * count / lane["total"]
                segments.append({"status": status, "count": count, "x": x, "w": width})
                x += width
        rows.append({"label": lane["label"], "y": i * 34, "segments": segments, **lane})
    return {"rows": rows, "height": max(34, 34 * len(lanes))}


def _lane_import(engine: str, device: str) -> str | None:
    if not engine:
        return None
    try:
        return engine_import(engine, device or "cpu")
    except Exception:  # an engine that cannot be resolved here: say so in the script
        return f"import {engine.partition(':')[2] or engine} as torch  # adjust to your engine"


def page_data(
    model: ReportModel, statuses: dict[str, list[str | None]], cases: dict[str, Case]
) -> dict[str, Any]:
    code = {s: chr(97 + i) for i, s in enumerate(STATUSES)}  # one letter per status, "-" none
    areas = sorted({model.area(c) for c in model.case_ids})
    area_index = {a: i for i, a in enumerate(areas)}
    tags = sorted({t for c in model.case_ids for t in model.tags.get(c, [])})
    tag_index = {t: i for i, t in enumerate(tags)}
    rows = []
    specs = {}
    for i, case_id in enumerate(model.case_ids):
        row = statuses[case_id]
        rows.append(
            [
                case_id,
                model.titles.get(case_id, ""),
                area_index[model.area(case_id)],
                [tag_index[t] for t in model.tags.get(case_id, [])],
                "".join("-" if s is None else code.get(s, "-") for s in row),
            ]
        )
        case = cases.get(case_id)
        if case is not None:
            specs[str(i)] = [
                case.yaml_text,
                str(case.location),
                [[s.title, s.url] for s in case.sources],
                render_repro(case, *TOKENS),
            ]
    return {
        "statuses": list(STATUSES),
        "unexpected": sorted(UNEXPECTED),
        "lanes": [
            {
                "label": lane.label,
                "engine": lane.engine,
                "device": lane.device,
                "import": _lane_import(lane.engine, lane.device),
            }
            for lane in model.lanes
        ],
        "areas": areas,
        "tags": tags,
        "cases": rows,
        "specs": specs,
        "tokens": list(TOKENS),
    }


def details_json(model: ReportModel) -> str:
    """Per result: [case, lane, seconds, spec location, reason, traceback, checks].

    Unexpected results come first, then the rest, while their size (estimated from the length
    of their results line, so nothing is encoded twice) fits DETAIL_BUDGET; the page says where
    the details of a result left out are."""
    case_index = {c: i for i, c in enumerate(model.case_ids)}
    lane_index = {lane.key: i for i, lane in enumerate(model.lanes)}
    items = list(model.results.items())
    items.sort(key=lambda kv: kv[1]["status"] not in UNEXPECTED)
    entries = []
    used = 0
    for (case_id, engine, device), r in items:
        size = min(r.get("_size", 0), 20_000)
        if used + size > DETAIL_BUDGET:
            continue
        used += size
        checks = r.get("checks") or []
        if r["_size"] > 20_000:  # an engine returned something huge: show its start only
            checks = [
                {**c, "expected": _short(c.get("expected")), "actual": _short(c.get("actual"))}
                for c in checks
            ]
        entries.append(
            [
                case_index[case_id],
                lane_index[(engine, device)],
                round(r.get("duration_s") or 0.0, 4),
                r.get("location") or "",
                _clip(r.get("reason") or "", 4000),
                _clip(r.get("traceback") or "", 8000, tail=True),
                [
                    [
                        c.get("subject"),
                        c.get("matcher"),
                        c.get("ok"),
                        c.get("expected"),
                        c.get("actual"),
                        c.get("detail") or "",
                        c.get("message_ok"),
                    ]
                    for c in checks
                ],
            ]
        )
    return dumps(entries)


def _short(value: Any) -> str:
    return _clip(dumps(value), 2000)


def _clip(text: str, limit: int, tail: bool = False) -> str:
    if len(text) <= limit:
        return text
    return "[...]\n" + text[-limit:] if tail else text[:limit] + " [...]"
