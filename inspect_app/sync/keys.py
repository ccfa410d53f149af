"""The sync key format (同步键), written and read in this one place.

    inspection.<field>              center            standard
    item/<clause>/<item code>       note/<clause>     advice/<clause>/<item code or ->
    reason/<clause>                 evidence/<id>     audit/<id>
    signature/<revision>/<role>/<signer>              revision/<n>
    response/<clause>/<item code>   report/<revision>
    due/<clause>/<item code or ->   dept/<clause>/<item code or ->   (整改时限 / 责任科室)

A clause-wide suggestion (整改建议 for the clause as a whole) has the item code "" in the
domain and "-" in its key: `advice_key(clause, "")` writes "-", `parse` turns it back into "".
整改时限 (due) and 责任科室 (dept) of a problem are keyed the same way as its 整改建议.
A "/" inside a part (a signer's name) travels as the full-width "／".
"""

from __future__ import annotations

from dataclasses import dataclass

CLAUSE_WIDE = "-"  # advice/<clause>/- : the suggestion for the clause as a whole (item code "")

# parts after the head, per kind
SHAPES = {"item": 2, "note": 1, "advice": 2, "reason": 1, "evidence": 1, "signature": 3, "audit": 1,
          "revision": 1, "response": 2, "report": 1, "due": 2, "dept": 2}
CLAUSE_KINDS = ("item", "note", "advice", "reason", "response", "due", "dept")
PROBLEM_KINDS = ("advice", "due", "dept")  # per problem, clause-wide as "-"


def part(text: str) -> str:
    return str(text).replace("/", "／") or CLAUSE_WIDE


def item_key(clause: str, code: str) -> str:
    return f"item/{clause}/{code}"


def note_key(clause: str) -> str:
    return f"note/{clause}"


def advice_key(clause: str, code: str) -> str:
    return f"advice/{clause}/{code or CLAUSE_WIDE}"


def due_key(clause: str, code: str) -> str:
    """整改时限 of one problem (code "" = the clause as a whole)."""
    return f"due/{clause}/{code or CLAUSE_WIDE}"


def dept_key(clause: str, code: str) -> str:
    """责任科室 of one problem (code "" = the clause as a whole)."""
    return f"dept/{clause}/{code or CLAUSE_WIDE}"


def reason_key(clause: str) -> str:
    return f"reason/{clause}"


def response_key(clause: str, code: str) -> str:
    return f"response/{clause}/{code}"


def evidence_key(evidence_id: str) -> str:
    return f"evidence/{evidence_id}"


def audit_key(entry_id: str) -> str:
    return f"audit/{entry_id}"


def report_key(revision: int) -> str:
    return f"report/{int(revision)}"


def signature_key(revision: int, role: str, signer: str) -> str:
    return f"signature/{revision}/{role}/{part(signer)}"


def header_key(field: str) -> str:
    return f"inspection.{field}"


@dataclass(frozen=True)
class Key:
    """A parsed key: its kind and parts, with the clause-wide code already "" again."""

    kind: str  # "inspection", "center", "standard", or a head of SHAPES
    parts: tuple[str, ...] = ()

    @property
    def clause(self) -> str:
        return self.parts[0] if self.kind in CLAUSE_KINDS and self.parts else ""

    @property
    def code(self) -> str:
        """The item code of item/advice/response keys ("" for a clause-wide suggestion)."""
        return self.parts[1] if self.kind in ("item", "response", *PROBLEM_KINDS) and len(self.parts) > 1 else ""

    @property
    def revision(self) -> int:
        """The revision of report/<n>, signature/<n>/… and revision/<n> keys (0 otherwise)."""
        if self.kind in ("report", "signature", "revision") and self.parts and self.parts[0].isdigit():
            return int(self.parts[0])
        return 0

    @property
    def field(self) -> str:
        return self.parts[0] if self.kind == "inspection" and self.parts else ""


def parse(key: str) -> Key | None:
    """The key's kind and parts; None for anything that is not a well-formed key."""
    if key.startswith("inspection."):
        name = key.removeprefix("inspection.")
        return Key("inspection", (name,)) if name else None
    if key in ("center", "standard"):
        return Key(key)
    head, _, rest = key.partition("/")
    parts = rest.split("/") if rest else []
    if head not in SHAPES or len(parts) != SHAPES[head] or not all(p and len(p) <= 200 for p in parts):
        return None
    if head in PROBLEM_KINDS and parts[1] == CLAUSE_WIDE:
        parts[1] = ""
    return Key(head, tuple(parts))


def signature_key_of(sig: dict) -> str:
    """The key of a Signature value (as JSON)."""
    return signature_key(sig["revision"], sig["role"], sig["signer"])
