"""The order PyTorch's CPU sort and selection kernels leave equal elements in.

Without stable=True, ATen sorts each slice with the C++ standard library's std::sort, an
introsort that reorders equal elements (above 16 elements; up to 16 it is an insertion sort,
which keeps them). Which permutation it leaves depends only on the sequence of comparisons,
so it is reproduced here step for step, as libstdc++ implements it: median-of-three pivots,
Hoare partitions, a heapsort past the depth limit, then a final insertion sort. The selection
kernels are built the same way: topk on std::partial_sort or std::nth_element, mode on
std::sort, median(dim) on std::nth_element, kthvalue on ATen's own quickselect; each is
reproduced here too. Only slices that have equal elements need any of it (and topk's unsorted
results); any algorithm orders the others alike. Two exceptions follow ATen: a 1-D integer
tensor of 32768 elements or more, sorted ascending, goes through a radix sort, which is
stable; and slices longer than LONGEST keep the stable order (emulating the introsort in
Python costs about 3 us an element), a difference from PyTorch this engine accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from conformance.reference import dtypes

RADIX_FROM = 32768  # ATen's radix sort: 1-D, integer, ascending, at least this long
LONGEST = 65536
_INSERTION = 16  # libstdc++'s _S_threshold


def ascending(a: float, b: float) -> bool:
    """ATen's comparison for an ascending sort: NaN is the largest value."""
    return (not math.isnan(a) and math.isnan(b)) or a < b


def descending(a: float, b: float) -> bool:
    return (math.isnan(a) and not math.isnan(b)) or a > b


def comparable(a: np.ndarray) -> np.ndarray:
    """`a` with values that compare as the kernels compare them: bfloat16 as float32 (for
    Python, and for NumPy's sort, which stops at a bfloat16 NaN)."""
    return a.astype(np.float32) if a.dtype == dtypes.bfloat16.np else a


def by_slice(keys: np.ndarray, dim: int, out: np.ndarray, which, pick: Callable) -> np.ndarray:
    """Overwrite, slice by slice where `which` (keys' shape without dim) is true, `out`
    (indices along dim) with pick(the slice's values as a list)."""
    rows, picks = np.moveaxis(keys, dim, -1), np.moveaxis(out, dim, -1)
    for at in np.ndindex(picks.shape[:-1]):
        if which[at]:
            picks[at] = pick(rows[at].tolist())
    return out


def unstable_order(a: np.ndarray, dim: int, largest_first: bool, order: np.ndarray) -> np.ndarray:
    """The permutation PyTorch's CPU sort (stable=False) leaves along dim, from `order`, the
    stable one: the slices past 16 elements with equal elements take the introsort's steps."""
    keys = comparable(a)
    n = keys.shape[dim]
    if keys.ndim == 1 and keys.dtype.kind in "iu" and not largest_first and n >= RADIX_FROM:
        return order  # (ATen's radix sort, which is stable)
    if n <= _INSERTION or n > LONGEST:  # (an insertion sort up to 16: stable)
        return order
    less = descending if largest_first else ascending
    tied = tied_slices(keys, order, dim)
    return by_slice(keys, dim, order, tied, lambda row: introsort_order(row, less))


def tied_slices(keys: np.ndarray, order: np.ndarray, dim: int) -> np.ndarray:
    """For each slice along dim (dim removed), whether it holds equal elements (NaNs count
    as equal to each other), read off `order`, the stable sort's permutation already
    computed. Where no two elements tie, every selection algorithm picks alike."""
    n = keys.shape[dim]
    if n < 2:
        return np.zeros(keys.shape[:dim] + keys.shape[dim + 1 :], bool)
    ordered = np.take_along_axis(keys, order, axis=dim)
    head = np.take(ordered, range(n - 1), axis=dim)
    tail = np.take(ordered, range(1, n), axis=dim)
    same = head == tail
    if keys.dtype.kind == "f":
        same |= np.isnan(head) & np.isnan(tail)
    return np.asarray(same.any(axis=dim))


def introsort_order(keys: list, less: Callable) -> list:
    """The permutation of range(len(keys)) that libstdc++'s std::sort leaves, sorting index
    i by keys[i] with `less`."""
    order = list(range(len(keys)))
    _Library(order, lambda i, j: less(keys[i], keys[j])).sort(0, len(order))
    return order


