"""What every object of a workload carries: its name, labels and selector.

Objects that run only once an image is promoted also carry the digest they run
(:func:`promoted_meta`), so that what a cluster runs can be traced to a promotion.
"""

from __future__ import annotations

from typing import Any

from compiler.kubernetes import values as kv

MANAGED_BY = "kustomize"

Obj = dict[str, Any]


def labels(workload: kv.Workload) -> dict[str, str]:
    return {
        **selector(workload),
        "app.kubernetes.io/component": workload.component,
        "app.kubernetes.io/part-of": workload.project.name,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def selector(workload: kv.Workload) -> dict[str, str]:
    return {"app.kubernetes.io/name": workload.name, "app.kubernetes.io/instance": workload.name}


def meta(workload: kv.Workload, name: str | None = None, **extra: Any) -> Obj:
    return {"name": name or workload.name, "labels": labels(workload), **extra}


def promoted_meta(workload: kv.Workload, values: dict[str, Any], name: str | None = None) -> Obj:
    """Metadata of an object that runs only once promoted: it carries the digest it runs."""
    pinned = values["image"]["digest"].removeprefix("sha256:") or kv.UNPROMOTED
    return meta(workload, name, annotations={kv.DIGEST_ANNOTATION: pinned})
