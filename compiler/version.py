"""The shipspec version, recorded in manifests and commit trailers."""

__version__ = "0.1.0"
