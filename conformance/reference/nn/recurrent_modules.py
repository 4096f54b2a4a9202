"""The recurrent layers: the cells (RNNCell, LSTMCell, GRUCell), one time step, and the
sequence layers (RNN, LSTM, GRU), which run the cells over time, layer after layer and, when
bidirectional, over the reversed sequence too. The step computations are in recurrent.py.
The sequence layers also take a PackedSequence (nn.utils.rnn), and the LSTM a projection
(proj_size).

Parameters are named and shaped as PyTorch's (weight_ih_l0, ..., weight_ih_l0_reverse), so
a state dict moves between the two, and initialised as PyTorch does: every one from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from conformance.reference.nn import functional as F
from conformance.reference.nn import init
from conformance.reference.nn import recurrent as R
from conformance.reference.nn.module import Module
from conformance.reference.nn.parameter import Parameter
from conformance.reference.nn.utils.rnn import PackedSequence
from conformance.reference.ops import creation
from conformance.reference.ops.joins import cat, stack
from conformance.reference.tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_CELLS = {
    "RNN_TANH": R.rnn_tanh_cell,
    "RNN_RELU": R.rnn_relu_cell,
    "LSTM": R.lstm_cell,
    "GRU": R.gru_cell,
}


def _reset(module: Module) -> None:
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNCellBase(Module):
    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty((rows, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty((rows, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset(self)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check(self, input: Tensor, hx: Tensor, label: str) -> None:
        """PyTorch's cell checks (in C++, after the module has added the batch dimension): the
        hidden state is "hidden0" for every cell, the LSTM's cell state "hidden1"."""
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} "
                f"expected {self.input_size}"
            )
        if input.shape[0] != hx.shape[0]:
            raise RuntimeError(
                f"Input batch size {input.shape[0]} doesn't match hidden{label} batch size "
                f"{hx.shape[0]}"
            )
        if hx.shape[1] != self.hidden_size:
            raise RuntimeError(
                f"hidden{label} has inconsistent hidden_size: got {hx.shape[1]}, "
                f"expected {self.hidden_size}"
            )

    def _batched(self, input: Tensor, hidden: tuple) -> bool:
        """Whether the input has a batch dimension; the messages name the class and hx."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for label, h in hidden:
            if h is not None and h.ndim not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.ndim}D instead")
        return input.ndim == 2

    def _zeros(self, input: Tensor) -> Tensor:
        return creation.zeros(
            (input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device
        )

    def _weights(self) -> tuple:
        return (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), or relu for nonlinearity="relu".

    As PyTorch, the nonlinearity is checked only when the cell runs ("Unknown nonlinearity").
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._batched(input, (("hidden", hx),))
        if not batched:
            input = input.unsqueeze(0)
        hx = self._zeros(input) if hx is None else hx if batched else hx.unsqueeze(0)
        self._check(input, hx, "0")
        if self.nonlinearity == "tanh":
            out = R.rnn_tanh_cell(input, hx, *self._weights())
        elif self.nonlinearity == "relu":
            out = R.rnn_relu_cell(input, hx, *self._weights())
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """(h', c') from (h, c), gates in PyTorch's order i, f, g, o (see recurrent.lstm_cell)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        hidden = (
            (("hx[0]", None), ("hx[1]", None))
            if hx is None
            else tuple((f"hx[{i}]", h) for i, h in enumerate(hx))
        )
        batched = self._batched(input, hidden)
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = self._zeros(input)
            hx = (zeros, zeros)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx[0], "0")
        self._check(input, hx[1], "1")
        h, c = R.lstm_cell(input, hx, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """h' from h, gates in PyTorch's order r, z, n (see recurrent.gru_cell)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._batched(input, (("hidden", hx),))
        if not batched:
            input = input.unsqueeze(0)
        hx = self._zeros(input) if hx is None else hx if batched else hx.unsqueeze(0)
        self._check(input, hx, "0")
        out = R.gru_cell(input, hx, *self._weights())
        return out if batched else out.squeeze(0)


class RNNBase(Module):
    """The sequence layers' shared settings, parameters and forward.

    The layers run on (seq, batch, feature) (batch_first transposes in and out), or on an
    unbatched (seq, feature). Layer l's parameters are weight_ih_l{l}, weight_hh_l{l},
    bias_ih_l{l}, bias_hh_l{l}, with _reverse for the backward direction; h_n stacks the final
    states layer by layer, forward direction first. Dropout (training only) applies to the
    output of every layer but the last.

    An LSTM with proj_size > 0 projects each step's h through weight_hr_l{l}
    (proj_size, hidden_size): h, the output and the next layer's input are proj_size wide, c
    stays hidden_size wide.

    A PackedSequence input runs as PyTorch's packed layers do (see _packed_forward and
    _packed_reverse): each sequence stops at its own length, so h_n holds every sequence's
    state after its last valid step. The output is a PackedSequence with the input's
    batch_sizes and indices; a given hx is put in the packed (sorted) order with
    sorted_indices, and h_n back in the caller's order with unsorted_indices.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if (
            not isinstance(dropout, (int, float))
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                UserWarning,
                stacklevel=2,
            )
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        rows = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                width = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (rows, width)), ("weight_hh", (rows, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                for name, shape in shapes:
                    tensor = creation.empty(shape, device=device, dtype=dtype)
                    setattr(self, name + suffix, Parameter(tensor))
                self._all_weights.append([name + suffix for name, _ in shapes])
                self._flat_weights_names.extend(self._all_weights[-1])
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def reset_parameters(self) -> None:
        _reset(self)

    def flatten_parameters(self) -> None:
        """PyTorch packs the weights for cuDNN; the reference has nothing to pack."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_input(self, input: Tensor, dims: int = 3) -> None:
        weight = self._flat_weights[0]
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        if input.ndim != dims:
            raise RuntimeError(f"input must have {dims} dimensions, got {input.ndim}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {input.shape[-1]}"
            )

    def _check_hidden(self, hx: Tensor, expected: tuple, what: str) -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(hx.shape)}")

    def _input_dims(self, input: Tensor, tensor_word: str) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 2D or 3D, "
                f"got {input.ndim}D{tensor_word} instead"
            )

    def _cell(self, input: Tensor, state: Any, weights: list) -> Any:
        """One step of the layer's cell. With proj_size, the LSTM's new h is projected:
        h = (sigmoid(o) * tanh(c)) W_hr^T, while c keeps hidden_size."""
        if self.proj_size > 0:
            h, c = R.lstm_cell(input, state, *weights[:-1])
            return h.matmul(weights[-1].t()), c
        return _CELLS[self.mode](input, state, *weights)

    def _layers(self, input: Tensor, states: list, run: Any, dim: int) -> tuple:
        """Run every layer and direction with `run(input, state, weights, reverse)`, which
        returns (output, final state); the directions' outputs join along `dim`.

        `states` holds each (layer, direction)'s initial state (a tensor, or (h, c) for the
        LSTM); returns the last layer's output and each (layer, direction)'s final state.
        """
        directions = 2 if self.bidirectional else 1
        weights = self.all_weights
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                output, final = run(input, states[index], weights[index], direction == 1)
                outputs.append(output)
                finals.append(final)
            input = outputs[0] if directions == 1 else cat(outputs, dim)
            if self.dropout and self.training and layer < self.num_layers - 1:
                input = F.dropout(input, self.dropout, True)
        return input, finals

    def _run(self, input: Tensor, states: list) -> tuple:
        """The layers over time on (seq, batch, feature) input."""

        def run(input: Tensor, state: Any, weights: list, reverse: bool) -> tuple:
            steps = input.shape[0]
            produced = [None] * steps
            for t in range(steps - 1, -1, -1) if reverse else range(steps):
                state = self._cell(input[t], state, weights)
                produced[t] = _output(state)
            return stack(produced, 0), state

        return self._layers(input, states, run, 2)

    def _run_packed(self, data: Tensor, batch_sizes: list, states: list) -> tuple:
        """The layers over packed data (rows of step 0, then of step 1, ...)."""

        def run(data: Tensor, state: Any, weights: list, reverse: bool) -> tuple:
            if reverse:
                return self._packed_reverse(data, batch_sizes, state, weights)
            return self._packed_forward(data, batch_sizes, state, weights)

        return self._layers(data, states, run, 1)

    def _packed_forward(self, data: Tensor, batch_sizes: list, state: Any, weights: list):
        """PyTorch's PackedLayer: at step t only the first batch_sizes[t] sequences run. When
        the batch shrinks, the rows of the sequences that have ended are set aside: they are
        those sequences' final states, joined (first rows first) after the last step."""
        outputs, ended = [], []
        offset = 0
        for size in batch_sizes:
            running = _batch(state)
            if size < running:
                ended.append(_rows(state, size, running))
                state = _rows(state, 0, size)
            state = self._cell(data[offset : offset + size], state, weights)
            offset += size
            outputs.append(_output(state))
        ended.append(state)
        return cat(outputs, 0), _join(ended[::-1])

    def _packed_reverse(self, data: Tensor, batch_sizes: list, state: Any, weights: list):
        """PyTorch's ReversedPackedLayer: from the last step back to the first, starting with
        the sequences that reach the last step; each other sequence joins, from its initial
        state, at its own last step. The final state is every sequence's state at step 0."""
        outputs = []
        offset = data.shape[0]
        initial, running = state, batch_sizes[-1]
        state = _rows(initial, 0, running)
        for size in reversed(batch_sizes):
            if size > running:
                state = _join([state, _rows(initial, running, size)])
                running = size
            state = self._cell(data[offset - size : offset], state, weights)
            offset -= size
            outputs.append(_output(state))
        return cat(outputs[::-1], 0), state

    def _packed_hidden(self, input: PackedSequence, hx: Any) -> tuple:
        """(data, batch sizes as a list, hx in the packed order): PyTorch's zeros when hx is
        None, else hx's batch dimension permuted by sorted_indices."""
        data, batch_sizes, sorted_indices, _ = input
        sizes = batch_sizes.tolist()
        if hx is None:
            return data, sizes, self._zeros(data, sizes[0])
        return data, sizes, _permute(hx, sorted_indices)

    def _forward(self, input: Any, hx: Any) -> tuple:
        """The shared forward of RNN and GRU (hx one tensor)."""
        if isinstance(input, PackedSequence):
            data, sizes, hx = self._packed_hidden(input, hx)
            self._check_input(data, 2)
            self._check_hidden(hx, self._hidden_shape(sizes[0]), "hidden")
            output, finals = self._run_packed(data, sizes, list(hx.unbind(0)))
            return _packed_result(input, output, stack(finals, 0))
        word = " tensor" if self.mode.startswith("RNN") else ""
        self._input_dims(input, word)
        batched = input.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.ndim != 2:
                    raise RuntimeError(
                        f"For unbatched 2-D input, hx should also be 2-D but got {hx.ndim}-D tensor"
                    )
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.ndim != 3:
            raise RuntimeError(
                f"For batched 3-D input, hx should also be 3-D but got {hx.ndim}-D tensor"
            )
        if self.batch_first:
            input = input.transpose(0, 1)
        if hx is None:
            hx = self._zeros(input, input.shape[1])
        self._check_input(input)
        self._check_hidden(hx, self._hidden_shape(input.shape[1]), "hidden")
        output, finals = self._run(input, list(hx.unbind(0)))
        h_n = stack(finals, 0)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output, h_n = output.squeeze(batch_dim), h_n.squeeze(1)
        return output, h_n

    def _hidden_shape(self, batch: int) -> tuple:
        """h's shape: (layers * directions, batch, proj_size or hidden_size)."""
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, batch, self.proj_size or self.hidden_size)

    def _cell_shape(self, batch: int) -> tuple:
        """The LSTM's c: hidden_size wide even with a projection."""
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, batch, self.hidden_size)

    def _zeros(self, input: Tensor, batch: int) -> Any:
        """PyTorch's default initial state: zeros in the input's dtype and device."""
        h = creation.zeros(self._hidden_shape(batch), dtype=input.dtype, device=input.device)
        if self.mode != "LSTM":
            return h
        c = creation.zeros(self._cell_shape(batch), dtype=input.dtype, device=input.device)
        return (h, c)


