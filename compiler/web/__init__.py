"""The release page served by ``shipspec serve``: what runs where, and what waits.

Read models over the tracked ledger (``board``, ``release``), the viewer's access
(``access``), the projects of the specs (``estate``) and the routes (``routes``).
Its templates and static files are package data under ``compiler/web/templates``.
"""
