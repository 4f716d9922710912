"""Compatibility: the Project lives in deploylint/link/ (the linker's package)."""

from __future__ import annotations

from .link.project import Project

__all__ = ["Project"]
