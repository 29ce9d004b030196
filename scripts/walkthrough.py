#!/usr/bin/env python3
"""walkthrough.py — walks the clue story of the seed against a running demo
(`make demo`), as the README describes: the team member records a clue, the
team leader verifies it, the office hands it over during the patrol, 案管室
registers and disposes of it; after each step it shows the other side's inbox.

Usage: python3 scripts/walkthrough.py [--url http://127.0.0.1:8080] [--accounts demo/xunji-demo.accounts.json]
It changes each demo account's one-time password to the one it prints.
"""
import argparse
import http.client
import json
import re
import sys
import time
import urllib.parse

NEW_PW = "Demo#Xunji-2026"


class Session:
    def __init__(self, base, login, password):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port or 80
        self.cookie = self.csrf = None
        r = self.call("POST", "/api/v1/auth/login", {"login": login, "password": password})
        if r[0] != 200:
            r = self.call("POST", "/api/v1/auth/login", {"login": login, "password": NEW_PW})
        if r[0] != 200:
            sys.exit(f"{login} 登录失败: {r[1]}")
        self.csrf = r[1]["csrf_token"]
        if r[1]["must_change_password"]:
            self.call("POST", "/api/v1/auth/password", {"old_password": password, "new_password": NEW_PW})

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = {"Content-Type": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        c.request(method, path, json.dumps(body, ensure_ascii=False).encode() if body is not None else None, h)
        r = c.getresponse()
        sc = r.getheader("Set-Cookie")
        if sc:
            self.cookie = re.match(r"[^;]+", sc).group(0)
        data = json.loads(r.read() or b"null")
        return r.status, data


def show_inbox(name, s):
    st, box = s.call("GET", "/api/v1/messages?unread=1&per_page=5")
    print(f"    {name} 的收件箱 (未读 {box['unread']}):")
    for m in box["items"][:3]:
        print(f"      · {m['created_at']}  {m['title']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--accounts", default="demo/xunji-demo.accounts.json")
    a = ap.parse_args()
    with open(a.accounts, encoding="utf-8") as f:
        ids = json.load(f)
    pw = {k: v["password"] for k, v in ids["accounts"].items()}
    member = Session(a.url, "member1", pw["member1"])
    leader = Session(a.url, "leader1", pw["leader1"])
    office = Session(a.url, "office", pw["office"])
    case = Session(a.url, "casemgmt", pw["casemgmt"])
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    st, clue = member.call("POST", "/api/v1/clues", {
        "target_id": ids["targets"]["u1"], "title": "人防办会计公款私存问题", "subject_name": "王某某",
        "subject_post": "会计", "source": "records", "discovered_on": today,
        "allegation": "调阅账目发现, 该单位会计将公款存入个人账户。"})
    print(f"1. 巡察组组员登记线索: {st} {clue['title']} [{clue['state_label']}]")
    cid = clue["id"]
    st, c = leader.call("POST", f"/api/v1/clues/{cid}/verify", {"note": "组务会研判, 证据已锁定"})
    print(f"2. 组长核实: {st} [{c['state_label']}]")
    show_inbox("巡察办", office)
    st, c = office.call("POST", f"/api/v1/clues/{cid}/handover", {"note": "边巡边交"})
    print(f"3. 巡察办移交: {st} 文号 {c['handover_docno']}, 方式 {c['handover_mode']} [{c['state_label']}]")
    show_inbox("案管室", case)
    st, c = case.call("POST", f"/api/v1/clues/{cid}/register")
    print(f"4. 案管室登记: {st} 登记号 {c['registry_no']} [{c['state_label']}]")
    show_inbox("巡察组", member)
    st, c = case.call("POST", f"/api/v1/clues/{cid}/dispose", {"method": "preliminary_verification"})
    print(f"5. 案管室确定处置方式: {st} {c['disposal_method']} [{c['state_label']}]")
    show_inbox("巡察办", office)
    print(f"\n以上账号的新密码均为 {NEW_PW}")


if __name__ == "__main__":
    main()
