"""Real PyTorch: the oracle every spec is checked against."""

from __future__ import annotations

import platform

import torch

from conformance.adapter import EngineInfo, TorchLikeAdapter
from conformance.model import CAPABILITIES


class TorchAdapter(TorchLikeAdapter):
    label = "torch"

    def __init__(self) -> None:
        self.module = torch

    def info(self) -> EngineInfo:
        cuda = torch.cuda.is_available()
        details = {"torch.__file__": torch.__file__, "machine": platform.machine()}
        if cuda:
            details["gpu"] = torch.cuda.get_device_name(0)
            details["cuda"] = str(torch.version.cuda)
        return EngineInfo(
            name=self.label,
            version=torch.__version__,
            pytorch_version=torch.__version__.split("+")[0],
            devices=["cpu", "cuda"] if cuda else ["cpu"],
            capabilities=sorted(c for c in CAPABILITIES if c != "cuda" or cuda),
            details=details,
        )
