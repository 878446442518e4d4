"""The site's HTML pages, from the Jinja2 templates beside this module (autoescaped: names, errors
and table values are text, never markup). Every page carries a Content-Security-Policy that lets
it load nothing at all: styles are inline and plots are inline SVG."""

import time
from functools import cache
from pathlib import Path, PurePosixPath

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["when"] = when
    env.filters["log_href"] = log_href
    return env


def render(template: str, path: Path, **context) -> None:
    """Write a page; `root` is the way back to the site's top folder from it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(environment().get_template(template).render(csp=CSP, **context))


def when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "never"


def log_href(log: str) -> str:
    """A log's path (relative to the project, under data/logs/) relative to data/, where the site is."""
    path = PurePosixPath(log)
    return str(path.relative_to("data")) if path.parts[:1] == ("data",) else str(path)
