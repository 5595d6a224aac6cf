"""Execution for autograding that survives a kernel killed by student code (work in progress)."""

from nbgrader.preprocessors import Execute


class ResilientExecute(Execute):
    """For now exactly nbgrader's Execute."""
