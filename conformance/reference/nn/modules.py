"""The torch.nn module classes, in one namespace (as torch.nn.modules is).

The classes live beside it: module.py (Module itself, and typename()), containers.py
(Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict), layers.py (Linear,
BatchNorm1d, LayerNorm, Embedding, ...), conv_pool_modules.py (Conv1d, Conv2d, the pooling
layers, BatchNorm2d), activation_modules.py, loss_modules.py, resampling_modules.py
(Upsample, Bilinear) and recurrent_modules.py (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU).

Every class re-exported here still names this module as its `__module__`, as it did when the
classes were defined here: typename() puts it in error messages ("cannot assign
'conformance.reference.nn.modules.Linear' as parameter ..."), it shows in the classes' reprs
(Sequential.insert's message prints Module's), and pickle finds a class by it.
"""

from __future__ import annotations

from conformance.reference.nn.activation_modules import (
    ELU,
    GELU,
    GLU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
    Threshold,
)
from conformance.reference.nn.containers import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from conformance.reference.nn.conv_pool_modules import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    MaxPool1d,
    MaxPool2d,
)
from conformance.reference.nn.layers import (
    BatchNorm1d,
    CosineSimilarity,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    Linear,
    PairwiseDistance,
    Unflatten,
)
from conformance.reference.nn.loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    _Loss,
    _WeightedLoss,
)
from conformance.reference.nn.module import Module, _HookHandle, _IncompatibleKeys

# Re-exported (imported `as` themselves) for optim and nn.utils, which import them from here.
from conformance.reference.nn.module import _clear_grad as _clear_grad
from conformance.reference.nn.module import typename as typename
from conformance.reference.nn.recurrent_modules import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    RNNBase,
    RNNCell,
    RNNCellBase,
)
from conformance.reference.nn.resampling_modules import Bilinear, Upsample

__all__ = [
    "Module",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "Identity",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "LogSoftmax",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "MSELoss",
    "L1Loss",
    "NLLLoss",
    "CrossEntropyLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "ParameterList",
    "ParameterDict",
    "ELU",
    "GELU",
    "SiLU",
    "Softplus",
    "Hardtanh",
    "ReLU6",
    "LogSigmoid",
    "Softsign",
    "Mish",
    "Threshold",
    "GLU",
    "Unflatten",
    "LayerNorm",
    "Embedding",
    "CosineSimilarity",
    "PairwiseDistance",
    "SmoothL1Loss",
    "HuberLoss",
    "KLDivLoss",
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm2d",
    "Upsample",
    "Bilinear",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "RNN",
    "LSTM",
    "GRU",
]

# The classes keep this module's name as their home (see the docstring).
for _class in (
    *(globals()[name] for name in __all__),
    _IncompatibleKeys,
    _HookHandle,
    _Loss,
    _WeightedLoss,
    RNNCellBase,
    RNNBase,
):
    _class.__module__ = __name__
del _class
