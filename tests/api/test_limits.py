"""Slow and greedy clients: a client that trickles its header is cut off at
the request deadline while others are served; connection caps hold; a body is
read only after the request was authorized from its headers, uploads go to
disk and bodies held in memory stay within one global budget (issue 11 item
8); slow connections from many addresses cannot crowd out signed-in users
(item 12)."""
import socket
import threading
import http.client
import select
import time
import uuid

from lib import Server, expect, test

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def raw_request(port, head, timeout=5, src=None):
    """Opens a connection (from source address src), sends head, returns the socket."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    if src:
        sock.bind((src, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(head)
    return sock


def read_status(sock):
    """The status code of the reply on sock, or None if none came."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    first = data.split(b"\r\n")[0].split()
    return int(first[1]) if len(first) >= 2 and first[1].isdigit() else None


def problem(c, target):
    body = {"target_id": target, "category_id": "01940000-0000-7000-8000-040300000000",
            "title": "公款私存", "description": "单位会计将人防易地建设费存入个人账户",
            "amount": "1.00", "people": "会计 刘某", "found_by": "records",
            "found_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600)),
            "inaction": False}
    return expect(c.post("/api/v1/problems", body), 201).json["id"]


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


@test
def unauthenticated_uploads_are_refused_before_the_body_is_read():
    with Server() as s:
        path = f"/api/v1/problems/{uuid.uuid4()}/files?name=a.pdf"
        size = 5 << 20
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n"
                f"Content-Length: {size}\r\n\r\n").encode()
        expect(s.client().get("/healthz"), 200)
        before = rss_kib(s.proc.pid)
        body = PDF + b"0" * (size - len(PDF))
        statuses, slow = [], []

        def attacker():
            t0 = time.time()
            sock = raw_request(s.port, head)
            st = read_status(sock)  # answered from the headers: no body byte was needed
            statuses.append(st)
            slow.append(time.time() - t0)
            try:  # then push the body anyway, as an attacker would
                sock.sendall(body)
            except OSError:
                pass
            sock.close()

        def pusher():
            sock = raw_request(s.port, head + body[:1 << 20])
            try:
                sock.sendall(body[1 << 20:])
            except OSError:
                pass
            statuses.append(read_status(sock))
            sock.close()

        threads = [threading.Thread(target=attacker if i % 2 else pusher) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        grown = rss_kib(s.proc.pid) - before
        assert statuses.count(401) >= 20 and set(statuses) <= {401, None}, statuses
        assert max(slow) < 5, slow
        assert grown < 40 * 1024, f"RSS grew by {grown} KiB"
        # the server is fine, and an unknown route with a body is refused the same way
        expect(s.client().get("/healthz"), 200)
        sock = raw_request(s.port, b"POST /api/v1/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n")
        assert read_status(sock) == 404
        sock.close()


@test
def authenticated_uploads_stream_to_disk_and_come_back_intact():
    with Server({"max_upload": 1 << 20}) as s:
        member1 = s.client("member1")
        pid = problem(member1, s.ids["targets"]["u1"])
        url = f"/api/v1/problems/{pid}/files"
        big = PDF + bytes(range(256)) * 3000  # ~750 KiB, many read chunks
        f = expect(member1.upload(url, "大文件.pdf", big, "application/pdf"), 201).json
        assert f["size"] == len(big)
        assert expect(member1.get(f"/api/v1/files/{f['id']}"), 200).raw == big
        # plain text is checked in chunks: a character across a chunk edge is fine,
        # invalid UTF-8 or a NUL far into the file is not
        text = ("巡" * 30000).encode() + b"x"  # 90,001 bytes: the 64 KiB edge cuts a character
        t = expect(member1.upload(url, "说明.txt", text, "text/plain"), 201).json
        assert expect(member1.get(f"/api/v1/files/{t['id']}"), 200).raw == text
        expect(member1.upload(url, "坏.txt", text + b"\xff", "text/plain"), 415, "type_mismatch")
        expect(member1.upload(url, "坏.txt", text[:70000] + b"\x00" + text[70000:], "text/plain"),
               415, "type_mismatch")
        # too large: refused from the Content-Length, before the body
        cookie = member1.cookie
        sock = raw_request(s.port, (f"POST {url}?name=big.pdf HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
                                    f"Cookie: {cookie}\r\nX-CSRF-Token: {member1.csrf}\r\n"
                                    f"Content-Type: application/pdf\r\nContent-Length: {(1 << 20) + 1}\r\n\r\n").encode())
        assert read_status(sock) == 413
        sock.close()
        # a member without the function right is refused from the headers too (403)
        unit1 = s.client("unit1")
        expect(unit1.upload(url, "x.pdf", PDF, "application/pdf"), 403)


@test
def bodies_in_memory_are_held_to_a_global_budget():
    with Server({"max_inflight_body_bytes": 65536}) as s:
        office = s.client("office")
        n = 40000

        start = b'{"login":"x","password":"'

        def held_post():
            """A login whose body is announced but only partly sent: it holds n bytes."""
            return raw_request(s.port, (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                        f"Content-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
                                        ).encode() + start)

        first = held_post()
        time.sleep(0.3)
        second = held_post()  # 80,000 > 65,536: refused at once, nothing read
        assert read_status(second) == 503
        second.close()
        r = office.request("POST", "/api/v1/auth/logout", raw=b"{" + b" " * n + b"}")
        expect(r, 503, "busy")
        # the first one completes normally and gives its share back
        first.sendall(b"y" * (n - len(start) - 2) + b'"}')
        assert read_status(first) in (400, 401, 429)
        first.close()
        time.sleep(0.3)
        expect(office.get("/api/v1/me"), 200)
        expect(office.request("PATCH", "/api/v1/me", raw=b"{" + b" " * n + b"}"), 405)


@test
def slow_connections_from_many_addresses_do_not_crowd_out_signed_in_users():
    # 10 addresses x 12 slow connections = 120, against 48 connections in all
    with Server({"max_conn": 48, "threads": 4}) as s:
        office = s.client("office")
        expect(office.get("/api/v1/me"), 200)
        stop = time.time() + 14
        opened = [0]

        def slowloris(src):
            socks = []
            while time.time() < stop:
                while len(socks) < 12 and time.time() < stop:
                    try:
                        socks.append(raw_request(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
                                                 timeout=1, src=src))
                        opened[0] += 1
                    except OSError:
                        time.sleep(0.2)
                        break
                for k in list(socks):
                    try:
                        k.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        socks.remove(k)
                        k.close()
                time.sleep(0.5)
            for k in socks:
                k.close()

        threads = [threading.Thread(target=slowloris, args=(f"127.0.0.{i}",)) for i in range(2, 12)]
        for t in threads:
            t.start()
        time.sleep(3)
        times = []
        try:
            for _ in range(4):
                t0 = time.time()
                # no retry: a new connection is unauthenticated until its headers are read, but it
                # is the youngest, and eviction takes the oldest (a retry once hid an eviction that
                # picked it: eviction_takes_the_oldest_unauthenticated_connection_first)
                r = office.get("/api/v1/me")
                times.append(time.time() - t0)
                expect(r, 200)
                time.sleep(1)
        finally:
            for t in threads:
                t.join(30)
        assert opened[0] >= 100, opened
        assert max(times) < 4, times


def closed_by_server(sock, wait):
    """Whether the server closed sock (EOF or reset): waits up to `wait`
    seconds for it (0: only what has arrived)."""
    r, _, _ = select.select([sock], [], [], wait)
    if not r:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


@test
def eviction_takes_the_oldest_unauthenticated_connection_first():
    # max_conn 16 keeps 2 in reserve: from 14 live connections on, each new one evicts one.
    # The oldest connection is a signed-in user's (idle between requests): never evicted.
    # Then 13 unauthenticated idle connections U0..U12 (each answered once, so accepted in
    # this order, within the same second or two); each new connection must evict exactly
    # the oldest of them still open, in order (a counter, not a time with one-second ties).
    settings = {"max_conn": 16, "header_timeout": 300, "request_deadline": 300, "idle_timeout": 300}
    with Server(settings) as s:
        office = s.client("office")
        me = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)

        def get_me():
            me.request("GET", "/api/v1/me", headers={"Cookie": office.cookie})
            r = me.getresponse()
            r.read()
            return r.status

        assert get_me() == 200  # signed in on this connection, kept open

        def idle_unauthenticated():
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            assert r.status == 200
            return c

        olds = [idle_unauthenticated() for _ in range(13)]
        assert not any(closed_by_server(c.sock, 0) for c in olds)
        news = []
        for k in range(5):
            news.append(idle_unauthenticated())  # accepted: it evicted one
            assert closed_by_server(olds[k].sock, 10), f"U{k} (the oldest) was not evicted"
            still = [i for i in range(k + 1, 13) if closed_by_server(olds[i].sock, 0)]
            assert not still, f"new connection {k} evicted U{still} instead of U{k}"
        # the signed-in user's connection, the oldest of all, was never taken
        assert not closed_by_server(me.sock, 0)
        assert get_me() == 200
        for c in olds + news:
            c.close()
        me.close()
