"""The order PyTorch's CPU sort leaves equal elements in when stability is not asked for.

Without stable=True, ATen sorts each slice with the C++ standard library's std::sort, an
introsort that reorders equal elements (above 16 elements; up to 16 it is an insertion sort,
which keeps them). Which permutation it leaves depends only on the sequence of comparisons,
so it is reproduced here step for step, as libstdc++ implements it: median-of-three pivots,
Hoare partitions, a heapsort past the depth limit, then a final insertion sort. Only slices
that have equal elements need it; any sort orders the others alike. Two exceptions follow
ATen: a 1-D integer tensor of 32768 elements or more, sorted ascending, goes through a radix
sort, which is stable; and slices longer than LONGEST keep the stable order (emulating the
introsort in Python costs about 3 us an element), a difference from PyTorch this engine
accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

RADIX_FROM = 32768  # ATen's radix sort: 1-D, integer, ascending, at least this long
LONGEST = 65536
_INSERTION = 16  # libstdc++'s _S_threshold


def ascending(a: float, b: float) -> bool:
    """ATen's comparison for an ascending sort: NaN is the largest value."""
    return (not math.isnan(a) and math.isnan(b)) or a < b


def descending(a: float, b: float) -> bool:
    return (math.isnan(a) and not math.isnan(b)) or a > b


def needs_introsort(keys: np.ndarray, order: np.ndarray, dim: int) -> bool:
    """Whether any slice along dim is longer than the insertion sort's reach and has equal
    elements (NaNs count as equal to each other), read off `order`, the stable sort's
    permutation already computed."""
    n = keys.shape[dim]
    if n <= _INSERTION or n > LONGEST:
        return False
    ordered = np.take_along_axis(keys, order, axis=dim)
    head = np.take(ordered, range(n - 1), axis=dim)
    tail = np.take(ordered, range(1, n), axis=dim)
    same = head == tail
    if keys.dtype.kind == "f":
        same |= np.isnan(head) & np.isnan(tail)
    return bool(same.any())


def introsort_order(keys: list, less: Callable) -> list:
    """The permutation of range(len(keys)) that libstdc++'s std::sort leaves, sorting index
    i by keys[i] with `less`."""
    order = list(range(len(keys)))
    _Introsort(order, lambda i, j: less(keys[i], keys[j])).run()
    return order


class _Introsort:
    """std::sort on a list of indices, each step as libstdc++ takes it."""

    def __init__(self, a: list, comp: Callable) -> None:
        self.a = a
        self.comp = comp

    def run(self) -> None:
        n = len(self.a)
        if n < 2:
            return
        self._loop(0, n, 2 * int(math.log2(n)))
        if n > _INSERTION:
            self._insertion(0, _INSERTION)
            for i in range(_INSERTION, n):
                self._linear_insert(i)
        else:
            self._insertion(0, n)

    def _loop(self, first: int, last: int, depth: int) -> None:
        while last - first > _INSERTION:
            if depth == 0:
                self._heapsort(first, last)
                return
            depth -= 1
            self._median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
            cut = self._partition(first + 1, last, first)
            self._loop(cut, last, depth)
            last = cut

    def _median_to_first(self, result: int, x: int, y: int, z: int) -> None:
        a, comp = self.a, self.comp
        if comp(a[x], a[y]):
            m = y if comp(a[y], a[z]) else z if comp(a[x], a[z]) else x
        else:
            m = x if comp(a[x], a[z]) else z if comp(a[y], a[z]) else y
        a[result], a[m] = a[m], a[result]

    def _partition(self, first: int, last: int, pivot: int) -> int:
        a, comp = self.a, self.comp
        while True:
            while comp(a[first], a[pivot]):
                first += 1
            last -= 1
            while comp(a[pivot], a[last]):
                last -= 1
            if not first < last:
                return first
            a[first], a[last] = a[last], a[first]
            first += 1

    def _insertion(self, first: int, last: int) -> None:
        a = self.a
        for i in range(first + 1, last):
            value = a[i]
            if self.comp(value, a[first]):
                a[first + 1 : i + 1] = a[first:i]
                a[first] = value
            else:
                self._linear_insert(i)

    def _linear_insert(self, last: int) -> None:
        a, comp = self.a, self.comp
        value = a[last]
        while comp(value, a[last - 1]):
            a[last] = a[last - 1]
            last -= 1
        a[last] = value

    def _heapsort(self, first: int, last: int) -> None:
        """std::make_heap, then std::sort_heap (std::partial_sort over the whole range)."""
        length = last - first
        for parent in range((length - 2) // 2, -1, -1):
            self._adjust_heap(first, parent, length, self.a[first + parent])
        while last - first > 1:
            last -= 1
            value = self.a[last]
            self.a[last] = self.a[first]
            self._adjust_heap(first, 0, last - first, value)

    def _adjust_heap(self, first: int, hole: int, length: int, value: int) -> None:
        a, comp = self.a, self.comp
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if comp(a[first + child], a[first + child - 1]):
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and comp(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value
