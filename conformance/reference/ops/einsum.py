"""torch.einsum, step for step as ATen computes it, so the recorded graph is PyTorch's."""

from __future__ import annotations

from conformance.reference.ops import pointwise, shape
from conformance.reference.ops.linalg import _numel, bmm

__all__ = ["einsum"]


# -- einsum --------------------------------------------------------------------------------
# ATen's einsum, step for step, so the graph is PyTorch's (there is no EinsumBackward node):
# each operand's repeated subscripts become a diagonal, missing subscripts are unsqueezed and
# the operand permuted to one common order (output subscripts first, then the summed ones in
# alphabetical order, upper case first); one operand is then summed, several are contracted
# left to right, each pair as a bmm between permutes and reshapes (or a mul if nothing is
# summed), and the summed dimensions, size 1 by then, are viewed away. Without opt_einsum
# installed (as here) PyTorch contracts left to right too.


def _label_rank(label):
    return ord(label) - ord("A") if label <= "Z" else ord(label) - ord("a") + 26


def _parse_subscripts(term, operand, index):
    """A term's subscripts as a list; an ellipsis becomes one entry (an int, counted from the
    last) per dimension it covers."""
    labels, ellipsis = [], False
    i = 0
    while i < len(term):
        char = term[i]
        if term.startswith("...", i):
            if ellipsis:
                raise RuntimeError(
                    f"einsum(): found '.' for operand {index} for which an ellipsis was "
                    "already found"
                )
            ellipsis = True
            labels.append("...")
            i += 3
            continue
        if char == ".":
            raise RuntimeError(
                f"einsum(): found '.' for operand {index} that is not part of any ellipsis"
            )
        if not char.isascii() or not char.isalpha():
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
        labels.append(char)
        i += 1
    named = len(labels) - ellipsis
    if operand is None:
        return labels
    if (operand.ndim < named) if ellipsis else (operand.ndim != named):
        raise RuntimeError(
            f"einsum(): the number of subscripts in the equation ({named}) "
            + (
                f"is more than the number of dimensions ({operand.ndim}) for operand {index}"
                if ellipsis
                else f"does not match the number of dimensions ({operand.ndim}) for operand "
                f"{index} and no ellipsis was given"
            )
        )
    if ellipsis:
        at = labels.index("...")
        covered = operand.ndim - named
        labels[at : at + 1] = list(range(covered, 0, -1))
    return labels


def _sumproduct_pair(left, right, sum_dims):
    """(left * right) summed over sum_dims (kept as size 1) by one bmm."""
    if not sum_dims:
        return pointwise.mul(left, right)
    lro, lo, ro = [], [], []
    for i in range(left.ndim):
        sl, sr = left.shape[i] != 1, right.shape[i] != 1
        if i in sum_dims:
            continue
        if sl and sr:
            lro.append(i)
        elif sl:
            lo.append(i)
        else:
            ro.append(i)
    summed = list(sum_dims)
    lro_size = _numel(left.shape[d] for d in lro)
    lo_size = _numel(left.shape[d] for d in lo)
    ro_size = _numel(right.shape[d] for d in ro)
    sum_size = _numel(left.shape[d] if left.shape[d] != 1 else right.shape[d] for d in summed)
    out_size = [left.shape[d] for d in lro + lo] + [1] * len(summed)
    out_size += [right.shape[d] for d in ro]
    order = lro + lo + summed + ro
    inverse = [order.index(d) for d in range(len(order))]
    left = shape.reshape(left.permute(*order), lro_size, lo_size, sum_size)
    right = right.permute(*lro, *summed, *ro, *lo)
    right = shape.reshape(right, lro_size, sum_size, ro_size)
    return shape.view(bmm(left, right), *out_size).permute(*inverse)


