"""Gantry: a self-hosted AI chat platform, from Python."""

from gantry._gantry import __version__, version

__all__ = ["__version__", "version"]
