"""Dango's code. Packages: config, sync, transform, warehouse, validate, report, remote; cli.py on top."""

from pathlib import Path

# The Dango checkout (bin/, schema/, runner/), or a project's copy of it: where its tools and schemas are.
DANGO_ROOT = Path(__file__).resolve().parent.parent
# Raised by hand with a change a project's users should know of; `dango --version` adds the commit.
VERSION = "0.16.0"
