"""The linker: from every file's facts to one picture of each deployment.

- ``project``  the Project: every fact of the scan, linked, and its deployments
- ``models``   model references → model directories, the HF cache, built-in knowledge
- ``versions`` the engine release a launch runs
- ``network``  clients and chat UIs → the launches they reach
- ``lineage``  training output → export → what serves it; adapters and their uses
- ``boundary`` which files form one project (the limit of weak links)
"""

from __future__ import annotations

from .project import Project

__all__ = ["Project"]
