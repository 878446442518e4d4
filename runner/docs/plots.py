"""Each source's run history as one inline SVG: rows loaded per run above, duration below, failed
runs marked with red crosses.

matplotlib writes SVG that needs nothing from outside the page (text stays text in the browser's
own sans-serif, `svg.fonttype: none`): no JavaScript, no CDN, no web font. It is installed by need
(runner/requirements-docs.txt), so a project that never builds the site never pays for it.
"""

import importlib
import io
import os
import subprocess
from datetime import datetime

from runner import DANGO_ROOT
from runner.config.errors import DangoError
from runner.docs.history import Run

REQUIREMENTS = DANGO_ROOT / "runner" / "requirements-docs.txt"
OK_COLOR, FAILED_COLOR = "#2b6cb0", "#c53030"


def ensure_installed() -> None:
    """Install runner/requirements-docs.txt into .venv on first use, through bin/setup as `make setup
    EXTRAS=docs` would."""
    try:
        importlib.import_module("matplotlib")
        return
    except ImportError:
        pass
    print(f"docs: installing the plotting library ({REQUIREMENTS.relative_to(DANGO_ROOT)}), once", flush=True)
    extras = " ".join(filter(None, [os.environ.get("EXTRAS", ""), "docs"]))
    setup = subprocess.run([str(DANGO_ROOT / "bin" / "setup")], env={**os.environ, "EXTRAS": extras}, check=False)
    importlib.invalidate_caches()
    if setup.returncode != 0:
        raise DangoError(f"could not install {REQUIREMENTS.name}; run `make setup EXTRAS=docs` and read its error.")


def history_svg(runs: list[Run]) -> str:
    """The SVG element (no XML prologue) of a source's runs, oldest first; runs must not be empty."""
    import matplotlib

    matplotlib.use("svg")  # no display, no GUI toolkit: the plots are files
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dango", "font.size": 9}):
        figure = Figure(figsize=(8, 4))
        figure.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.12, hspace=0.35)
        rows_axes, seconds_axes = figure.subplots(2, 1, sharex=True)
        _series(rows_axes, runs, [run.rows for run in runs], "rows loaded per run")
        _series(seconds_axes, runs, [run.seconds for run in runs], "run duration (s)")
        text = io.StringIO()
        figure.savefig(text, format="svg", metadata={"Date": None})
    svg = text.getvalue()
    return svg[svg.index("<svg") :]


def _series(axes, runs: list[Run], values: list[float], title: str) -> None:
    from matplotlib import dates

    when = [datetime.fromtimestamp(run.started) for run in runs]
    axes.plot(when, values, color=OK_COLOR, linewidth=1, marker="." if len(runs) < 60 else None)
    failed = [i for i, run in enumerate(runs) if not run.ok]
    if failed:
        axes.scatter([when[i] for i in failed], [values[i] for i in failed], color=FAILED_COLOR, marker="x", zorder=3)
        axes.scatter([], [], color=FAILED_COLOR, marker="x", label=f"failed ({len(failed)})")
        axes.legend(loc="upper left", frameon=False)
    axes.set_title(title, loc="left")
    locator = dates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
