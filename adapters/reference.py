"""The bundled reference engine (conformance.reference) on its CPU (NumPy) backend."""

from __future__ import annotations

import platform

import numpy as np

from conformance import __version__ as kit_version
from conformance.adapter import EngineInfo, TorchLikeAdapter
from conformance.model import CAPABILITIES


class ReferenceAdapter(TorchLikeAdapter):
    label = "reference"

    def __init__(self) -> None:
        import conformance.reference

        self.module = conformance.reference

    def info(self) -> EngineInfo:
        devices = self.devices()
        return EngineInfo(
            name=self.label,
            version=kit_version,
            pytorch_version=self.module.__pytorch_version__,
            devices=devices,
            capabilities=sorted(c for c in CAPABILITIES if c != "cuda" or "cuda" in devices),
            details={"numpy": np.__version__, "machine": platform.machine()},
        )

    def devices(self) -> list[str]:
        return ["cpu"]

    def to_numpy(self, value):
        t = value.detach()
        return np.array(
            t.numpy(force=True), dtype=np.float32 if t.dtype.name == "bfloat16" else None, copy=True
        )
