"""The store wire: every store a module uses reaches it as configuration, per environment.

What each environment's cluster applies gives every workload, in its ConfigMap (loaded
with `envFrom`), the connection information of each store it owns or reaches through an
infrastructure module it depends on: `Stores__<Store>__Host`, `...__Database`,
`...__FullyQualifiedNamespace`, `...__VaultUri`, `...__BlobEndpoint`, `...__Endpoint` —
built from the very Azure names the environment's Pulumi stack creates (its
`Pulumi.<env>.yaml`), never a key.  Every store kind, both engines, both styles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.resolve.azure_names import ENDPOINTS
from compiler.verify.kubernetes import policy
from tests.conftest import SPECS
from tests.wiring.cluster import VARIANTS, WIRING_SPECS, by_kind, compile_estate, module_objects

ESTATES = [("examples", SPECS, "", ""), *(("shop", WIRING_SPECS, e, m) for e, m in VARIANTS)]
NAME_ROLES = {"server", "database", "name", "namespace", "vault", "account", "container"}


@pytest.mark.parametrize(("name", "specs", "engine", "manifests"), ESTATES, ids=[
    f"{n}-{e or 'as-written'}-{m or ''}".rstrip("-") for n, _, e, m in ESTATES
])  # fmt: skip
def test_every_store_a_module_uses_is_in_its_configuration(
    tmp_path: Path, name: str, specs: Path, engine: str, manifests: str
) -> None:
    estate = compile_estate(tmp_path, specs, engine, manifests)
    kinds = set()
    for project in estate.projects:
        program = estate.folder(project) / project.infra_repository
        for env in project.environments:
            stack = yaml.safe_load((program / f"Pulumi.{env.name}.yaml").read_text())["config"]
            created = stack[f"{project.name}:stores"]
            objects = estate.applied(project, env)
            for module in project.workloads:
                (config,) = [
                    c for c in by_kind(module_objects(objects, module.name), "ConfigMap")
                    if c["metadata"]["name"] == module.name
                ]  # fmt: skip
                assert policy(config) == []
                data = config["data"]
                for store in module.stores_used:
                    kinds.add(store.kind)
                    mine = {k: v for k, v in data.items() if k.startswith(store.setting_prefix)}
                    assert mine, (env.name, module.name, store.name)
                    names = {r: v for r, v in created[store.name].items() if r in NAME_ROLES}
                    for azure_name in names.values():
                        assert any(azure_name in value for value in mine.values()), azure_name
                others = {s.setting_prefix for s in project.stores} - {
                    s.setting_prefix for s in module.stores_used
                }
                assert not [k for k in data if any(k.startswith(p) for p in others)]
    if name == "shop":
        assert kinds == set(ENDPOINTS)
