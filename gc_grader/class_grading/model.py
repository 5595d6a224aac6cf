"""The data that travels between the coordinator and the workers, as plain dataclasses.

Everything a worker needs or returns is bytes, numbers and text, so workers on other
machines need no shared file system, and a result can be recorded without rereading
anything a worker wrote.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class CourseBundle:
    """What every worker needs to grade: sent once to each worker, not once per student."""
    assignment: str
    course_id: str
    config: bytes                  # nbgrader_config.py
    secret: bytes                  # .gc_grader_secret (the judge draws hidden inputs from it)
    source: dict                   # path under source/<assignment>/ -> bytes
    gradebook: bytes               # SQLite gradebook holding only the assignment definitions
    definitions: str = ""          # digest of those definitions (a change regrades everyone)


@dataclass(frozen=True)
class Job:
    """One student's submission to grade."""
    student: str
    fingerprint: str               # of the submitted files; recorded once graded
    files: dict                    # path under submitted/<student>/<assignment>/ -> bytes
    student_fields: dict = field(default_factory=dict)   # names and email, for the feedback
    extension_seconds: Optional[float] = None             # the instructor's extension, if any


@dataclass
class NotebookScores:
    name: str
    late_penalty: Optional[float]
    auto_scores: dict              # grade cell name -> auto_score (None when not autograded)
    auto_comments: dict            # solution/task cell name -> auto_comment


@dataclass
class Result:
    student: str
    fingerprint: str
    ok: bool
    error: str = ""                # why grading failed, in a line or two
    log: str = ""                  # nbgrader's log of the batch, when this student's grading failed
    timestamp: Optional[datetime] = None
    notebooks: list = field(default_factory=list)
    autograded: dict = field(default_factory=dict)   # path -> bytes, as autograde wrote them
    feedback: dict = field(default_factory=dict)     # path -> bytes, as generate_feedback wrote them
    seconds: dict = field(default_factory=dict)      # this student's share of its batch's time, per phase (stopwatch)
