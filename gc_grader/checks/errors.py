"""What a failed check raises, by kind, as ``torch.autograd.gradcheck`` has its own error.

Both kinds fail the test cell they are raised in (nbgrader counts any error), and
both are AssertionErrors, as a failed test is. Telling them apart is for the people
reading: "the answer is wrong" and "the answer crashed" call for different fixes, and
the outside judge must never confuse either with its own failure to read a report.
"""


class GradingFailure(AssertionError):
    """An exercise loses its points; the message is what its student reads."""


class CheckFailed(GradingFailure):
    """The answer ran and gave a wrong result: expected, obtained, and the likely mistake."""


class AnswerCrashed(GradingFailure):
    """The answer could not be graded as written: it raised, is missing, or has another signature."""
