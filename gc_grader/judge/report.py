"""What the answer's process reports to the judge: named plain data, read strictly.

Student code runs in the process that writes the report, so it may have written the
file itself. The judge therefore reads at most MAX_REPORT_BYTES, as UTF-8 JSON only,
checks every field's type, and turns anything else into UnusableReport: nothing in a
report can run, crash the grader, or pass for a right answer by its shape. (The judge
scores an unusable report zero: only the student's code can have written one.)
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Optional

#: What a call of the answer can have produced.
KINDS = ("number", "array", "other", "error")
#: Types a number may have had (its value travels as int or float).
NUMBER_TYPES = ("int", "float", "float64")
#: A real report is a few hundred bytes; a larger file is not read further.
MAX_REPORT_BYTES = 1 << 20
#: An error message, a signature or a type name longer than this is cut (they come from the student's code).
MAX_ERROR_CHARS = 500


class UnusableReport(Exception):
    """The report is missing, not JSON, or not of the shape ``AnswerReport`` writes."""


@dataclass(frozen=True)
class Returned:
    """What one call of the answer on a hidden case produced."""
    kind: str                               # one of KINDS
    value: Optional[float] = None           # kind "number": the value (an int stays an int)
    type_name: str = ""                     # kinds "number" and "other": the type's name
    shape: Optional[tuple] = None           # kind "array": its shape
    error: str = ""                         # kind "error": "TypeName: message"
    line: str = ""                          # kind "error": the answer's source line that raised
    changed_parameters: bool = False        # the call modified the dictionaries it was given


@dataclass(frozen=True)
class AnswerReport:
    """The answer's signature (None when its cell, run alone, does not define it) and
    what it returned on each hidden case, in the order of ``cases.judge_inputs``."""
    signature: Optional[str]
    returned: list = field(default_factory=list)

    def to_json(self, ensure_ascii=True):
        return json.dumps(asdict(self), ensure_ascii=ensure_ascii)

    @classmethod
    def from_bytes(cls, data):
        """The report in ``data`` (a file's bytes), or UnusableReport."""
        if len(data) > MAX_REPORT_BYTES:
            raise UnusableReport(f"more than {MAX_REPORT_BYTES} bytes")
        try:
            return cls.from_json(data.decode("utf-8"))
        except UnicodeError as error:
            raise UnusableReport(f"not UTF-8: {error}") from None

    @classmethod
    def from_json(cls, text):
        try:
            data = json.loads(text)
            signature, returned = data.pop("signature"), data.pop("returned")
            if data or not isinstance(returned, list) or not isinstance(signature, (str, type(None))):
                raise UnusableReport("unexpected fields")
            if signature is not None and len(signature) > MAX_ERROR_CHARS:
                signature = signature[:MAX_ERROR_CHARS] + " [...]"
            report = cls(signature, [_returned(item) for item in returned])
            # Messages go into the graded notebook, which is written as UTF-8: a lone surrogate
            # would make nbgrader fail on the whole notebook.
            report.to_json(ensure_ascii=False).encode("utf-8")
            return report
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, UnicodeError) as error:
            raise UnusableReport(f"{type(error).__name__}: {error}") from None


def _returned(item):
    """One Returned from its JSON object, every field checked."""
    item = dict(item)
    kind = item.get("kind")
    if kind not in KINDS or set(item) - set(Returned.__dataclass_fields__):
        raise UnusableReport(f"a returned value of kind {kind!r}")
    value, shape = item.get("value"), item.get("shape")
    checks = [isinstance(item.get("type_name", ""), str), isinstance(item.get("error", ""), str),
              isinstance(item.get("line", ""), str),
              isinstance(item.get("changed_parameters", False), bool)]
    if kind == "number":
        checks += [item.get("type_name") in NUMBER_TYPES,
                   type(value) in ((int,) if item["type_name"] == "int" else (float,))]
    if kind == "array":
        checks.append(isinstance(shape, list) and all(type(n) is int for n in shape))
        item["shape"] = tuple(shape)
    if not all(checks):
        raise UnusableReport(f"a returned value of kind {kind!r} with fields of the wrong type")
    if kind == "array" and len(item["shape"]) > 32:
        raise UnusableReport("an array of more than 32 dimensions")
    for name in ("error", "type_name", "line"):
        # The student's text goes into the feedback: a readable part of it is enough.
        if len(item.get(name, "")) > MAX_ERROR_CHARS:
            item[name] = item[name][:MAX_ERROR_CHARS] + " [...]"
    return Returned(**item)
