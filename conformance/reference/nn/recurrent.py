"""One time step of each recurrent cell (torch.rnn_tanh_cell, rnn_relu_cell, lstm_cell,
gru_cell), composed from the engine's own ops as PyTorch composes them, so each gradient
comes from linear (AddmmBackward0), the additions, sigmoid and tanh.

PyTorch splits the gates with unsafe_chunk (UnsafeSplitBackward0): pieces that are not
tracked as views. Here the pieces are copies (no op can tell the difference, as PyTorch
forbids nothing on them), recorded under PyTorch's node name.
"""

from __future__ import annotations

from conformance.reference.devices import array_namespace
from conformance.reference.nn import functional as F
from conformance.reference.ops.define import op
from conformance.reference.tensor import Tensor

__all__ = ["gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_tanh_cell", "unsafe_chunk"]


@op("UnsafeSplitBackward0", self=lambda grads, dim, F: F.cat(grads, dim))
def _unsafe_split(self, size, dim):
    xp = array_namespace(self)
    pieces, start = [], 0
    while start < self.shape[dim]:
        key = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(xp.ascontiguousarray(self[key]))
        start += size
    return tuple(pieces)


def unsafe_chunk(input: Tensor, chunks: int, dim: int) -> tuple:
    """`chunks` equal pieces of a non-empty dimension (the gates of a cell)."""
    dim = dim % input.ndim
    return _unsafe_split(input, -(-input.shape[dim] // chunks), dim)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh)).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h', c') from hx = (h, c). The gates come in PyTorch's order i, f, g, o:
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c')."""
    h, c = hx
    gates = F.linear(input, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = unsafe_chunk(gates, 4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * cy.tanh(), cy


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' from h. The gates come in PyTorch's order r, z, n, and the reset gate multiplies the
    hidden part of n after its bias: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (h - n) * z + n (that is, (1 - z) * n + z * h)."""
    ir, iz, in_ = unsafe_chunk(F.linear(input, w_ih, b_ih), 3, 1)
    hr, hz, hn = unsafe_chunk(F.linear(hx, w_hh, b_hh), 3, 1)
    r = (ir + hr).sigmoid()
    z = (iz + hz).sigmoid()
    n = (in_ + hn * r).tanh()
    return (hx - n) * z + n