def einsum(equation, *operands):
    """torch.einsum: a sum of products named by subscripts ("ij,jk->ik"). The operands may
    also come as one list."""
    from conformance.reference.ops import rearranging

    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    inputs = [
        _parse_subscripts(t, op_, i) for i, (t, op_) in enumerate(zip(terms, operands, strict=True))
    ]
    ellipsis_dims = max((x for labels in inputs for x in labels if isinstance(x, int)), default=0)
    if arrow:
        output = _parse_subscripts(rhs, None, None)
        if "..." in output:
            at = output.index("...")
            output[at : at + 1] = list(range(ellipsis_dims, 0, -1))
        seen = set()
        for label in output:
            if isinstance(label, str):
                if label in seen:
                    raise RuntimeError(
                        f"einsum(): output subscript {label} appears more than once in the output"
                    )
                if not any(label in labels for labels in inputs):
                    raise RuntimeError(
                        f"einsum(): output subscript {label} does not appear in the equation "
                        "for any input operand"
                    )
                seen.add(label)
    else:
        counts = {}
        for labels in inputs:
            for label in labels:
                if isinstance(label, str):
                    counts[label] = counts.get(label, 0) + 1
        once = sorted((x for x, n in counts.items() if n == 1), key=_label_rank)
        output = list(range(ellipsis_dims, 0, -1)) + once
    summed = sorted({x for labels in inputs for x in labels if x not in output}, key=_label_rank)
    order = output + summed
    sizes = {}
    ops = []
    for index, (labels, operand) in enumerate(zip(inputs, operands, strict=True)):
        first = {}
        kept = []
        for label in labels:
            if label in first:  # a repeated subscript: the diagonal, moved back in place
                at = first[label]
                if operand.shape[at] != operand.shape[len(kept)]:
                    raise RuntimeError(
                        f"einsum(): subscript {label} is repeated for operand {index} but the "
                        f"sizes don't match, {operand.shape[len(kept)]} != {operand.shape[at]}"
                    )
                operand = rearranging.diagonal(operand, 0, at, len(kept))
                operand = rearranging.movedim(operand, -1, at)
                continue
            first[label] = len(kept)
            kept.append(label)
        for dim, label in enumerate(kept):
            size = operand.shape[dim]
            known = sizes.get(label, 1)
            if size != 1 and known != 1 and size != known:
                if isinstance(label, str):
                    raise RuntimeError(
                        f"einsum(): subscript {label} has size {size} for operand {index} which "
                        f"does not broadcast with previously seen size {known}"
                    )
                covered = sum(isinstance(x, int) for x in labels)
                raise RuntimeError(
                    f"einsum(): dimension {covered - label} covered by ellipsis in operand "
                    f"{index}has size {size} which does not broadcast with previously seen "
                    f"ellipsis with size {known} for the respective dimension"
                )
            if size != 1:
                sizes[label] = size
        for label in order:
            if label not in kept:
                operand = shape.unsqueeze(operand, operand.ndim)
                kept.append(label)
        operand = operand.permute(*[kept.index(label) for label in order])
        alone = [
            len(output) + k
            for k, label in enumerate(summed)
            if label in labels
            and not any(label in other for other in inputs if other is not labels)
        ]
        ops.append(operand.sum(alone, True) if alone and len(operands) > 1 else operand)
    n_out = len(output)
    result = ops[0]
    if len(ops) == 1:
        if summed:
            result = result.sum(list(range(n_out, len(order))))
        return result
    last_use = {
        label: max(i for i, labels in enumerate(inputs) if label in labels) for label in summed
    }
    for i, b in enumerate(ops[1:], 1):
        sum_dims = []
        for k, label in enumerate(summed):
            dim = n_out + k
            if last_use[label] != i:
                continue
            if result.shape[dim] != 1 and b.shape[dim] != 1:
                sum_dims.append(dim)
            elif result.shape[dim] != 1:
                result = result.sum(dim, True)
            elif b.shape[dim] != 1:
                b = b.sum(dim, True)
        result = _sumproduct_pair(result, b, sum_dims)
    if summed:
        result = shape.view(result, *result.shape[:n_out])
    return result
