"""The state one check run shares: the disclosure, the rules, the settings, the findings."""

from __future__ import annotations

from decimal import Decimal

from yusuan.check.cells import Cells, Ref
from yusuan.check.findings import Finding, Location
from yusuan.check.identities import Identity
from yusuan.check.narrative import Resolver
from yusuan.check.rules import Rule, Settings
from yusuan.model import Disclosure, Table


class Context:
    def __init__(self, disclosure: Disclosure, rules: dict[str, Rule], settings: Settings) -> None:
        self.d = disclosure  # the check's own copy: cross rules add the rows a table lacks
        self.rules = rules
        self.settings = settings
        self.cells = Cells(disclosure)
        self.resolver = Resolver(disclosure)
        self.findings: list[Finding] = []
        self.notices: list[Finding] = []  # what the check could not rely on: the reading report's, no error
        self.uncertain: set[Ref] = set()  # cells not read with certainty: no identity rests on them
        self.identities: list[Identity] = []
        self.violated: dict[int, Finding] = {}  # identity index → its finding
        self.code_fixes: list[tuple[Table, int, str]] = []  # (table, row, fitting code)

    def table(self, kind: str) -> Table | None:
        return self.d.table(kind)

    def add(self, rule_id: str, message: str, locations: list[Location], *, stated: Decimal | None = None,
            expected: Decimal | None = None, severity: str | None = None) -> Finding:
        rule = self.rules[rule_id]
        finding = Finding(
            rule=rule.id, family=rule.family, severity=severity or rule.severity,  # type: ignore[arg-type]
            message=message, locations=locations, stated=stated, expected=expected,
            difference=stated - expected if stated is not None and expected is not None else None,
            tolerance=rule.tolerance,
        )
        self.findings.append(finding)
        return finding

    def notice(self, rule_id: str, message: str, locations: list[Location]) -> None:
        rule = self.rules[rule_id]
        self.notices.append(Finding(rule=rule.id, family=rule.family, severity="info", message=message,
                                    locations=locations))

    def loc(self, ref: Ref) -> Location:
        return self.cells.location(ref)
