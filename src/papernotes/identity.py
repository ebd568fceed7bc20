"""Which entries are the same paper: entries sharing an identifier or a normalised title are one paper.

One union-find for every place that asks (duplicate-entry, the merge driver, stats), so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["group_roots", "groups_in_order", "paper_keys"]


def paper_keys(id_keys: Iterable[str], title_key: str) -> list[str]:
    """The keys an entry is known by: its identifiers (``PaperId.key``) and its title key, if any."""
    return [f"id:{key}" for key in id_keys] + ([f"title:{title_key}"] if title_key else [])


def group_roots(keys: Sequence[Iterable[str]]) -> list[int]:
    """For each item, the position of its group's root: items that share any key are in one group."""
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, item_keys in enumerate(keys):
        for key in item_keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    return [find(i) for i in range(len(keys))]


def groups_in_order(roots: Sequence[int]) -> list[list[int]]:
    """The groups as lists of positions, in the order of each group's first item."""
    groups: dict[int, list[int]] = {}
    for i, root in enumerate(roots):
        groups.setdefault(root, []).append(i)
    return list(groups.values())
