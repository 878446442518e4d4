"""Each source's run history as one inline SVG: rows loaded per run above, duration below, failed
runs marked with red crosses.

matplotlib writes SVG that needs nothing from outside the page (text stays text in the browser's
own sans-serif, `svg.fonttype: none`): no JavaScript, no CDN, no web font. It is installed by need
(runner/requirements-docs.txt), so a project that never builds the site never pays for it.

One figure is drawn again for every source, its data replaced: making a figure's axes and titles
cost more than drawing them, and a big project has a plot per source.
"""

import importlib
import io
from datetime import datetime, timedelta
from functools import cache

from runner import DANGO_ROOT
from runner.config import extras
from runner.docs.history import Run

REQUIREMENTS = DANGO_ROOT / "runner" / "requirements-docs.txt"
OK_COLOR, FAILED_COLOR = "#2b6cb0", "#c53030"
TITLES = ("rows loaded per run", "run duration (s)")


def ensure_installed() -> None:
    """Install runner/requirements-docs.txt into .venv on first use, through bin/setup as `make setup
    EXTRAS=docs` would."""
    try:
        importlib.import_module("matplotlib")
        return
    except ImportError:
        pass
    print(f"docs: installing the plotting library ({REQUIREMENTS.relative_to(DANGO_ROOT)}), once", flush=True)
    extras.install(["docs"])


def history_svg(runs: list[Run]) -> str:
    """The SVG element (no XML prologue) of a source's runs, oldest first; runs must not be empty."""
    figure, panels = _figure()
    when = [datetime.fromtimestamp(run.started) for run in runs]
    pad = max((when[-1] - when[0]) * 0.02, timedelta(hours=12))  # one run alone still gets a day
    failed = [i for i, run in enumerate(runs) if not run.ok]
    series: list[list[float]] = [[float(run.rows) for run in runs], [run.seconds for run in runs]]
    text = io.StringIO()
    with _style():
        for (axes, line, crosses), values in zip(panels, series, strict=True):
            line.set_data(when, values)
            line.set_marker("." if len(runs) < 60 else "")
            crosses.set_data([when[i] for i in failed], [values[i] for i in failed])
            crosses.set_label(f"failed ({len(failed)})")
            axes.set_xlim(when[0] - pad, when[-1] + pad)
            axes.set_ylim(0, max(values) * 1.08 or 1)
            legend = axes.get_legend()
            if legend:
                legend.remove()
            if failed:
                axes.legend(handles=[crosses], loc="upper left", frameon=False)
        figure.savefig(text, format="svg", metadata={"Date": None})
    svg = text.getvalue()
    return svg[svg.index("<svg") :]


@cache
def _figure():
    """The figure, and for each panel its axes, its line and its crosses of failed runs."""
    import matplotlib

    matplotlib.use("svg")  # no display, no GUI toolkit: the plots are files
    from matplotlib import dates
    from matplotlib.figure import Figure

    with _style():
        figure = Figure(figsize=(8, 4))
        figure.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.12, hspace=0.35)
        panels = []
        for axes, title in zip(figure.subplots(2, 1, sharex=True), TITLES, strict=True):
            (line,) = axes.plot([], [], color=OK_COLOR, linewidth=1)
            (crosses,) = axes.plot([], [], color=FAILED_COLOR, marker="x", linestyle="", zorder=3)
            axes.text(0, 1.03, title, transform=axes.transAxes)  # not set_title: that measures every tick
            axes.grid(alpha=0.3)
            axes.xaxis_date()  # the lines' data are datetimes, set for each source
            locator = dates.AutoDateLocator()
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
            panels.append((axes, line, crosses))
    return figure, panels


def _style():
    """Text stays text (the browser's sans-serif, no font embedded); ids are the same on every build."""
    import matplotlib

    return matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dango", "font.size": 9})
