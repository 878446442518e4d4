"""One line with the fix for a source's failure that validate would have named, instead of dlt's
page-long exception: the traceback goes to the source's log only."""

from runner.config.problems import sentence


def missing_config(error: BaseException, function_name: str, pipeline_name: str) -> str | None:
    """validate's sentence for each argument dlt found no secret or setting for; None for other errors."""
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.common.configuration.specs.base_configuration import is_secret_hint

    from runner.validate import inspect_source

    if not isinstance(error, ConfigFieldMissingException):
        return None
    hints = type(error.config).get_resolvable_fields()
    problems = [
        inspect_source.missing_config(
            function_name, field, source_traces(error, field, pipeline_name), is_secret_hint(hints.get(field))
        )
        for field in error.fields
    ]
    return " ".join(sentence(p["message"], p["fix"]) for p in problems)


def source_traces(error, field: str, pipeline_name: str) -> list:
    """The places dlt looked in, less those under the pipeline's own name (NAME__SOURCES__...), which
    sync's pipeline adds and validate has not: both then name the same variable."""
    prefixes = (f"{pipeline_name}__".casefold(), f"{pipeline_name}.".casefold())
    return [t for t in error.traces.get(field, []) if not t.key.casefold().startswith(prefixes)]
