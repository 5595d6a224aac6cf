"""The instructor's source notebook as the plugins read it, through nbgrader's CourseDirectory.

The gradebook keeps the source cells but not their order, and the outside judge must
know which cells the student added: both come from the source notebook itself, found
where the course's configuration says (``CourseDirectory.source_directory``, its root).
"""

import nbformat
from nbgrader.coursedir import CourseDirectory


def source_cells(plugin, info):
    """The cells of the source notebook of ``info`` (resources["nbgrader"]), or [] when unreadable.

    ``plugin`` is the preprocessor asking: its configuration is nbgrader's for this run.
    """
    course = CourseDirectory(config=plugin.config)
    folder = course.format_path(course.source_directory, ".", info["assignment"])
    try:
        return nbformat.read(f"{folder}/{info['notebook']}.ipynb", as_version=4).cells
    except (OSError, ValueError):
        return []
