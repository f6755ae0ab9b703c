"""Pulumi C# target: the project's `<project>-infra` repository, one stack per environment.

The repository holds a Pulumi project (`Pulumi.yaml`, runtime dotnet), one stack
config per environment (`Pulumi.<env>.yaml`: location, tiers and every resource
name), a .csproj with pinned packages, and the program: `Program.cs` creates the
resource group, the Log Analytics workspace and the project Key Vault, then one
`ComponentResource` per module (`Modules/<Module>Stack.cs`) owning that module's
identity, its federated credential, telemetry and stores.  A project gets an infra
repository when it runs a workload or owns a store (a project of libraries gets none).
All values are computed in :mod:`compiler.targets.pulumi.plan`; templates print.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.ir import OutputFile
from compiler.plan.naming import sdk_version
from compiler.resolve.model import Project
from compiler.targets.pulumi.plan import infra_plan
from compiler.targets.pulumi.sizing import sizing_context, sizing_summary
from compiler.targets.repo import declaration_file

FAMILY = "pulumi"


class PulumiStacks:
    name = "pulumi"

    def files(self, project: Project) -> Iterator[OutputFile]:
        if not project.has_infrastructure:
            return iter(())
        return infra_files(project)


def infra_files(project: Project) -> Iterator[OutputFile]:
    plan = infra_plan(project)
    context = {
        **plan,
        "sdk_version": sdk_version(plan["dotnet_version"]),
        "sizing": sizing_context(),
        "sizing_summary": sizing_summary(),
    }
    root = project.infra_repository

    def managed(
        path: str, template: str, key_path: str, extra: dict[str, Any] | None = None
    ) -> OutputFile:
        values = {**context, **(extra or {})}
        return project.file(f"{root}/{path}", f"{FAMILY}/{template}", values, key_path)

    yield declaration_file(project, root, pushes=False)
    yield managed("Pulumi.yaml", "Pulumi.yaml.j2", "metadata.name")
    for index, stack in enumerate(plan["stacks"]):
        yield managed(
            f"Pulumi.{stack['name']}.yaml",
            "Pulumi.stack.yaml.j2",
            f"spec.environments[{index}]",
            {"stack": stack},
        )
    yield managed(f"{plan['namespace']}.csproj", "Infra.csproj.j2", "spec.modules")
    yield managed("global.json", "global.json.j2", "spec.modules")
    yield managed(".gitignore", "gitignore.j2", "metadata.name")
    yield managed("README.md", "README.md.j2", "spec.modules")
    yield managed("Program.cs", "Program.cs.j2", "spec.modules")
    yield managed("Platform.cs", "Platform.cs.j2", "spec.environments")
    yield managed("StackSettings.cs", "StackSettings.cs.j2", "spec.environments")
    yield managed("Sizing.cs", "Sizing.cs.j2", "spec.environments")
    for module in plan["modules"]:
        yield managed(
            f"Modules/{module['class_name']}.cs",
            "ModuleStack.cs.j2",
            module["key_path"],
            {"module": module},
        )
