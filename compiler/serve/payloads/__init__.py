"""Pydantic models of the documented webhook payloads, each turned into observations.

Models validate the fields shipspec reads and ignore the rest (vendors add fields);
a delivery whose fields have the wrong shape is refused with 422 and the location.
"""
