"""The bundled reference engine (conformance.reference): NumPy on the CPU; on `cuda`, CuPy on a
GPU, or the simulated device (CONFORMANCE_SIMULATED_CUDA=1), labelled "cuda (simulated)"."""

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
        backend = self.module.devices.CUDA
        details = {"numpy": np.__version__, "machine": platform.machine()}
        labels = {}
        if backend.kind == "simulated":
            labels["cuda"] = "cuda (simulated)"
            details["cuda"] = "simulated: NumPy arrays labelled cuda:0, no GPU"
        elif backend.kind == "cupy":
            details["gpu"] = backend.name
            details["cupy"] = backend.xp.__version__
            details["cuda"] = str(backend.xp.cuda.runtime.runtimeGetVersion())
            details["driver"] = str(backend.xp.cuda.runtime.driverGetVersion())
        return EngineInfo(
            name=self.label,
            version=kit_version,
            pytorch_version=self.module.__pytorch_version__,
            devices=devices,
            capabilities=sorted(c for c in CAPABILITIES if c != "cuda" or "cuda" in devices),
            device_labels=labels,
            details=details,
        )

    def devices(self) -> list[str]:
        return ["cpu", "cuda"] if self.module.cuda.is_available() else ["cpu"]

    def to_numpy(self, value):
        t = value.detach()
        return np.array(
            t.numpy(force=True), dtype=np.float32 if t.dtype.name == "bfloat16" else None, copy=True
        )
