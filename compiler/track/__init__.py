"""Tracking: observations of Azure DevOps, Argo CD and Flux, turned into ledger writes.

:mod:`.catalog` reads what the compiled specs declare, :mod:`.routes` maps external
objects to their tenant and project, :mod:`.observations` is the shared vocabulary of
webhooks and polls, :mod:`.apply` writes them through the state services, and
:mod:`.poll` is the reconciling poller behind ``shipspec track``.
"""
