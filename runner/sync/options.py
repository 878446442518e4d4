"""What a sync was asked to do beyond a plain sync: `--full-refresh`, `--resource`, `--since`/`--until`.

`SyncOptions` travels from the command line to the child in its `ChildSpec`; `prepare` applies it to
the source object the user's function returned: only the named resources, and for a backfill each
resource's `dlt.sources.incremental` replaced by one with dlt's `initial_value`/`end_value`. dlt
keeps an incremental with an `end_value` out of the pipeline state, so a backfill never moves the
saved cursor.
"""

import inspect
from dataclasses import dataclass

from runner.config.errors import DangoError


@dataclass(frozen=True)
class SyncOptions:
    full_refresh: bool = False
    resources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    @property
    def plain(self) -> bool:
        return not (self.full_refresh or self.resources or self.since)

    def describe(self) -> str:
        """What the run did, for the run history: "sync", "full refresh of items", "backfill 2024-01-01..2024-02-01"."""
        which = f" of {', '.join(self.resources)}" if self.resources else ""
        if self.full_refresh:
            return f"full refresh{which}"
        if self.since:
            return f"backfill{which} {self.since}..{self.until or 'saved cursor'}"
        return f"sync{which}"


def check(options: SyncOptions, names: list[str]) -> None:
    """Refuse what makes no sense before any child starts."""
    if (options.full_refresh or options.resources or options.since) and len(names) != 1:
        raise DangoError(
            "--full-refresh, --resource and --since apply to one source: name exactly one, "
            "e.g. `bin/dango sync my_api --full-refresh`."
        )
    if options.full_refresh and options.since:
        raise DangoError("--full-refresh reloads everything and --since a window: use one or the other.")
    if options.until and not options.since:
        raise DangoError("--until needs --since: a backfill window starts at --since.")


def prepare(source, options: SyncOptions, name: str, saved_cursor):
    """The source object restricted to the named resources, with backfill windows applied.

    `saved_cursor(resource, column)` is the saved last value of a cursor, or None."""
    resources = selected(source, options.resources, name)
    if options.resources and hasattr(source, "with_resources"):
        source = source.with_resources(*options.resources)
    if options.since:
        for resource in resources:
            backfill(resource, options, name, saved_cursor)
    return source


def selected(source, names: tuple[str, ...], source_name: str) -> list:
    """The resources a run loads; an unknown --resource is an error naming the known ones."""
    everything = list(source.selected_resources.values()) if hasattr(source, "selected_resources") else [source]
    if not names:
        return everything
    by_name = {resource.name: resource for resource in (getattr(source, "resources", {}) or {}).values()}
    by_name = by_name or {source.name: source}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise DangoError(
            f"source {source_name} has no resource {', '.join(unknown)}; its resources: {', '.join(by_name)}. "
            "Check --resource."
        )
    return [by_name[n] for n in names]


def cursor_of(resource):
    """The resource's `dlt.sources.incremental`, from apply_hints or its function's default; else None."""
    from dlt.extract.incremental import Incremental, IncrementalResourceWrapper

    wrapper = resource.incremental
    if wrapper is not None and wrapper.incremental is not None:
        return wrapper.incremental
    function = getattr(resource._pipe, "gen", None)  # dlt keeps the resource's function there
    if not callable(function):
        return None
    # A called resource's function is dlt's wrapper, whose signature is empty: read the user's own.
    parameter = IncrementalResourceWrapper.get_incremental_arg(inspect.signature(inspect.unwrap(function)))
    return parameter.default if parameter and isinstance(parameter.default, Incremental) else None


def backfill(resource, options: SyncOptions, name: str, saved_cursor) -> None:
    import dlt

    cursor = cursor_of(resource)
    if cursor is None:
        raise DangoError(
            f"resource {resource.name} of source {name} has no dlt.sources.incremental cursor, so it has no window "
            "to backfill. Name the resources that have one with --resource, or reload it with --full-refresh."
        )
    saved = saved_cursor(resource.name, cursor.cursor_path)
    like = saved if saved is not None else cursor.initial_value
    until = options.until
    if until is None and saved is None:
        raise DangoError(
            f"resource {resource.name} of source {name} has no saved cursor to end the backfill at: give --until."
        )
    start = typed(options.since or "", like, "--since")
    end = typed(until, like, "--until") if until is not None else saved
    resource.apply_hints(
        incremental=dlt.sources.incremental(
            cursor.cursor_path, initial_value=start, end_value=end, last_value_func=cursor.last_value_func
        )
    )


def typed(text: str, like, option: str):
    """`text` as a value of the type of `like` (the saved cursor, else the cursor's initial value)."""
    from runner.sync.cursors import typed_like

    try:
        return typed_like(text, like)
    except ValueError as error:
        raise DangoError(f"{option} {text!r}: {error}.") from None
