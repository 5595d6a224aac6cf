"""BoundedOutputs: what a student's kernel sends back is bounded in bytes, as it arrives.

nbgrader's LimitOutput cuts outputs by lines, after execution, when nbclient already
holds them all in the grader's memory: a cell that prints hundreds of megabytes on one
line, or one huge display message, would fill the grader (and the gradebook and the
feedback) long before that. This mixin of the grading Execute bounds both:

- no ZMQ message from the kernel may exceed ``max_message_bytes`` (ZMQ's MAXMSGSIZE on
  the client's sockets: a larger one is dropped before it is read, and the cell then
  ends by its timeouts as for any silent kernel);
- the outputs one cell keeps total at most ``max_cell_output_bytes``; what comes after
  is dropped, and the cell says so once.
"""

import json

import zmq
from nbclient import NotebookClient
from nbclient.util import run_sync
from nbformat.v4 import new_output
from traitlets import Integer

#: Messages that add to a cell's outputs.
OUTPUTS = {"stream", "display_data", "execute_result", "error", "update_display_data"}
TRUNCATED = "[grading kept the first {limit} bytes of this cell's output; the rest was dropped]\n"


class BoundedOutputs(NotebookClient):
    """Mix into nbgrader's Execute, before it in the bases."""

    max_message_bytes = Integer(16 * 2 ** 20, help="Bytes one message from the kernel may have; a larger one "
                                                   "is dropped unread.").tag(config=True)
    max_cell_output_bytes = Integer(2 * 10 ** 6, help="Bytes of output one cell keeps (text, images, "
                                                      "data); the rest is dropped with a note.").tag(config=True)

    async def async_start_new_kernel_client(self):
        """nbclient's, with the message size capped on every socket of the client."""
        make_client = self.km.client

        def bounded_client(**kwargs):
            client = make_client(**kwargs)
            client.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
            return client
        self.km.client = bounded_client
        try:
            return await super().async_start_new_kernel_client()
        finally:
            del self.km.client

    # nbclient's sync setup_kernel calls this wrapper, bound to its own coroutine: wrap ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def process_message(self, msg, cell, cell_index):
        """nbclient's, but an output past the cell's byte budget is dropped before it is stored."""
        if msg["msg_type"] in OUTPUTS:
            used = self._output_bytes.get(cell_index, 0)
            size = len(json.dumps(msg["content"]))
            self._output_bytes[cell_index] = used + size
            if used + size > self.max_cell_output_bytes:
                if used > self.max_cell_output_bytes:
                    return None
                if msg["msg_type"] == "stream":    # what fits of the text is kept
                    room = self.max_cell_output_bytes - used
                    super().process_message({**msg, "content": {**msg["content"],
                                                                "text": msg["content"]["text"][:room]}},
                                            cell, cell_index)
                note = new_output("stream", name="stderr", text=TRUNCATED.format(limit=self.max_cell_output_bytes))
                cell.outputs.append(note)
                return note
        return super().process_message(msg, cell, cell_index)

    def reset_execution_trackers(self):
        super().reset_execution_trackers()
        self._output_bytes = {}
