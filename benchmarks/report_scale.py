"""How the HTML report scales: 100,000 synthetic results (25,000 cases x 4 engine-device
lanes, 5% failing with checks and tracebacks) -> build time, file size, and time to first render
in headless Chromium. Targets: build under 3 s, render under 2 s, file under 20 MB.

    python benchmarks/report_scale.py [--screenshot report.png]

Needs Debian's chromium and `pip install playwright` (no browser download: it drives
/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

LANES = [("torch", "cpu"), ("reference", "cpu"), ("reference", "cuda"), ("mytorch", "cpu")]
AREAS = ["autograd", "dtypes", "devices", "indexing", "nn", "optim", "reductions", "linalg"]


def synthetic_results(path: Path, cases: int = 25_000, seed: int = 0) -> int:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {
                    "type": "run",
                    "run_id": "synthetic",
                    "kit_version": "0.1.0",
                    "spec_digest": "0" * 16,
                    "python": "3.11",
                    "numpy": "2",
                    "platform": "linux",
                    "cpu": "synthetic",
                    "argv": [],
                    "started": "2026-11-24T00:00:00+00:00",
                }
            )
            + "\n"
        )
        for engine in sorted({e for e, _ in LANES}):
            devices = [d for e, d in LANES if e == engine]
            labels = {"cuda": "cuda (simulated)"} if engine == "reference" else {}
            f.write(
                json.dumps(
                    {
                        "type": "engine",
                        "engine": engine,
                        "info": {
                            "name": engine,
                            "version": "1.0",
                            "devices": devices,
                            "capabilities": [],
                            "pytorch_version": "2.13.0",
                            "device_labels": labels,
                            "details": {},
                        },
                    }
                )
                + "\n"
            )
        n = 0
        for i in range(cases):
            case_id = f"{AREAS[i % len(AREAS)]}.synthetic.case-{i:05d}"
            for engine, device in LANES:
                failing = rng.random() < 0.05
                record = {
                    "type": "result",
                    "case_id": case_id,
                    "engine": engine,
                    "device": device,
                    "status": "fail" if failing else "pass",
                    "reason": "",
                    "checks": [],
                    "message_conforms": None,
                    "traceback": None,
                    "duration_s": rng.random() / 100,
                    "location": f"specs/{AREAS[i % len(AREAS)]}/synthetic.yaml:{i}:5",
                }
                if failing:
                    record["reason"] = "x.grad: values expected [1.0, 2.0], got [1.0, 3.0]"
                    record["checks"] = [
                        {
                            "subject": "x.grad",
                            "matcher": "values",
                            "ok": False,
                            "expected": [1.0, 2.0],
                            "actual": [1.0, 3.0],
                            "detail": "worst element 1 differs by 1.0",
                            "message_ok": None,
                        }
                    ]
                    record["traceback"] = "Traceback (most recent call last):\n  ...\n" * 3
                f.write(json.dumps(record) + "\n")
                n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", type=Path, help="also save a screenshot of the report")
    args = parser.parse_args()
    from conformance.report import write_report

    work = Path(tempfile.mkdtemp(prefix="report-scale-"))
    results = work / "results.jsonl"
    n = synthetic_results(results)
    start = time.perf_counter()
    html = write_report([results], work / "index.html")
    build_s = time.perf_counter() - start
    size_mb = html.stat().st_size / 1e6
    print(f"{n} results: build {build_s:.2f} s, index.html {size_mb:.1f} MB")

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium: render time not measured (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(html.as_uri())
        page.wait_for_function(
            "document.body.dataset.ready === '1' || !!document.getElementById('report-ready')",
            timeout=60_000,
        )
        render_s = time.perf_counter() - start
        print(f"time to first render in Chromium: {render_s:.2f} s")
        if args.screenshot:
            page.screenshot(path=str(args.screenshot), full_page=False)
            print(f"screenshot: {args.screenshot}")
        browser.close()


if __name__ == "__main__":
    main()
