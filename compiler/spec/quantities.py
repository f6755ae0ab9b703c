"""Kubernetes resource quantities as numbers, for comparing requests with limits."""

from __future__ import annotations

import re


def parse_cpu(quantity: str) -> float:
    """CPU cores in a Kubernetes quantity.

    >>> parse_cpu("250m"), parse_cpu("1.5")
    (0.25, 1.5)
    """
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_MEMORY_UNITS |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def parse_memory(quantity: str) -> int:
    """Bytes in a Kubernetes memory quantity.

    >>> parse_memory("256Mi"), parse_memory("1G")
    (268435456, 1000000000)
    """
    number, unit = re.fullmatch(r"([0-9]+)([A-Za-z]*)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * _MEMORY_UNITS[unit]
