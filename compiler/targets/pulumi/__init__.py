"""Pulumi C# target: the project's `<project>-infra` repository, one stack per environment.

The repository holds a Pulumi project (`Pulumi.yaml`, runtime dotnet), one stack
config per environment (`Pulumi.<env>.yaml`: location, tiers and every resource
name), a .csproj with pinned packages, and the program: `Program.cs` creates the
resource group, the Log Analytics workspace and the project Key Vault, then one
`ComponentResource` per module (`Modules/<Module>Stack.cs`) owning that module's
identity, its federated credential, telemetry and stores.  A project gets an infra
repository when it runs a workload or owns a store (a project of libraries gets none).
All values are computed in :mod:`compiler.targets.pulumi.plan` into the typed
context of :mod:`compiler.targets.pulumi.model`; the C# and README templates print
it by attribute, and each stack config is data written by the one YAML serializer
(:mod:`compiler.serialize`), like every other data-shaped file.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.contexts import TemplateContext
from compiler.ir import OutputFile
from compiler.resolve.model import Project
from compiler.serialize import Line, lines
from compiler.targets.pulumi.model import ModuleStackContext, StackConfig, StackPlan
from compiler.targets.pulumi.plan import FEDERATION_AUDIENCE, infra_plan
from compiler.targets.repo import declaration_file

FAMILY = "pulumi"

PROGRAM_FILES = (
    # (path, template, key path)
    (".gitignore", "gitignore.j2", "metadata.name"),
    ("README.md", "README.md.j2", "spec.modules"),
    ("Program.cs", "Program.cs.j2", "spec.modules"),
    ("Platform.cs", "Platform.cs.j2", "spec.environments"),
    ("StackSettings.cs", "StackSettings.cs.j2", "spec.environments"),
    ("Sizing.cs", "Sizing.cs.j2", "spec.environments"),
)
"""Files of the program that print the plan as a whole, after the project and build files."""


class PulumiStacks:
    name = "pulumi"

    def files(self, project: Project) -> Iterator[OutputFile]:
        if not project.has_infrastructure:
            return iter(())
        return infra_files(project)


def infra_files(project: Project) -> Iterator[OutputFile]:
    plan = infra_plan(project)
    root = project.infra_repository

    def managed(
        path: str, template: str, key_path: str, context: TemplateContext = plan
    ) -> OutputFile:
        return project.file(f"{root}/{path}", f"{FAMILY}/{template}", context, key_path)

    yield declaration_file(project, root, pushes=False)
    yield managed("Pulumi.yaml", "Pulumi.yaml.j2", "metadata.name")
    for stack in plan.stacks:
        config = StackConfig(stack_lines(stack))
        yield managed(f"Pulumi.{stack.name}.yaml", "Pulumi.stack.yaml.j2", stack.key_path, config)
    yield managed(f"{plan.csharp_namespace}.csproj", "Infra.csproj.j2", "spec.modules")
    yield managed("global.json", "global.json.j2", "spec.modules")
    for path, template, key_path in PROGRAM_FILES:
        yield managed(path, template, key_path)
    for module in plan.modules:
        context = ModuleStackContext(plan.csharp_namespace, FEDERATION_AUDIENCE, module)
        path = f"Modules/{module.class_name}.cs"
        yield managed(path, "ModuleStack.cs.j2", module.key_path, context)


def stack_lines(stack: StackPlan) -> list[Line]:
    """The stack config through the one serializer, under a comment saying what it holds."""
    comment = (
        f"stack {stack.name}: where it deploys, its sizing tiers"
        " and the name of every resource (see README.md)"
    )
    return lines(stack.config, comments={"config": comment})
