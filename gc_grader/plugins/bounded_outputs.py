"""BoundedOutputs: what a student's kernel sends back is bounded in bytes, as it arrives.

nbgrader's LimitOutput cuts outputs by lines, after execution, when nbclient already
holds them all in the grader's memory: a cell that prints hundreds of megabytes on one
line, or one huge display message, would fill the grader (and the gradebook and the
feedback) long before that. This mixin of the grading Execute bounds both:

- no ZMQ message from the kernel may exceed ``max_message_bytes`` (ZMQ's MAXMSGSIZE on
  the client's sockets: a larger one is dropped before it is read, and the cell then
  ends by its timeouts as for any silent kernel), and at most ``queued_messages`` wait
  unread on a socket (ZMQ's RCVHWM: while a fresh kernel is brought back, its outputs are
  not read, and the rest are dropped);
- the outputs one cell keeps total at most ``max_cell_output_bytes``, and those of the
  whole notebook ``max_notebook_output_bytes``; what comes after is dropped, and the
  cell says so once. Errors are never dropped (a failed test must stay failed), only
  cut to a readable size;
- widget state is not kept (``store_widget_state``): graded notebooks show no widget, and
  a kernel could otherwise send any amount of it.
"""

import json

import zmq
from nbclient import NotebookClient
from nbclient.util import run_sync
from nbformat.v4 import new_output
from traitlets import Bool, Integer

#: Messages that add to a cell's outputs, within the byte budgets (errors are always kept).
OUTPUTS = {"stream", "display_data", "execute_result", "update_display_data"}
#: An error's message and each traceback line are cut to this; the traceback to its last lines.
ERROR_CHARS, ERROR_LINES = 2000, 100
TRUNCATED = "[grading kept the first {limit} bytes of {what} output; the rest was dropped]\n"


class BoundedOutputs(NotebookClient):
    """Mix into nbgrader's Execute, before it in the bases."""

    max_message_bytes = Integer(4 * 2 ** 20, help="Bytes one message from the kernel may have; a larger one "
                                                  "is dropped unread.").tag(config=True)
    queued_messages = Integer(64, help="Messages from the kernel that may wait unread on one socket; more are "
                                       "dropped.").tag(config=True)
    max_cell_output_bytes = Integer(2 * 10 ** 6, help="Bytes of output one cell keeps (text, images, "
                                                      "data); the rest is dropped with a note.").tag(config=True)
    max_notebook_output_bytes = Integer(20 * 10 ** 6, help="Bytes of output all the cells of a notebook keep; "
                                                           "the rest is dropped with a note.").tag(config=True)
    store_widget_state = Bool(False, help="nbclient's, off: graded notebooks keep no widget state."
                              ).tag(config=True)

    async def async_start_new_kernel_client(self):
        """nbclient's, with the message size capped on every socket of the client."""
        make_client = self.km.client

        def bounded_client(**kwargs):
            client = make_client(**kwargs)
            client.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
            client.context.setsockopt(zmq.RCVHWM, self.queued_messages)
            return client
        self.km.client = bounded_client
        try:
            return await super().async_start_new_kernel_client()
        finally:
            del self.km.client

    # nbclient's sync setup_kernel calls this wrapper, bound to its own coroutine: wrap ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def process_message(self, msg, cell, cell_index):
        """nbclient's, but an output past the cell's or the notebook's byte budget is dropped
        before it is stored (what fits of a text is kept), with one note per cell."""
        if msg["msg_type"] == "error":
            # An error decides the cell's grade: it is always kept (so no flood before it can
            # hide a failed test), cut to a readable size.
            content = msg["content"]
            msg = {**msg, "content": {**content, "evalue": str(content.get("evalue", ""))[:ERROR_CHARS],
                                      "traceback": [str(line)[:ERROR_CHARS]
                                                    for line in content.get("traceback", [])[-ERROR_LINES:]]}}
            return super().process_message(msg, cell, cell_index)
        if msg["msg_type"] not in OUTPUTS:
            return super().process_message(msg, cell, cell_index)
        size = len(json.dumps(msg["content"]))
        cell_room = self.max_cell_output_bytes - self._kept.get(cell_index, 0)
        notebook_room = self.max_notebook_output_bytes - sum(self._kept.values())
        room = min(cell_room, notebook_room)
        if size <= room:
            self._kept[cell_index] = self._kept.get(cell_index, 0) + size
            return super().process_message(msg, cell, cell_index)
        if cell_index in self._noted:
            return None
        self._noted.add(cell_index)
        if msg["msg_type"] == "stream" and room > 0:
            self._kept[cell_index] = self._kept.get(cell_index, 0) + room
            super().process_message({**msg, "content": {**msg["content"], "text": msg["content"]["text"][:room]}},
                                    cell, cell_index)
        limit, what = ((self.max_cell_output_bytes, "this cell's") if cell_room <= notebook_room
                       else (self.max_notebook_output_bytes, "the notebook's"))
        note = new_output("stream", name="stderr", text=TRUNCATED.format(limit=limit, what=what))
        cell.outputs.append(note)
        return note

    def reset_execution_trackers(self):
        super().reset_execution_trackers()
        #: Bytes of output kept per cell index; cells that got their note.
        self._kept, self._noted = {}, set()
