"""The verdicts `devin-insights check` prints, one line each, and its exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
"""Everything needed works (warnings allowed)."""
EXIT_FAILED = 1
"""Something needed does not work: a credential, a service, a channel, the store, or no run mode can start."""
EXIT_INVALID_SETTINGS = 2
"""A variable is invalid (the checks its absence allows still ran and are printed)."""
MARKS = {"ok": "✓", "unverified": "?", "warn": "!", "fail": "✗"}


@dataclass
class CheckLine:
    """One verdict: ok, a warning (works, degraded) or a failure (something needed does not work)."""

    level: str  # "ok" | "unverified" | "warn" | "fail"
    subject: str
    detail: str
    fix: str = ""


def format_line(line: CheckLine) -> str:
    """`✓ subject: detail`, with `→ fix` on failures and warnings."""
    text = f"{MARKS[line.level]} {line.subject}: {line.detail}"
    return text + (f"\n    → {line.fix}" if line.fix else "")


@dataclass
class CheckReport:
    lines: list[CheckLine] = field(default_factory=list)
    invalid: frozenset[str] = frozenset()
    """Settings (field names) that were invalid and are checked as if unset."""

    def ok(self, subject: str, detail: str) -> None:
        self.lines.append(CheckLine("ok", subject, detail))

    def unverified(self, subject: str, detail: str) -> None:
        """What the API cannot prove either way: never reported as ok."""
        self.lines.append(CheckLine("unverified", subject, detail))

    def warn(self, subject: str, detail: str, fix: str) -> None:
        self.lines.append(CheckLine("warn", subject, detail, fix))

    def fail(self, subject: str, detail: str, fix: str) -> None:
        self.lines.append(CheckLine("fail", subject, detail, fix))

    def unset(self, *names: str) -> str:
        """`X is not set`, or `X is invalid (see above)` for a variable that was set but rejected."""
        words = [
            f"{n.upper()} is invalid (see above)" if n in self.invalid else f"{n.upper()} is not set" for n in names
        ]
        return " and ".join(words)

    @property
    def passed(self) -> bool:
        return all(line.level != "fail" for line in self.lines)

    @property
    def exit_code(self) -> int:
        if self.invalid:
            return EXIT_INVALID_SETTINGS
        return EXIT_OK if self.passed else EXIT_FAILED
