"""A zrouter worker in Python: serve HTTP requests a zrouter router dispatches over ZeroMQ.

    from zrouter_worker import Worker

    def handle(request, response):
        response.headers["content-type"] = "text/plain"
        response.write(b"hello\\n")

    Worker("tcp://127.0.0.1:5555", handle, worker_id="py1").run()  # blocks; SIGTERM drains

The wire contract is docs/protocol.md; this package follows the Java SDK (worker-sdk/).
"""

from .flow import RequestBody, StreamCancelled
from .stream import Headers, Request, Response
from .worker import Handler, Worker

__all__ = ["Worker", "Handler", "Request", "Response", "RequestBody", "Headers", "StreamCancelled"]
