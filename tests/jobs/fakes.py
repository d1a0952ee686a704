"""A mail server and a Learning Record Store on 127.0.0.1 that record what they acknowledged."""

from __future__ import annotations

import email
import socketserver
import threading
from contextlib import contextmanager


class FakeSmtp:
    """Acknowledges messages and records them by Message-ID. ``hang_first``: the first message's end of
    data is never answered (the sender is left waiting, as with a mail server that stalls)."""

    def __init__(self, *, hang_first: bool = False, refuse: bool = False):
        self.hang_first = hang_first
        self.refuse = refuse
        self.delivered: list[email.message.Message] = []
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.delivered]


def _smtp_handler(server: FakeSmtp):
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            self.reply("220 fake.test ESMTP")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode(errors="replace").strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 fake.test")
                elif verb == "MAIL" and server.refuse:
                    self.reply("451 try again later")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go ahead")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk)
                    with server.lock:
                        hang = server.hang_first and not server.hanging.is_set()
                        if hang:
                            server.hanging.set()
                    if hang:
                        server.release.wait(120)  # never answered: the sender is killed meanwhile
                        return
                    with server.lock:
                        server.delivered.append(email.message_from_bytes(b"".join(data)))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    return Handler


@contextmanager
def smtp_server(**options):
    fake = FakeSmtp(**options)
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _smtp_handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.port = server.server_address[1]
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
