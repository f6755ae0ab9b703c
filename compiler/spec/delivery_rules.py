"""Rules on how the generated pipelines and the infra program reach Azure.

Pull-request previews run a pull request's own program, so they must not hold the
production credentials: the preview service connection differs from the `azure`
one that applies the stacks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from compiler.errors import Diagnostic
from compiler.spec.source import ProjectSource


def preview_connection_is_not_the_apply_one(
    sources: Sequence[ProjectSource],
) -> Iterator[Diagnostic]:
    for source in sources:
        connections = source.model.spec.azureDevOps.serviceConnections
        if connections.preview and connections.preview == connections.azure:
            yield source.problem(
                ["spec", "azureDevOps", "serviceConnections", "preview"],
                f"the preview service connection `{connections.preview}` is the one that "
                "applies the stacks: pull-request previews run the pull request's own program",
                "create a read-only (Reader) ARM service connection for previews and name it "
                "here, or remove the key to use `<azure>-preview`",
            )


DELIVERY_RULES = (preview_connection_is_not_the_apply_one,)
