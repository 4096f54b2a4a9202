"""Engine worker processes: one per engine and device, spawned (never forked), replaced when
an engine crashes, hangs, eats memory or leaves a CUDA fault behind, so that costs one case
and never the run.

`worker_main` runs in the child; `Worker` is the parent's handle on it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from conformance.adapter import EngineInfo
from conformance.results import jsonable

STARTUP_TIMEOUT_S = 120.0
POLL_S = 0.02


class WorkerDied(Exception):
    """The worker is gone: status says how (crash, timeout, oom) and reason says why."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def worker_main(conn: Connection, engine: str, log_path: str | None) -> None:
    """Child side: load the adapter, report its info, then run cases until told to stop."""
    _die_with_parent()
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    from conformance.adapter import load_adapter
    from conformance.execute import device_fault, run_case
    from conformance.model import Case

    try:
        adapter = load_adapter(engine)
        info = adapter.info()
        info.name = engine  # results are labelled with the engine as the user named it
    except BaseException as exc:  # report any failure to load, including SystemExit
        conn.send(
            {
                "type": "fatal",
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(),
            }
        )
        return
    conn.send({"type": "ready", "info": jsonable(asdict(info))})
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        case, device = Case.from_dict(message["case"]), message["device"]
        result = run_case(case, adapter, info, device)
        if log_path:  # the log tells which case a crashed worker was running
            print(f"[{case.id} on {device}: {result.status}]", flush=True)
        payload = jsonable(result.to_dict())
        if device_fault(result):
            payload["restart"] = True  # this process's device context is spent
        conn.send(payload)


def _die_with_parent() -> None:
    """If the runner is killed (even with SIGKILL), its workers must not linger, hung in a case.

    A thread watches for the parent to go (the worker is then re-parented); PR_SET_PDEATHSIG
    would be simpler but fires when the spawning *thread* ends, and lanes spawn from threads.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Worker:
    """Parent-side handle: start, run one case with a timeout and a memory watchdog, restart."""

    def __init__(self, engine: str, log_path: Path | None, memory_limit_mb: int) -> None:
        self.engine = engine
        self.log_path = log_path
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.info: EngineInfo | None = None

    def start(self) -> EngineInfo:
        """Spawn the worker and wait for its adapter; raises WorkerDied if it cannot load."""
        ctx = multiprocessing.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=worker_main,
            args=(child_conn, self.engine, str(self.log_path) if self.log_path else None),
            daemon=True,
            name=f"conformance-{self.engine}",
        )
        self.process.start()
        child_conn.close()
        self.conn = parent_conn
        message = self._receive(STARTUP_TIMEOUT_S, "starting the engine")
        if message.get("type") == "fatal":
            self.stop()
            raise WorkerDied("error", f"engine {self.engine!r} failed to load: {message['error']}")
        self.info = EngineInfo(**message["info"])
        return self.info

    def run(self, case: dict[str, Any], device: str, timeout: float) -> dict[str, Any]:
        if self.process is None or not self.process.is_alive():
            self.start()
        assert self.conn is not None
        try:
            self.conn.send({"case": case, "device": device})
        except (BrokenPipeError, OSError):
            self.stop()
            raise WorkerDied("crash", "the worker exited before the case started") from None
        result = self._receive(timeout, "the case")
        if result.pop("restart", False):
            self.stop()  # a fresh process for the next case: a CUDA fault costs one case
        return result

    def _receive(self, timeout: float, what: str) -> dict[str, Any]:
        assert self.conn is not None and self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.conn.poll(POLL_S):
                    return self.conn.recv()
            except (EOFError, OSError):
                pass  # the pipe broke: the process is dying; find out how below
            if not self.process.is_alive() or self.conn.closed:
                self.process.join(1)
                reason = describe_exit(self.process.exitcode)
                self.stop(graceful=False)
                raise WorkerDied("crash", f"the engine process died during {what}: {reason}")
            rss = rss_bytes(self.process.pid) if self.process.pid else None
            if rss is not None and rss > self.memory_limit:
                self.stop(graceful=False)
                raise WorkerDied(
                    "oom",
                    f"the engine process used {rss / 2**20:.0f} MiB, over the "
                    f"{self.memory_limit / 2**20:.0f} MiB limit (--memory-limit), during {what}",
                )
            if time.monotonic() > deadline:
                self.stop(graceful=False)
                raise WorkerDied(
                    "timeout", f"{what} did not finish within {timeout:g} s (--timeout)"
                )

    def stop(self, graceful: bool = True) -> None:
        if self.process is not None:
            if graceful and self.process.is_alive():
                try:
                    if self.conn is not None:
                        self.conn.send(None)
                except OSError:
                    pass
                self.process.join(0.5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None


def describe_exit(code: int | None) -> str:
    if code is None:
        return "unknown exit"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
