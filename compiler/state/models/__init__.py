"""SQLAlchemy models of the state store; importing this package registers every table."""

from compiler.state.models.artifacts import (
    ContainerImage,
    DeploymentManifest,
    ImageTag,
    PackagePublication,
)
from compiler.state.models.base import Base, Identified, TenantScoped
from compiler.state.models.events import Event, IdempotencyRecord
from compiler.state.models.infra import (
    GitOpsSyncState,
    InfrastructurePlan,
    StackLock,
    SyncDrift,
    SyncRevision,
)
from compiler.state.models.release import (
    EnvironmentPromotion,
    EnvironmentRelease,
    HealthGateResult,
    ReleaseApproval,
    ReleasePlan,
)
from compiler.state.models.runs import BuildArtifact, BuildResult, PipelineRun, StageRun
from compiler.state.models.source import (
    Branch,
    Commit,
    PipelineDefinition,
    PullRequest,
    Repository,
)
from compiler.state.models.tracking import (
    ObservedApproval,
    ObservedDeployment,
    ObservedHealth,
    RunLink,
    TrackingDelivery,
    TrackingRoute,
)

__all__ = [
    "Base",
    "Branch",
    "BuildArtifact",
    "BuildResult",
    "Commit",
    "ContainerImage",
    "DeploymentManifest",
    "EnvironmentPromotion",
    "EnvironmentRelease",
    "Event",
    "GitOpsSyncState",
    "HealthGateResult",
    "IdempotencyRecord",
    "Identified",
    "ImageTag",
    "InfrastructurePlan",
    "ObservedApproval",
    "ObservedDeployment",
    "ObservedHealth",
    "PackagePublication",
    "PipelineDefinition",
    "PipelineRun",
    "PullRequest",
    "ReleaseApproval",
    "ReleasePlan",
    "Repository",
    "RunLink",
    "StackLock",
    "StageRun",
    "SyncDrift",
    "SyncRevision",
    "TenantScoped",
    "TrackingDelivery",
    "TrackingRoute",
]
