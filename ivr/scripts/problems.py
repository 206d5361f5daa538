"""What is wrong with a script, and where: the one shape every loader and checker message takes."""
from __future__ import annotations

from dataclasses import dataclass

from ivr.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One error in a script file. `line` is 1-based (0: the file as a whole); `step` may be None."""

    file: str
    line: int
    step: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        step = f" step '{self.step}':" if self.step else ""
        return f"{where}:{step} {self.message}"


class ScriptError(UserError):
    """A script that cannot be loaded (bad YAML, wrong type, unknown or missing field, duplicate key).

    The message is `file:line: step 'id': message`, ready to print."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
