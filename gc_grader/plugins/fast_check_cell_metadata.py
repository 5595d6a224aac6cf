"""FastCheckCellMetadata: nbgrader's CheckCellMetadata, its JSON schema checked once per process.

Why: grading runs CheckCellMetadata twice per student (last of ``Autograde.sanitize_preprocessors``,
last of ``Autograde.autograde_preprocessors``). nbgrader checks each nbgrader cell with
``jsonschema.validate(meta, schema)``, which first checks the *schema itself* against its
meta-schema, then builds a new validator: on this notebook's 36 nbgrader cells about 0.02 CPU-s a
call, where one validator, built (and the schema checked) once per process, takes about 0.002.

What is nbgrader's, unchanged: every check of ``MetadataValidatorV3`` (grade_id missing or empty,
points missing, a markdown cell graded but not a solution or the reverse, a task cell that is not
markdown, duplicate ids), its warnings, and the exceptions their callers catch.

What is reproduced here, from nbgrader 0.9.6 (pinned in requirements.txt and constraints.txt) and
jsonschema 4.24.1 (constraints.txt); re-check these against theirs whenever either is upgraded
(tests/plugins/test_fast_check_cell_metadata.py fails when their source changes):

- ``BaseMetadataValidator.validate_cell`` (nbgrader/nbgraderformat/common.py): the schema-version
  checks (SchemaTooOldError, SchemaTooNewError, same messages), then what ``jsonschema.validate``
  does (jsonschema/validators.py): the validator class ``validator_for(schema)``, the schema
  checked by ``check_schema`` (a SchemaError if it is broken, raised again at every cell as
  jsonschema would), and the error raised is ``best_match`` of the validator's errors: the very
  error ``jsonschema.validate`` raises. Only the checked validator is kept between calls, keyed by
  the schema's JSON text, in its order (an error's message quotes the schema as ordered), so
  another schema gets a validator of its own.
- ``CheckCellMetadata.preprocess`` (nbgrader/preprocessors/checkcellmetadata.py): on a
  ValidationError it logs the traceback, then "Notebook failed to validate; the nbgrader metadata
  may be corrupted.", both as errors, and raises a ValidationError with that message; schema
  version errors go through untouched. The logged traceback ends with the same exception; only
  its frames in this module differ (``preprocess``, and for a schema violation the last one:
  ``validate_cell`` here, in place of nbgrader's ``validate_cell`` and jsonschema's ``validate``).
"""

import functools
import json
import traceback

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata


@functools.lru_cache(maxsize=None)
def _checked_validator(schema_json):
    """What ``jsonschema.validate`` builds for this schema before validating (a broken schema raises
    SchemaError, and is not remembered)."""
    schema = json.loads(schema_json)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class _ValidateWithCheckedSchema(BaseMetadataValidator):
    """nbgrader's ``BaseMetadataValidator.validate_cell``, with a validator built once per schema."""

    def validate_cell(self, cell):
        if 'nbgrader' not in cell.metadata:
            return
        schema = cell.metadata['nbgrader'].get('schema_version', 0)
        if schema < self.schema_version:
            raise SchemaTooOldError(
                "Outdated schema version: {} (expected {})".format(schema, self.schema_version),
                schema, self.schema_version)
        elif schema > self.schema_version:
            raise SchemaTooNewError(
                "Schema version is too new: {} (expected {})".format(schema, self.schema_version),
                schema, self.schema_version)
        error = best_match(self._schema_validator().iter_errors(cell.metadata['nbgrader']))
        if error is not None:
            raise error

    def _schema_validator(self):
        if self.__dict__.get("_validator_schema") is not self.schema:  # one JSON dump per instance
            self._validator = _checked_validator(json.dumps(self.schema))
            self._validator_schema = self.schema
        return self._validator


class FastMetadataValidator(MetadataValidator, _ValidateWithCheckedSchema):
    """nbgrader's MetadataValidatorV3; its ``super().validate_cell`` is _ValidateWithCheckedSchema's."""


class FastCheckCellMetadata(CheckCellMetadata):
    """nbgrader's CheckCellMetadata, validating with FastMetadataValidator (see the module)."""

    def preprocess(self, nb, resources):
        try:
            FastMetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)

        return nb, resources


__all__ = ["FastCheckCellMetadata", "FastMetadataValidator"]
