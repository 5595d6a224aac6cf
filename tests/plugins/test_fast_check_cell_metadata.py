"""FastCheckCellMetadata does what nbgrader's CheckCellMetadata does, on every kind of broken
metadata: the same exception (type, message, and the jsonschema error behind it, the one
``jsonschema.validate`` raises), the same log lines; it passes the real notebooks; and it checks
the schema once per process, not once per cell."""

import copy
import hashlib
import inspect
import logging
import traceback

import jsonschema
import jsonschema.validators
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaMismatchError
from nbgrader.preprocessors import CheckCellMetadata
from traitlets.log import get_logger

from course import RELEASE_NB, ROOT, SOURCE_NB, cell_by_grade_id, read_notebook
from gc_grader.plugins import FastCheckCellMetadata


def meta(nb, gid):
    return cell_by_grade_id(nb, gid).metadata.nbgrader


def _set(gid, **values):
    def corrupt(nb):
        meta(nb, gid).update(values)
    return corrupt


def _drop(gid, *keys):
    def corrupt(nb):
        for key in keys:
            del meta(nb, gid)[key]
    return corrupt


def _both(*corruptions):
    def corrupt(nb):
        for one in corruptions:
            one(nb)
    return corrupt


def _cell_type(gid, cell_type):
    def corrupt(nb):
        cell_by_grade_id(nb, gid).cell_type = cell_type
    return corrupt


#: Each kind of broken metadata, made on the real notebook (source and release).
CORRUPTIONS = {
    "schema too old": _set("title", schema_version=2),
    "schema version missing (0, too old)": _drop("gradient_check_tests", "schema_version"),
    "schema too new": _set("gradient_check", schema_version=4),
    "schema version not a number": _set("imports", schema_version="3"),
    "grade_id missing on a locked cell": _drop("imports", "grade_id"),
    "grade_id missing on a test cell": _drop("gradient_check_n_tests", "grade_id"),
    "grade_id empty": _set("forward_propagation", grade_id=""),
    "points missing": _drop("backward_propagation_tests", "points"),
    "markdown grade cell not a solution": _set("ex3-intro", grade=True, points=1),
    "markdown solution cell not graded": _set("notes", solution=True, locked=False),
    "task cell not markdown": _set("demo-gradient-check", task=True),
    "duplicate grade id": _set("demo-gradient-check", grade_id="gradient_check"),
    "duplicate test id": _set("backward_propagation_tests", grade_id="forward_propagation_tests"),
    "jsonschema: points negative": _set("gradient_check_tests", points=-5),
    "jsonschema: grade not a boolean": _set("gradient_check_n_tests", grade="yes"),
    "jsonschema: grade_id with a space": _set("explore-network", grade_id="explore network"),
    "jsonschema: unknown key": _set("what-to-remember", colour="red"),
    "jsonschema: locked missing": _drop("fix-the-bugs", "locked"),
    "jsonschema: checksum too short": _set("imports", checksum="abc"),
    "jsonschema: cell_type not in the enum": _set("imports", cell_type="python"),
    "jsonschema: points a string": _set("forward_propagation_tests", points="10"),
    # Several errors in one cell: best_match picks the shallow "required" error, not the first.
    "jsonschema: several errors, best_match chooses": _both(_set("title", grade="no", points=-1, extra=1),
                                                            _drop("title", "solution")),
    "jsonschema: errors in two cells, the first cell's counts": _both(_set("imports", points=-1),
                                                                      _set("notes", grade="no")),
    # Not an error: nbgrader only warns (with its own logging quirk: an argument without a %s).
    "cell type changed (a warning)": _both(_cell_type("demo-forward-propagation", "raw"),
                                           _set("demo-forward-propagation", cell_type="code")),
}

NOTEBOOKS = {"source": SOURCE_NB, "release": RELEASE_NB}


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _exception(error):
    """What a caller or a log reader can see of an exception, jsonschema's details included."""
    if error is None:
        return None
    seen = [type(error), error.args, "".join(traceback.format_exception_only(error))]
    if isinstance(error, jsonschema.ValidationError):
        seen += [error.message, list(error.path), list(error.schema_path), error.validator,
                 error.validator_value, error.instance, list(error.relative_schema_path)]
    if isinstance(error, SchemaMismatchError):
        seen += [error.actual_version, error.expected_version]
    return seen


