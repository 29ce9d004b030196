"""Regressions for what the fuzz targets (tests/fuzz/) found, each replayed
against the real server: its crashing input also sits in the target's corpus
(tests/fuzz/corpus/) and is replayed by scripts/fuzz.sh replay."""
import socket

from lib import Server, test


def raw(s, data):
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(data)
    out = b""
    while b"\r\n\r\n" not in out:
        chunk = sock.recv(4096)
        if not chunk:
            break
        out += chunk
    sock.close()
    return out


@test
def request_line_without_a_path():
    # libmicrohttpd hands "GET ?x HTTP/1.1" over with an empty path; the static
    # handler read the path from its second byte: a heap over-read (ASan).
    with Server() as s:
        for line in (b"GET ?x=1 HTTP/1.1", b"HEAD ?q HTTP/1.1", b"GET * HTTP/1.1"):
            data = raw(s, line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
            status = data.split(b"\r\n")[0]
            assert b" 400 " in status, (line, data[:300])
        # and the server still answers
        assert b" 200 " in raw(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").split(b"\r\n")[0]
