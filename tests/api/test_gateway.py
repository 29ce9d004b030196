"""Behind a gateway (issue 11 item 13): X-Forwarded-For / X-Real-IP are
believed only from trusted_proxies, for the audit's client IP and the per-IP
caps; with public_origin set, the Origin of a write must match it in full
(scheme, host and port), and without it a direct client's Origin must be
http://Host."""
import socket
import time

from lib import Server, expect, test


def last_login_ip(s, login):
    return s.sql("SELECT ip FROM audit WHERE action='auth.login' AND actor_login=? "
                 "ORDER BY seq DESC LIMIT 1", (login,))[0][0]


def login_from(s, login, headers=None, src=None):
    """Signs in over a raw connection bound to source address src."""
    import json
    body = json.dumps({"login": login, "password": s.passwords[login]}).encode()
    h = {"Host": f"127.0.0.1:{s.port}", "Content-Type": "application/json",
         "Content-Length": str(len(body))}
    h.update(headers or {})
    sock = socket.socket()
    sock.settimeout(10)
    if src:
        sock.bind((src, 0))
    sock.connect(("127.0.0.1", s.port))
    sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\n" +
                 "".join(f"{k}: {v}\r\n" for k, v in h.items()).encode() + b"\r\n" + body)
    data = sock.recv(4096)
    sock.close()
    return int(data.split(b" ")[1])


@test
def forwarded_for_is_ignored_from_an_untrusted_peer():
    with Server() as s:
        spoof = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.10"}
        assert login_from(s, "office", spoof) == 200
        assert last_login_ip(s, "office") == "127.0.0.1"


@test
def forwarded_for_is_believed_from_a_trusted_proxy_only():
    with Server({"trusted_proxies": "127.0.0.1, 10.0.0.0/8"}) as s:
        # the rightmost address that is not itself a trusted proxy is the client
        assert login_from(s, "office", {"X-Forwarded-For": "198.51.100.7, 203.0.113.9, 10.1.2.3"}) == 200
        assert last_login_ip(s, "office") == "203.0.113.9"
        assert login_from(s, "office", {"X-Real-IP": "2001:db8::1"}) == 200
        assert last_login_ip(s, "office") == "2001:db8::1"
        # garbage is not believed: the proxy's own address is recorded
        assert login_from(s, "office", {"X-Forwarded-For": "<script>"}) == 200
        assert last_login_ip(s, "office") == "127.0.0.1"
        # another local address is not a trusted proxy: its header is ignored
        assert login_from(s, "lg", {"X-Forwarded-For": "203.0.113.9"}, src="127.0.0.2") == 200
        assert last_login_ip(s, "lg") == "127.0.0.2"


@test
def per_ip_cap_counts_the_forwarded_client_not_the_proxy():
    with Server({"trusted_proxies": "127.0.0.1", "max_conn_per_ip": 3}) as s:
        def held(client):
            """A request whose body never completes: it stays in flight."""
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            sock.sendall((f"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\n"
                          "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{").encode())
            return sock
        socks = [held("203.0.113.9") for _ in range(3)]
        time.sleep(0.3)
        # more connections than the cap from the proxy itself are fine ...
        others = [held(f"203.0.113.{20 + i}") for i in range(4)]
        expect(s.client().get("/healthz"), 200)
        # ... but a fourth concurrent request of one forwarded client is not
        extra = held("203.0.113.9")
        data = extra.recv(4096)
        assert b" 429 " in data.split(b"\r\n")[0], data[:200]
        for k in socks + others + [extra]:
            k.close()


@test
def origin_is_compared_in_full_with_public_origin():
    with Server({"public_origin": "https://xunji.example.gov.cn"}) as s:
        office = s.client("office")
        url = "/api/v1/auth/logout"
        expect(office.post(url, headers={"Origin": "http://xunji.example.gov.cn"}), 403, "csrf")
        expect(office.post(url, headers={"Origin": "https://xunji.example.gov.cn:8443"}), 403, "csrf")
        expect(office.post(url, headers={"Origin": "https://evil.example.com"}), 403, "csrf")
        expect(office.post(url, headers={"Origin": "https://xunji.example.gov.cn"}), 200)


@test
def without_public_origin_a_direct_client_origin_is_http_host():
    with Server() as s:
        office = s.client("office")
        host = f"127.0.0.1:{s.port}"
        expect(office.post("/api/v1/auth/logout", headers={"Origin": f"https://{host}"}), 403, "csrf")
        expect(office.post("/api/v1/auth/logout", headers={"Origin": f"http://{host}"}), 200)


@test
def bad_gateway_settings_are_refused_at_start():
    import os
    import shutil
    import tempfile
    from lib import run_cli
    d = tempfile.mkdtemp(prefix="xunji-gw-")
    db = os.path.join(d, "t.db")
    run_cli("init", db=db)
    p = run_cli("serve", "--listen", "127.0.0.1:0", "--set", "trusted_proxies=10.0.0.0/33", db=db, check=False)
    assert p.returncode == 2 and "可信代理" in p.stderr, p.stderr
    p = run_cli("serve", "--listen", "127.0.0.1:0", "--set", "public_origin=xunji.example.gov.cn", db=db, check=False)
    assert p.returncode == 2 and "public_origin" in p.stderr, p.stderr
    shutil.rmtree(d)


@test
def sign_in_delays_follow_the_forwarded_client_not_the_gateway():
    """Behind a trusted gateway every client arrives from one address: the
    per-source sign-in delay is keyed on the forwarded client, so one client
    guessing does not lock out the others."""
    import json
    with Server({"trusted_proxies": "127.0.0.1", "login_source_free": 2, "login_source_max_delay": 30}) as s:
        def attempt(client, login, password):
            c = s.client()
            return c.post("/api/v1/auth/login", {"login": login, "password": password},
                          headers={"X-Forwarded-For": client})
        for i in range(3):
            expect(attempt("203.0.113.9", f"nobody{i}", "Wrong-Password-1"), 401)
        r = attempt("203.0.113.9", "office", s.passwords["office"])
        assert r.status == 429, r
        # another client behind the same gateway signs in at once
        r = attempt("198.51.100.7", "office", s.passwords["office"])
        assert r.status == 200, r
        assert json.loads(r.raw)["csrf_token"]
