"""The linear-algebra audit: can anything hidden be worked out from what is published?

Every number Role Radar publishes about a group -- a count, a sum behind a
mean, a count per answer -- is a sum over the people in it. Cut the
respondents into *atoms* (a team x role cell, or, across time, a team x role
cell of one publication step); then each published number is a known linear
combination of the atoms' values. A set of atoms is exposed when its total is
such a combination, i.e. when its indicator vector lies in the row space of
the published rows. The audit reports every exposed set of atoms that holds
between one and ``minimum - 1`` people: one or a few respondents whose
answers could be read off the published tables.

The search is exact and small. Let ``N`` be an orthonormal basis of the
complement of the row space (from an SVD of the rows); the indicator ``x``
of a set lies in the row space exactly when ``N^T x = 0``. Only atoms with
fewer than ``minimum`` people can be in an exposed set, so the candidates
form the null space ``W`` of ``N^T`` restricted to those atoms. Its
dimension ``d`` is usually 0 (nothing can be exposed, the common case) or a
handful; then every 0/1 vector of ``W`` is fixed by its values on ``d``
pivot atoms, and the ``2^d`` choices are checked at once with one matrix
product. Only when ``d`` is large are sets enumerated one by one, up to a
total of ``minimum - 1`` people and at most `MAX_SETS` sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Exposure", "audit"]

_TOLERANCE = 1e-9
_NOISE = 1e-8  # rounding noise in an orthonormal basis, far below any real entry
MAX_FREE = 16
"""Up to this many free dimensions the 0/1 vectors are checked all at once (2^16 columns)."""
MAX_SETS = 200_000
"""Past `MAX_FREE`, sets are enumerated one by one, at most this many per audit."""


@dataclass(frozen=True)
class Exposure:
    """A set of atoms whose total can be worked out, and how many people it holds."""

    atoms: tuple[int, ...]
    people: int


def _complement(rows: np.ndarray, atoms: int) -> np.ndarray:
    """An orthonormal basis of the vectors orthogonal to every row (one per column)."""
    if rows.size == 0:
        return np.eye(atoms)
    _, values, vt = np.linalg.svd(rows, full_matrices=True)
    top = float(values[0]) if values.size else 0.0
    rank = int((values > _TOLERANCE * top).sum()) if top > 0 else 0
    return np.asarray(vt[rank:].T)


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of ``{x : matrix @ x = 0}`` (one vector per column).

    `matrix` holds rows of an orthonormal basis, entries of order 1 or rounding noise,
    so the rank is counted against an absolute tolerance.
    """
    if matrix.shape[0] == 0:
        return np.eye(matrix.shape[1])
    _, values, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((values > _NOISE).sum())
    return np.asarray(vt[rank:].T)


def _pivoted(basis: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The same column space with an identity on `d` pivot rows (Gauss-Jordan on columns)."""
    basis = basis.copy()
    pivots: list[int] = []
    for column in range(basis.shape[1]):
        free = np.abs(basis[:, column])
        free[pivots] = -1.0
        row = int(free.argmax())
        pivots.append(row)
        basis[:, column] /= basis[row, column]
        for other in range(basis.shape[1]):
            if other != column:
                basis[:, other] -= basis[row, other] * basis[:, column]
    return basis, pivots


def _binary_members(basis: np.ndarray) -> np.ndarray:
    """Every nonzero 0/1 vector in the column space of `basis`, one per column."""
    pivoted, _ = _pivoted(basis)
    d = pivoted.shape[1]
    choices = ((np.arange(1, 2**d)[None, :] >> np.arange(d)[:, None]) & 1).astype(float)
    vectors = pivoted @ choices
    rounded = np.rint(vectors)
    binary = (np.abs(vectors - rounded) < 1e-6).all(axis=0) & ((rounded == 0) | (rounded == 1)).all(
        axis=0
    )
    return rounded[:, binary].astype(bool)


def _small_sets(sizes: np.ndarray, minimum: int, limit: int) -> Iterator[tuple[int, ...]]:
    """Sets of atoms with 1 .. minimum - 1 people in all (atoms of size 0 never count)."""
    small = [int(i) for i in np.flatnonzero((sizes > 0) & (sizes < minimum))]
    produced = 0

    def extend(start: int, chosen: tuple[int, ...], total: int) -> Iterator[tuple[int, ...]]:
        nonlocal produced
        for position in range(start, len(small)):
            atom = small[position]
            people = total + int(sizes[atom])
            if people >= minimum:
                continue
            combo = (*chosen, atom)
            produced += 1
            yield combo
            if produced < limit:
                yield from extend(position + 1, combo, people)

    yield from extend(0, (), 0)


def audit(rows: np.ndarray, sizes: Sequence[int] | np.ndarray, minimum: int) -> list[Exposure]:
    """Every set of atoms with 1 .. minimum - 1 people whose total the published rows give away.

    Parameters
    ----------
    rows : published numbers x atoms, 1 where the atom is part of the group
        whose number is published (one row per published group and moment).
    sizes : people per atom.
    minimum : the round's minimum group size.

    Returns
    -------
    The exposures, smallest sets first; empty when nothing hidden can be
    worked out.

    Examples
    --------
    Teams A = {a1, a2} and B = {b1}, published: the organisation and team A.
    Then B = organisation - A gives b1 away:

    >>> rows = np.array([[1, 1, 1], [1, 1, 0]])
    >>> [e.atoms for e in audit(rows, [3, 3, 1], minimum=3)]
    [(2,)]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    small = np.flatnonzero((sizes > 0) & (sizes < minimum))
    if not len(small):
        return []  # every atom holds the minimum or more: nothing small to give away
    rows = np.asarray(rows, dtype=float).reshape(-1, len(sizes))
    constraints = _complement(rows, len(sizes))[small].T  # x on `small` is published iff 0
    candidates = _null_space(constraints)
    if candidates.shape[1] == 0:
        return []  # no combination of small atoms is published: the common case
    exposed: list[Exposure] = []
    if candidates.shape[1] <= MAX_FREE:
        members = _binary_members(candidates)
        people = sizes[small] @ members
        for column in np.flatnonzero(people < minimum):
            atoms = tuple(int(a) for a in small[members[:, column]])
            exposed.append(Exposure(atoms, int(people[column])))
    else:
        for atoms in _small_sets(sizes, minimum, MAX_SETS):
            columns = np.searchsorted(small, atoms)
            if np.abs(constraints[:, columns].sum(axis=1)).max(initial=0.0) < 1e-6:
                exposed.append(Exposure(atoms, int(sizes[list(atoms)].sum())))
    return sorted(exposed, key=lambda e: (len(e.atoms), e.atoms))