def _output(state: Any) -> Tensor:
    """What a step outputs: its h (the LSTM's state is (h, c))."""
    return state[0] if isinstance(state, tuple) else state


def _batch(state: Any) -> int:
    return _output(state).shape[0]


def _rows(state: Any, start: int, stop: int) -> Any:
    """Rows start:stop of a state (of h and c for the LSTM)."""
    if isinstance(state, tuple):
        return tuple(s[start:stop] for s in state)
    return state[start:stop]


def _join(states: list) -> Any:
    """States one after another along the batch (h with h, c with c for the LSTM)."""
    if isinstance(states[0], tuple):
        return tuple(cat(list(parts), 0) for parts in zip(*states, strict=True))
    return cat(states, 0)


def _permute(hx: Any, permutation: Tensor | None) -> Any:
    """PyTorch's permute_hidden: index_select along the batch dimension (of h and c)."""
    if permutation is None:
        return hx
    if isinstance(hx, tuple):
        return tuple(h.index_select(1, permutation) for h in hx)
    return hx.index_select(1, permutation)


def _packed_result(input: PackedSequence, output: Tensor, hidden: Any) -> tuple:
    """The output packed as the input was, and the final state in the caller's order."""
    packed = PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
    return packed, _permute(hidden, input.unsorted_indices)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh (or relu) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh.

    Returns (output, h_n). As PyTorch, the repr does not show the nonlinearity.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(mode, *args, **kwargs)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx)


