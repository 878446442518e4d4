"""The one exception type for mistakes a user can fix; the CLI maps it to exit code 2."""

USAGE_EXIT_CODE = 2


class DangoError(Exception):
    """Bad configuration or usage. The message names the file, source or field and says what to do."""

    exit_code = USAGE_EXIT_CODE
