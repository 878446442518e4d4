"""One problem found in a project, located for a person and for a machine.

A problem renders as `file:line: source 'x': field 'a.b': what is wrong; how to fix it.`, the format of
every configuration error Dango prints, so `sync`'s messages and `validate`'s lines read alike. A fix
written as a clause ("did you mean 'x'?") follows a semicolon; one written as a sentence ("Fix the
syntax.") follows a full stop.
"""

from dataclasses import dataclass

ERROR = "ERROR"
WARN = "WARN"


def sentence(message: str, fix: str) -> str:
    """`message` followed by `fix`, joined as the module docstring says."""
    if not fix:
        return message
    return f"{message}{'. ' if fix[:1].isupper() else '; '}{fix}"


@dataclass(frozen=True)
class Problem:
    """`source` is the source's name, or `#N` for the N-th entry of a list that has no valid name."""

    file: str
    message: str
    fix: str = ""
    line: int | None = None
    source: str | None = None
    field: str | None = None
    level: str = ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.source:
            where += f"source {self.source}: " if self.source.startswith("#") else f"source '{self.source}': "
        if self.field:
            where += f"field '{self.field}': "
        return where + sentence(self.message, self.fix)

    def as_dict(self) -> dict:
        """For JSON: the fields in the order a line shows them."""
        keys = ("level", "file", "line", "source", "field", "message", "fix")
        return {key: getattr(self, key) for key in keys}