class GRU(RNNBase):
    """Returns (output, h_n); gates as GRUCell's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx)


class LSTM(RNNBase):
    """Returns (output, (h_n, c_n)); gates as LSTMCell's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Any, hx: tuple | None = None) -> tuple:
        if isinstance(input, PackedSequence):
            data, sizes, hx = self._packed_hidden(input, hx)
            self._check_lstm_args(data, hx, sizes[0], 2)
            output, finals = self._run_packed(data, sizes, _lstm_states(hx))
            return _packed_result(input, output, _stack_states(finals))
        self._input_dims(input, "")
        batched = input.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx[0].ndim != 2 or hx[1].ndim != 2:
                    raise RuntimeError(
                        "For unbatched 2-D input, hx and cx should also be 2-D but got "
                        f"({hx[0].ndim}-D, {hx[1].ndim}-D) tensors"
                    )
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        elif hx is not None and (hx[0].ndim != 3 or hx[1].ndim != 3):
            raise RuntimeError(
                "For batched 3-D input, hx and cx should also be 3-D but got "
                f"({hx[0].ndim}-D, {hx[1].ndim}-D) tensors"
            )
        if self.batch_first:
            input = input.transpose(0, 1)
        if hx is None:
            hx = self._zeros(input, input.shape[1])
        self._check_lstm_args(input, hx, input.shape[1], 3)
        output, finals = self._run(input, _lstm_states(hx))
        h_n, c_n = _stack_states(finals)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output, h_n, c_n = output.squeeze(batch_dim), h_n.squeeze(1), c_n.squeeze(1)
        return output, (h_n, c_n)

    def _check_lstm_args(self, input: Tensor, hx: tuple, batch: int, dims: int) -> None:
        """PyTorch's LSTM check_forward_args. (For a packed input PyTorch leaves the checks
        to its C++ loop, whose errors are about matrix shapes; the reference checks it as it
        checks a padded one.)"""
        self._check_input(input, dims)
        self._check_hidden(hx[0], self._hidden_shape(batch), "hidden[0]")
        self._check_hidden(hx[1], self._cell_shape(batch), "hidden[1]")


def _lstm_states(hx: tuple) -> list:
    """Each (layer, direction)'s initial (h, c)."""
    return list(zip(hx[0].unbind(0), hx[1].unbind(0), strict=True))


def _stack_states(finals: list) -> tuple:
    """h_n and c_n from each (layer, direction)'s final (h, c)."""
    return stack([h for h, _ in finals], 0), stack([c for _, c in finals], 0)