def topk_order(keys: list, k: int, largest: bool, sorted: bool) -> list:  # noqa: A002
    """The first k of the permutation ATen's CPU topk leaves (cpu/TopKImpl.h): a
    std::partial_sort when k is at most 1/64 of the slice, otherwise a std::nth_element of the
    k-th, then (with sorted) a std::sort of the k - 1 before it. NaN is the largest."""
    less = descending if largest else ascending
    order = list(range(len(keys)))
    if not k:
        return order[:0]
    library = _Library(order, lambda i, j: less(keys[i], keys[j]))
    if k * 64 <= len(keys):
        library.partial_sort(0, k, len(order))
    else:
        library.nth_element(0, k - 1, len(order))
        if sorted:
            library.sort(0, k - 1)
    return order[:k]


def nth_element_order(keys: list, nth: int, less: Callable) -> list:
    """The permutation std::nth_element leaves, index i compared by less(i, j) (the
    comparator sees indices: median's breaks ties by them)."""
    order = list(range(len(keys)))
    _Library(order, less).nth_element(0, nth, len(order))
    return order


def quick_select_order(keys: list, k: int) -> list:
    """The permutation ATen's own quickselect (quick_select_template in Sorting.cpp, used by
    kthvalue) leaves once the k-th smallest (from 0) is in place: a median-of-three pivot and
    Sedgewick's partition, NaN the largest."""
    a = list(range(len(keys)))

    def greater(i: int, j: int) -> bool:
        return descending(keys[a[i]], keys[a[j]])

    def swap(i: int, j: int) -> None:
        a[i], a[j] = a[j], a[i]

    low, high = 0, len(a) - 1
    while high > low:
        if high == low + 1:
            if greater(low, high):
                swap(low, high)
            break
        swap((low + high) >> 1, low + 1)
        if greater(low + 1, high):
            swap(low + 1, high)
        if greater(low, high):
            swap(low, high)
        if greater(low + 1, low):
            swap(low + 1, low)
        i, j, pivot = low + 1, high, keys[a[low]]
        while True:
            i += 1
            while descending(pivot, keys[a[i]]):
                i += 1
            j -= 1
            while descending(keys[a[j]], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    return a


class _Library:
    """libstdc++'s sort, partial_sort and nth_element on a list of indices, each step as it
    takes it."""

    def __init__(self, a: list, comp: Callable) -> None:
        self.a = a
        self.comp = comp

    def sort(self, first: int, last: int) -> None:
        """std::sort: an introsort loop, then a final insertion sort."""
        n = last - first
        if n < 2:
            return
        self._loop(first, last, 2 * (n.bit_length() - 1))
        if n > _INSERTION:
            self._insertion(first, first + _INSERTION)
            for i in range(first + _INSERTION, last):
                self._linear_insert(i)
        else:
            self._insertion(first, last)

    def partial_sort(self, first: int, middle: int, last: int) -> None:
        """std::partial_sort: a heap of the first (middle - first), each later element
        that belongs in it swapped in, then the heap sorted."""
        self._heap_select(first, middle, last)
        self._sort_heap(first, middle)

    def nth_element(self, first: int, nth: int, last: int) -> None:
        """std::nth_element (__introselect): partitions around median-of-three pivots until
        at most three remain around nth, then an insertion sort; past the depth limit, a heap
        selection instead."""
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                self._heap_select(first, nth + 1, last)
                self.a[first], self.a[nth] = self.a[nth], self.a[first]
                return
            depth -= 1
            self._median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
            cut = self._partition(first + 1, last, first)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._insertion(first, last)

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
        """std::partial_sort over the whole range: std::make_heap, then std::sort_heap."""
        self._heap_select(first, last, last)
        self._sort_heap(first, last)

    def _heap_select(self, first: int, middle: int, last: int) -> None:
        """std::__heap_select: a heap of [first, middle); every later element that the
        comparator puts before its top replaces the top (std::__pop_heap)."""
        length = middle - first
        for parent in range((length - 2) // 2, -1, -1):
            self._adjust_heap(first, parent, length, self.a[first + parent])
        for i in range(middle, last):
            if self.comp(self.a[i], self.a[first]):
                value = self.a[i]
                self.a[i] = self.a[first]
                self._adjust_heap(first, 0, length, value)

    def _sort_heap(self, first: int, last: int) -> None:
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
