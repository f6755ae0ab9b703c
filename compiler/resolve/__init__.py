"""The resolve stage: the validated spec in, the resolved estate (every derived fact, once) out."""

from compiler.resolve.build import resolve, resolve_project
from compiler.resolve.model import Environment, Estate, Module, Project, Store

__all__ = ["Environment", "Estate", "Module", "Project", "Store", "resolve", "resolve_project"]
