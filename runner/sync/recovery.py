"""Repair what a kill can leave in a dlt working folder, before dlt looks at it.

dlt's normalize step commits a package by renaming `load/new/<id>` to `load/normalized/<id>` and
then deletes `normalize/extracted/<id>` ("do not kill this process" in its log). A kill between the
two leaves the package in both places; the next run would normalize it again and fail renaming onto
the committed one. The rename is the commit point, so the extracted copy is the one to drop.
"""

import shutil
from pathlib import Path


def drop_committed_extracts(working_dir: Path) -> None:
    """Delete extracted packages that were already committed as normalized."""
    extracted = working_dir / "normalize" / "extracted"
    normalized = working_dir / "load" / "normalized"
    if not extracted.is_dir() or not normalized.is_dir():
        return
    both = sorted({p.name for p in extracted.iterdir()} & {p.name for p in normalized.iterdir()})
    for load_id in both:
        shutil.rmtree(extracted / load_id)
