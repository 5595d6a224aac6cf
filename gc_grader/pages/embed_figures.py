"""EmbedFigures: the assignment's figures travel inside the HTML pages, as ``data:`` images.

Why: the notebook's markdown shows its figures by relative links (``images/network.svg``).
In the feedback page that link points at a folder the student never receives (the page is
fetched alone, or uploaded to an LMS), and formgrader's page is served from a URL where it
does not resolve either; both showed broken images. nbconvert's own ``embed_images`` would
read them, but it also re-parses every inline HTML tag on its own, which breaks the MathML
that TypesetMath writes into the same cells.

What it does: in every markdown cell, a markdown image ``![alt](path)`` or an ``<img
src="path">`` whose path names an image file *inside the notebook's folder* (the autograded
folder, which holds only the notebook and the assignment's own files: AssignmentFilesOnly)
becomes a ``data:`` URL of that file. Left as they are: absolute paths and URLs, paths that
leave the folder (``..``) or pass through a symbolic link, files that are not images by
their extension (SVG, PNG, JPEG, GIF), and files over ``max_bytes``. A student's markdown
was made inert before this runs (InertOutputs keeps only ``data:`` images in it), so no
student text can have a file of the course embedded.

Where (nbgrader_config.py): after TypesetMath, both in ``HTMLExporter.preprocessors``
(formgrader) and at the end of ``GenerateFeedback.preprocessors``: it changes the cells'
text, and TypesetMath recognises the instructor's cells by their unchanged text.
"""

import base64
import os
import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

#: The image types a figure may be, by extension.
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif"}
_MARKDOWN_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc=)([\"'])([^\"']+)\2", re.IGNORECASE)


class EmbedFigures(NbGraderPreprocessor):
    """Make the relative image links of markdown cells ``data:`` images (see the module)."""

    max_bytes = Integer(2 * 1024 * 1024, help="The largest figure embedded, in bytes; a larger one "
                        "keeps its link.").tag(config=True)

    def preprocess(self, nb, resources):
        folder = ((resources or {}).get("metadata") or {}).get("path")
        self._folder = os.path.realpath(folder) if folder else None
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and self._folder:
            cell.source = _MARKDOWN_IMAGE.sub(lambda m: m.group(1) + self._embedded(m.group(2)) + m.group(3),
                                              cell.source)
            cell.source = _IMG_SRC.sub(lambda m: m.group(1) + m.group(2) + self._embedded(m.group(3)) + m.group(2),
                                       cell.source)
        return cell, resources

    def _embedded(self, link):
        """``link`` as a data: URL when it names a figure inside the folder, else as it was."""
        mimetype = IMAGE_TYPES.get(os.path.splitext(link)[1].lower())
        if not mimetype or os.path.isabs(link) or ":" in link or "\\" in link:
            return link
        path = os.path.join(self._folder, *link.split("/"))
        if os.path.realpath(path) != os.path.normpath(path) or not os.path.realpath(path).startswith(self._folder + os.sep):
            return link        # through a link, or out of the notebook's folder
        try:
            if not os.path.isfile(path) or os.path.getsize(path) > self.max_bytes:
                return link
            with open(path, "rb") as figure:
                payload = base64.b64encode(figure.read()).decode("ascii")
        except OSError:
            return link
        return f"data:{mimetype};base64,{payload}"
