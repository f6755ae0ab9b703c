"""The spec language as pydantic models: frozen, closed (`extra="forbid"`), typed.

These models are the single source of the JSON Schema (`shipspec schema`), which
validates raw documents first; the models then give later stages typed values.
Rules that span fields or documents live in :mod:`compiler.spec.rules`.
Each constrained string type carries a description, which editors show on hover
and which the validator turns into the hint of a format error.

One module per part of a document: :mod:`.base` (what every model shares),
:mod:`.settings` (project-wide settings), :mod:`.environments` (the promotion
path), :mod:`.stores`, :mod:`.modules`, and :mod:`.documents` (the `Project` and
`Tenant` documents themselves).
"""
