"""GitOps repository target: `<project>-gitops`, the desired state Argo CD or Flux applies.

Layout (see the repository's README, rendered from `templates/gitops/README.md.j2`):

- `gitops.manifests: helm` - `environments/<env>/<module>/values.yaml` (managed: what the
  environment sets over the chart's defaults) and `image.yaml` (scaffold: the digest pin);
  the chart itself stays in the module's repository.
- `gitops.manifests: kustomize` - `base/<module>/` (the chart's default render as plain
  objects) and `overlays/<env>/<module>/` (namespace, replicas, resources, settings, the
  Rollout where the environment's strategy needs one) with the `image/` Component pin.
- `gitops.engine: argocd` - `argocd/appproject.yaml` and `argocd/applications/*.yaml`;
  `flux` - `flux/source.yaml`, `flux/<env>.yaml` and, with Helm, HelmReleases per module.

Ownership: compile owns every file except the pipeline-owned ones per environment and
module, which are scaffold (created once, then owned by a pipeline): the image pin, the
chart revision (Helm) or the release and its next-file (Kustomize, see
:mod:`compiler.gitops_release`), all moved by the deploy stage's `shipspec gitops
set-image`, and `outputs.yaml`, the identity ids (the infra pipeline's `up` stage,
`shipspec gitops set-outputs`), so a recompile never resets any of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import layout
from compiler.contexts import TemplateContext
from compiler.gitops_release import base_source, next_header, release_header, section_marker
from compiler.ir import OutputFile, Ownership
from compiler.kubernetes import values as kv
from compiler.kubernetes import workload as k
from compiler.resolve.model import Environment, Project
from compiler.serialize import lines
from compiler.targets.gitops import argocd, flux, objects, overlays
from compiler.targets.gitops.context import (
    Documents,
    EnvironmentRow,
    ImageComponent,
    Next,
    Pin,
    Readme,
    Release,
    Values,
)
from compiler.targets.repo import declaration_file

FAMILY = "gitops"
KUSTOMIZE = "kustomize"
KEY_GITOPS = "spec.gitops"


class GitOpsRepository:
    name = "gitops"

    def files(self, project: Project) -> Iterator[OutputFile]:
        workloads = list(kv.workloads(project))
        if not workloads:
            return
        layout = Layout(project, workloads)
        yield declaration_file(project, layout.root, pushes=True)
        yield layout.readme()
        yield from layout.engine_files()
        if project.manifests == "helm":
            yield from layout.helm_files()
        else:
            yield from layout.kustomize_files()


class Layout:
    """The files of one project's GitOps repository."""

    def __init__(self, project: Project, workloads: list[kv.Workload]) -> None:
        self.project = project
        self.workloads = workloads
        self.root = project.gitops_repository

    # --- plumbing -----------------------------------------------------------------------------

    def _file(
        self,
        path: str,
        template: str,
        context: TemplateContext,
        key_path: str,
        ownership: Ownership = Ownership.MANAGED,
    ) -> OutputFile:
        return self.project.file(f"{self.root}/{path}", template, context, key_path, ownership)

    def document(
        self, path: str, docs: list[dict[str, Any]], key_path: str, family: str = FAMILY
    ) -> OutputFile:
        context = Documents(tuple(lines(doc) for doc in docs))
        return self._file(path, f"{family}/documents.yaml.j2", context, key_path)

    # --- README and engine ----------------------------------------------------------------------

    def readme(self) -> OutputFile:
        context = Readme(
            project=self.project.name,
            tenant=self.project.tenant,
            repository=self.root,
            engine=self.project.engine,
            manifests=self.project.manifests,
            environments=tuple(
                EnvironmentRow(env.name, env.namespace, env.cluster, env.strategy)
                for env in self.project.environments
            ),
            modules=tuple(w.name for w in self.workloads),
            image_file=layout.image_file(self.project.manifests, "<env>", "<module>"),
        )
        return self._file("README.md", f"{FAMILY}/README.md.j2", context, KEY_GITOPS)

    def engine_files(self) -> Iterator[OutputFile]:
        if self.project.engine == "argocd":
            yield from self.argocd_files()
            return
        yield self.document("flux/source.yaml", [flux.flux_gitops_source(self.project)], KEY_GITOPS)
        for env in self.project.environments:
            docs = [
                objects.namespace(self.project, env),
                flux.flux_kustomization(self.project, env),
            ]
            yield self.document(f"flux/{env.name}.yaml", docs, env.key_path)

    def argocd_files(self) -> Iterator[OutputFile]:
        """The AppProject and Applications, built by the root Application from `argocd/`."""
        yield self.document(
            "argocd/appproject.yaml",
            [argocd.app_project(self.project, self.workloads)],
            KEY_GITOPS,
        )
        apps = []
        for env in self.project.environments:
            for name, app in argocd.argocd_applications(self.project, self.workloads, env):
                apps.append(f"applications/{name}.yaml")
                yield self.document(f"argocd/{apps[-1]}", [app], env.key_path)
        pins = argocd.argocd_revision_pins(self.project, self.workloads)
        config = objects.kustomization(
            resources=["appproject.yaml", *apps, *(p.path.removeprefix("argocd/") for p in pins)]
        )
        if pins:
            config["replacements"] = [objects.revision_replacement(pin) for pin in pins]
        yield self.document("argocd/kustomization.yaml", [config], KEY_GITOPS, KUSTOMIZE)
        yield self.document("argocd/root.yaml", [argocd.root_application(self.project)], KEY_GITOPS)

    def revision(self, workload: kv.Workload, env: Environment) -> OutputFile:
        """The pipeline-owned chart revision of one module in one environment (scaffold)."""
        pin = objects.revision_pin(self.project, workload, env)
        context = Pin(workload.name, env.name, pin.name, workload.module.repository)
        return self._pipeline_file(workload, pin.path, f"{FAMILY}/revision.yaml.j2", context)

    # --- helm layout -----------------------------------------------------------------------------

    def helm_files(self) -> Iterator[OutputFile]:
        for env in self.project.environments:
            for workload in self.workloads:
                folder = layout.environment_folder(env.name, workload.name)
                key = workload.module.key_path
                values = kv.environment_values(workload, env)
                yield self._file(
                    f"{folder}/values.yaml",
                    f"{FAMILY}/values.yaml.j2",
                    Values(lines(values)),
                    f"{key}.deploy",
                )
                yield self._pipeline_file(
                    workload,
                    f"{folder}/{layout.HELM_IMAGE_FILE}",
                    f"{FAMILY}/image.yaml.j2",
                    Pin(workload.name, env.name),
                )
                yield self.outputs(workload, env, f"{FAMILY}/outputs.yaml.j2")
                yield self.revision(workload, env)
                if self.project.engine == "flux":
                    docs = [
                        flux.flux_chart_source(self.project, workload),
                        flux.helm_release(workload),
                    ]
                    yield self.document(f"{folder}/helmrelease.yaml", docs, key)
            if self.project.engine == "flux":
                config = flux.flux_environment_kustomization(self.project, self.workloads, env)
                yield self.document(
                    f"environments/{env.name}/kustomization.yaml",
                    [config],
                    env.key_path,
                )

    # --- kustomize layout ------------------------------------------------------------------------

    def kustomize_files(self) -> Iterator[OutputFile]:
        built = {
            (w.name, env.name): overlays.overlay(w, env)
            for w in self.workloads
            for env in self.project.environments
        }
        for workload in self.workloads:
            base = k.workload_objects(workload)
            yield from self._base(workload, base)
            yield from self._releases(workload, base, built)
        for env in self.project.environments:
            modules = [w.name for w in self.workloads]
            config = objects.kustomization(resources=modules)
            yield self.document(
                f"overlays/{env.name}/kustomization.yaml",
                [config],
                env.key_path,
                KUSTOMIZE,
            )
            for workload in self.workloads:
                yield from self._overlay(workload, env, built[workload.name, env.name])
        yield self._file(
            layout.PROMOTION_PATH_FILE,
            f"{KUSTOMIZE}/path.yaml.j2",
            Values(lines({"path": [env.name for env in self.project.environments]})),
            "spec.environments",
        )

    def _base(self, workload: kv.Workload, base: list[objects.Obj]) -> Iterator[OutputFile]:
        key = workload.module.key_path
        names = []
        for obj in base:
            name = k.file_name(obj)
            names.append(name)
            yield self.document(f"base/{workload.name}/{name}", [obj], key, KUSTOMIZE)
        config = objects.kustomization(resources=names)
        yield self.document(f"base/{workload.name}/kustomization.yaml", [config], key, KUSTOMIZE)
        yield self.document(
            f"base/{workload.name}/{overlays.PROMOTION_COMPONENT}/kustomization.yaml",
            [overlays.promotion_component(workload)],
            key,
            KUSTOMIZE,
        )

    def _overlay(
        self, workload: kv.Workload, env: Environment, overlay: overlays.Overlay
    ) -> Iterator[OutputFile]:
        folder = layout.overlay_folder(env.name, workload.name)
        key = workload.module.key_path
        for name, docs in overlay.files.items():
            yield self.document(f"{folder}/{name}", docs, key, KUSTOMIZE)
        if overlay.own:
            own = f"{folder}/{layout.KUSTOMIZE_OWN_FILE}"
            yield self.document(own, overlay.own, key, KUSTOMIZE)
        yield self.document(f"{folder}/kustomization.yaml", [overlay.kustomization], key, KUSTOMIZE)
        yield self._pipeline_file(
            workload,
            f"{folder}/{layout.KUSTOMIZE_IMAGE_FILE}",
            f"{KUSTOMIZE}/image-component.yaml.j2",
            ImageComponent(workload.image, workload.name, env.name),
        )
        yield self.outputs(workload, env, f"{KUSTOMIZE}/outputs.yaml.j2")

    def _releases(
        self,
        workload: kv.Workload,
        base: list[objects.Obj],
        built: dict[tuple[str, str], overlays.Overlay],
    ) -> Iterator[OutputFile]:
        """Each environment's first release and next-file, from today's state (scaffold:
        each promotion rewrites both, see :mod:`compiler.gitops_release`)."""
        path = [env.name for env in self.project.environments]
        own = {e: tuple(lines(o) for o in built[workload.name, e].own) for e in path}
        base_lines = tuple(lines(obj) for obj in base)
        for env in self.project.environments:
            marker = section_marker(workload.name, env.name) if own[env.name] else ""
            source = base_source(path, env.name, workload.name)
            header = release_header(workload.name, env.name, source)
            release = Release(header, base_lines, marker, own[env.name])
            later = path[path.index(env.name) + 1 :]
            sections = tuple((section_marker(workload.name, e), own[e]) for e in later)
            following = Next(next_header(workload.name, env.name), sections)
            yield self._pipeline_file(
                workload,
                layout.release_file(env.name, workload.name),
                f"{KUSTOMIZE}/release.yaml.j2",
                release,
            )
            yield self._pipeline_file(
                workload,
                layout.next_file(env.name, workload.name),
                f"{KUSTOMIZE}/next.yaml.j2",
                following,
            )

    def _pipeline_file(
        self, workload: kv.Workload, path: str, template: str, context: TemplateContext
    ) -> OutputFile:
        """A file a pipeline owns once compile created it (scaffold), keyed at the module name."""
        key = f"{workload.module.key_path}.name"
        return self._file(path, template, context, key, Ownership.SCAFFOLD)

    def outputs(self, workload: kv.Workload, env: Environment, template: str) -> OutputFile:
        """The pipeline-owned identity ids of one module in one environment (scaffold)."""
        context = Pin(workload.name, env.name, overlays.outputs_config_map(workload))
        path = layout.outputs_file(self.project.manifests, env.name, workload.name)
        return self._pipeline_file(workload, path, template, context)
