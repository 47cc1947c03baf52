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

The row space is tested with an orthonormal basis ``Q`` of the published
rows (eigenvectors of their Gram matrix): a vector ``v`` lies in it exactly
when ``|Q^T v| = |v|``. Sets of several atoms are enumerated up to a total of
``minimum - 1`` people, which keeps the search small: only atoms smaller than
the minimum can be in such a set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Exposure", "audit"]

_TOLERANCE = 1e-9
MAX_SETS = 200_000
"""Enumerated sets per audit at most; past it only singletons and pairs are checked."""


@dataclass(frozen=True)
class Exposure:
    """A set of atoms whose total can be worked out, and how many people it holds."""

    atoms: tuple[int, ...]
    people: int


def _basis(rows: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the row space of `rows`, one basis vector per column."""
    if rows.size == 0:
        return np.zeros((rows.shape[1] if rows.ndim == 2 else 0, 0))
    # The row space of `rows` is the range of its Gram matrix; eigh of that small symmetric
    # matrix is an order of magnitude faster here than an SVD of the rows.
    values, vectors = np.linalg.eigh(rows.T @ rows)
    top = float(values[-1]) if values.size else 0.0
    return vectors[:, values > _TOLERANCE * top] if top > 0 else vectors[:, :0]


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
    if not ((sizes > 0) & (sizes < minimum)).any():
        return []  # every atom holds the minimum or more: nothing small to give away
    rows = np.asarray(rows, dtype=float).reshape(-1, len(sizes))
    # Atoms published on their own, or left alone in a row once known atoms are taken
    # out, are known; a set of the other atoms lies in the row space exactly when it lies
    # in that of the rows restricted to them, a much smaller matrix.
    known = np.zeros(len(sizes), dtype=bool)
    while True:  # peel: a row left with one unknown atom makes that atom known too
        nonzero = (rows[:, ~known] != 0).sum(axis=1)
        single = rows[nonzero == 1][:, ~known]
        if not len(single):
            break
        known[np.flatnonzero(~known)[(single != 0).argmax(axis=1)]] = True
    unknown = np.flatnonzero(~known)
    rest = rows[:, unknown]
    rest = rest[(rest != 0).any(axis=1)]
    basis = np.zeros((len(sizes), 0))
    if len(rest):
        reduced = _basis(rest)
        basis = np.zeros((len(sizes), reduced.shape[1]))
        basis[unknown] = reduced
    if known.any():
        basis = np.hstack([basis, np.eye(len(sizes))[:, known]])
    if basis.shape[1] == 0:
        return []
    exposed: list[Exposure] = []
    for atoms in _small_sets(sizes, minimum, MAX_SETS):
        vector = basis[list(atoms)].sum(axis=0)
        if abs(float(vector @ vector) - len(atoms)) < 1e-6:
            exposed.append(Exposure(atoms, int(sizes[list(atoms)].sum())))
    return sorted(exposed, key=lambda e: (len(e.atoms), e.atoms))
