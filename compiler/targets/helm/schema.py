"""`values.schema.json` of a generated chart: Helm validates every install and override against it.

The schema is closed (`additionalProperties: false`) and uses the same patterns as
the spec for quantities, paths and names, so an override that the spec would
refuse (a typo'd key, `cpu: lots`, a digest that is not sha256) fails at
`helm install`/`helm template` time instead of in the cluster.
"""

from __future__ import annotations

from typing import Any

from compiler.spec.types import (
    CPU_PATTERN,
    ENV_VAR_PATTERN,
    HOSTNAME_PATTERN,
    HTTP_PATH_PATTERN,
    KEY_VAULT_PATTERN,
    MEMORY_PATTERN,
    SECRET_NAME_PATTERN,
)


def _or_empty(pattern: str) -> str:
    """A spec pattern that also admits the empty string (a value the chart may leave unset)."""
    return f"^({pattern.removeprefix('^').removesuffix('$')})?$"


CPU = CPU_PATTERN
MEMORY = MEMORY_PATTERN
HTTP_PATH = HTTP_PATH_PATTERN
HOSTNAME = _or_empty(HOSTNAME_PATTERN)
DNS_LABEL = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?$"
ENV_NAME = ENV_VAR_PATTERN
GUID_OR_EMPTY = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    schema["required"] = sorted(properties) if required is None else required
    return schema


def _string(pattern: str | None = None, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    if enum:
        schema["enum"] = enum
    return schema


def _integer(minimum: int, maximum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def _amounts() -> dict[str, Any]:
    return _object({"cpu": _string(CPU), "memory": _string(MEMORY)})


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _boolean() -> dict[str, Any]:
    return {"type": "boolean"}


def _image() -> dict[str, Any]:
    return _object(
        {
            "repository": _string(r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$"),
            "digest": _string(r"^(sha256:[a-f0-9]{64})?$"),
            "pullPolicy": _string(enum=["Always", "IfNotPresent", "Never"]),
        }
    )


def _strategy() -> dict[str, Any]:
    canary = _object({"steps": _array(_integer(1, 99)), "pause": _string(r"^[0-9]+(s|m|h)$")})
    return _object(
        {
            "type": _string(enum=["rollingUpdate", "canary", "blueGreen"]),
            "canary": canary,
            "blueGreen": _object({"autoPromotionSeconds": _integer(0, 86400)}),
        }
    )


def _container() -> dict[str, Any]:
    probes = _object({"liveness": _string(HTTP_PATH), "readiness": _string(HTTP_PATH)})
    return _object(
        {"port": _integer(1, 65535), "heartbeat": _string(HTTP_PATH), "health": probes},
        ["health"],
    )


def _resources() -> dict[str, Any]:
    return _object({"requests": _amounts(), "limits": _amounts()})


def _autoscaling() -> dict[str, Any]:
    return _object(
        {
            "enabled": _boolean(),
            "minReplicas": _integer(1, 1000),
            "maxReplicas": _integer(1, 1000),
            "targetCPUUtilizationPercentage": _integer(1, 100),
        }
    )


def _service() -> dict[str, Any]:
    return _object(
        {
            "enabled": _boolean(),
            "type": _string(enum=["ClusterIP", "NodePort", "LoadBalancer"]),
            "port": _integer(1, 65535),
        }
    )


def _ingress() -> dict[str, Any]:
    return _object(
        {
            "enabled": _boolean(),
            "className": _string(DNS_LABEL),
            "host": _string(HOSTNAME),
            "path": _string(HTTP_PATH),
            "tlsSecretName": _string(DNS_LABEL),
        }
    )


def _env() -> dict[str, Any]:
    return {
        "type": "object",
        "propertyNames": {"pattern": ENV_NAME},
        "additionalProperties": {"type": "string"},
    }


def _network_policy() -> dict[str, Any]:
    dependency = _object({"name": _string(DNS_LABEL), "port": _integer(1, 65535)})
    return _object(
        {
            "ingressNamespace": _string(DNS_LABEL),
            "dependents": _array(_string(DNS_LABEL)),
            "dependencies": _array(dependency),
            "egressPorts": _array(_integer(1, 65535)),
        }
    )


def _vault() -> dict[str, Any]:
    secret_env = _object({"env": _string(ENV_NAME), "secret": _string(SECRET_NAME_PATTERN)})
    return _object(
        {
            "name": _string(KEY_VAULT_PATTERN),
            "keyvaultName": _string(KEY_VAULT_PATTERN),
            "objects": _array(_string(SECRET_NAME_PATTERN)),
            "env": _array(secret_env),
        }
    )


def _secrets() -> dict[str, Any]:
    return _object({"vaults": _array(_vault())})


def _workload_identity() -> dict[str, Any]:
    return _object({"clientId": _string(GUID_OR_EMPTY), "tenantId": _string(GUID_OR_EMPTY)})


def _properties() -> dict[str, Any]:
    return {
        "nameOverride": _string(DNS_LABEL),
        "fullnameOverride": _string(DNS_LABEL),
        "partOf": _string(),
        "component": _string(enum=["api", "worker"]),
        "image": _image(),
        "replicaCount": _integer(0, 1000),
        "strategy": _strategy(),
        "container": _container(),
        "resources": _resources(),
        "autoscaling": _autoscaling(),
        "podDisruptionBudget": _object({"minAvailable": _integer(0, 1000)}),
        "service": _service(),
        "ingress": _ingress(),
        "env": _env(),
        "networkPolicy": _network_policy(),
        "secrets": _secrets(),
        "workloadIdentity": _workload_identity(),
    }


def values_schema(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema (draft-07, which Helm supports) of a chart's values."""
    properties = _properties()
    missing = sorted(set(values) - set(properties))
    assert not missing, f"values without a schema: {missing}"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "values of a shipspec chart",
        **_object(properties),
    }