def outcome(preprocessor, nb):
    """(the exception raised and the one it was raised from, the log records) of one run."""
    logger, handler = get_logger(), _Records()   # the log of the preprocessor and of nbgrader's validator
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    error = None
    try:
        preprocessor().preprocess(nb, {})
    except Exception as raised:  # noqa: BLE001 (whatever it is, the two must raise the same)
        error = raised
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    context = error.__context__ if error is not None else None
    logged = []
    for record in handler.records:
        text = record.msg
        if isinstance(text, str) and text.startswith("Traceback (most recent call last):"):
            # The frames differ (this module's validate_cell, not jsonschema's validate); the
            # exception the traceback ends with must not.
            ending = "".join(traceback.format_exception_only(context))
            assert text.endswith(ending), text
            text = ("a traceback ending with", ending)
        logged.append((record.levelno, text, record.args))
    return [_exception(error), _exception(context)], logged


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_broken_metadata_fails_exactly_as_with_nbgrader(kind, notebook):
    nb = read_notebook(NOTEBOOKS[notebook])
    CORRUPTIONS[kind](nb)
    stock = outcome(CheckCellMetadata, copy.deepcopy(nb))
    fast = outcome(FastCheckCellMetadata, copy.deepcopy(nb))
    assert fast == stock
    errors, logged = stock
    if kind.startswith("cell type changed"):
        assert errors == [None, None] and [level for level, *_ in logged] == [logging.WARNING]
    else:
        assert errors[0] is not None, "the corruption must break the notebook"
    if kind.startswith("jsonschema"):
        assert errors[1][0] is jsonschema.ValidationError
        assert [text for _, text, _ in logged][1] == \
            "Notebook failed to validate; the nbgrader metadata may be corrupted."


def _schema():
    return MetadataValidator().schema


def test_the_error_is_the_one_jsonschema_validate_raises():
    """Not merely the first error found: with several, jsonschema.validate raises best_match's."""
    nb = read_notebook(SOURCE_NB)
    CORRUPTIONS["jsonschema: several errors, best_match chooses"](nb)
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(meta(nb, "title"), _schema())
    _, fast_log = outcome(FastCheckCellMetadata, nb)
    assert fast_log[0][1] == ("a traceback ending with", "".join(traceback.format_exception_only(expected.value)))
    assert expected.value.validator == "required"     # the first error found is grade's "type"


REAL_NOTEBOOKS = sorted((ROOT / "release").glob("*/*.ipynb")) + sorted((ROOT / "source").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=lambda path: f"{path.parent.parent.name}/{path.parent.name}")
def test_the_real_notebooks_pass(path):
    nb = read_notebook(path)
    assert outcome(FastCheckCellMetadata, copy.deepcopy(nb)) == outcome(CheckCellMetadata, nb) == ([None, None], [])


def test_the_schema_is_checked_once_per_process_not_per_cell(monkeypatch):
    FastCheckCellMetadata().preprocess(read_notebook(SOURCE_NB), {})   # the validator is built
    checks = []
    cls = jsonschema.validators.validator_for(_schema())
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda *args: checks.append(args)))
    for _ in range(2):
        FastCheckCellMetadata().preprocess(read_notebook(RELEASE_NB), {})
    assert checks == []
    CheckCellMetadata().preprocess(read_notebook(RELEASE_NB), {})
    assert len(checks) == 36          # nbgrader: once per nbgrader cell


#: The nbgrader and jsonschema code FastCheckCellMetadata reproduces, as pinned (nbgrader 0.9.6,
#: jsonschema 4.24.1). A change there fails this test: re-read the new code, bring
#: gc_grader/plugins/fast_check_cell_metadata.py in line with it, then update the digest.
REPRODUCED = {
    "nbgrader.nbgraderformat.common.BaseMetadataValidator.validate_cell":
        (BaseMetadataValidator.validate_cell, "e5f97f45a9aba510674c72eb1d7246f297175e2f1bd1193a03494f6071af3265"),
    "nbgrader.preprocessors.CheckCellMetadata.preprocess":
        (CheckCellMetadata.preprocess, "f8dfe8c496d03e526c73f55837efef711749488700fe21e046e3e9d5be65550c"),
    "jsonschema.validators.validate":
        (jsonschema.validators.validate, "5bfea7e5f0f3dae0ff017a90436195a93b4781b31ffaad45df8d056cb2ddd6df"),
}


@pytest.mark.parametrize("name", REPRODUCED)
def test_the_reproduced_code_has_not_changed_upstream(name):
    function, digest = REPRODUCED[name]
    assert hashlib.sha256(inspect.getsource(function).encode()).hexdigest() == digest, \
        f"{name} changed: re-check FastCheckCellMetadata against it"
