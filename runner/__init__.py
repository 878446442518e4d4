"""Dango's code. Packages: config, sync, transform, warehouse, validate, report, remote; cli.py on top."""

from pathlib import Path

# The Dango checkout (bin/, schema/, runner/): where a project's tools and schemas come from.
DANGO_ROOT = Path(__file__).resolve().parent.parent
