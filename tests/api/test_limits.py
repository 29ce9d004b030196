"""Slow and greedy clients: a client that trickles its header is cut off at
the request deadline while others are served; connection caps hold."""
import socket
import time

from lib import Server, expect, test


@test
def slowloris_is_cut_off_at_the_deadline():
    with Server({"request_deadline": 2, "idle_timeout": 30}) as s:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        closed = False
        while time.time() - t0 < 8:
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                data = sock.recv(1, socket.MSG_DONTWAIT)
                if data == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.5)
        sock.close()
        assert closed, "slow client was not cut off"
        assert time.time() - t0 < 6
        # a normal client is served meanwhile and afterwards
        expect(s.client().get("/healthz"), 200)


@test
def per_ip_connection_cap():
    with Server({"max_conn_per_ip": 4}) as s:
        socks = [socket.create_connection(("127.0.0.1", s.port), timeout=10) for _ in range(4)]
        # make sure the server has accepted each (a keep-alive request answered on it)
        for k in socks:
            k.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b" 200 " in k.recv(4096).split(b"\r\n")[0]
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = extra.recv(100)
        except OSError:
            data = b""
        assert data == b"", data  # refused: closed without an answer
        for k in socks:
            k.close()
        extra.close()
        time.sleep(0.3)
        expect(s.client().get("/healthz"), 200)
