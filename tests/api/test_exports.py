"""Lists and drill-downs as .xlsx, prints audited, the search box and file
previews (issue 17). Exports are read back with the independent reader
(tests/api/xlsxio.py): title row, watermark row, frozen header with 序号,
headers and values in words, and the row set equal to the list's own rows
for that user (the same visibility path). One server for the module."""
import atexit
import io
import json
import zipfile
from urllib.parse import quote

import xlsxio
from lib import Server, expect, test, days_from_today

S = None


def server():
    global S
    if S is None:
        S = Server()
        S.start()
        atexit.register(S.stop)
    return S


def list_all(c, path, **q):
    out, page = [], 1
    while True:
        qs = "&".join(f"{k}={v}" for k, v in {**q, "page": page, "per_page": 200}.items())
        r = expect(c.get(f"{path}?{qs}"), 200).json
        out += r["items"]
        if len(out) >= r["total"] or not r["items"]:
            return out
        page += 1


def make_problem(s, unit, title, amount="1200.50", immediate=True):
    m1 = s.client("member1")
    cid = "01940000-0000-7000-8000-" + "0403".ljust(12, "0")  # a seeded category
    return expect(m1.post("/api/v1/problems", {
        "target_id": s.ids["targets"][unit], "category_id": cid, "title": title,
        "description": "问题描述", "amount": amount, "found_by": "interview",
        "found_on": days_from_today(-3), "immediate_fix": immediate}), 201).json


def sheet_of(r):
    assert r.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.header("Content-Disposition").startswith("attachment;")
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    names = [n for n in z.namelist()]
    wb = z.read("xl/workbook.xml").decode()
    return xlsxio.read(r.raw), wb, z, names


def audits(s, action):
    return [(a, json.loads(d)) for a, d in
            s.sql("SELECT actor_login, detail FROM audit WHERE action=? AND result='ok' ORDER BY seq", (action,))]


@test
def list_export_matches_the_list_per_user():
    s = server()
    make_problem(s, "u1", "违规发放津补贴 & 奖金")
    make_problem(s, "u1", "公车私用", amount="50", immediate=False)
    for login in ("member1", "leader1", "office", "member2", "lg"):
        c = s.client(login)
        r = c.get("/api/v1/exports/records/problem?sort=-created_at")
        if r.status == 403:
            assert expect(c.get("/api/v1/problems"), 403)
            continue
        items = list_all(c, "/api/v1/problems", sort="-created_at")
        sh, wb, z, _ = sheet_of(expect(r, 200))
        assert sh.rows[0][0] == "问题清单", sh.rows[0]            # the title row
        assert "导出人" in sh.rows[1][0] and f"({login})" in sh.rows[1][0] and "导出时间" in sh.rows[1][0]
        head = sh.rows[2]
        assert head[0] == "序号" and sh.frozen_rows == 3         # header frozen under title and watermark
        assert 'name="问题清单"' in wb                             # the sheet named after the list
        assert all(h and not h.isascii() for h in head), head    # headers in Chinese
        data = [dict(zip(head, row)) for row in sh.rows[3:]]
        assert [d["序号"] for d in data] == list(range(1, len(items) + 1))
        assert [d["标题"] for d in data] == [i["title"] for i in items], login
        # the watermark also in the page header/footer for printing
        xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<oddHeader>" in xml and f"({login})" in xml
        for d, i in zip(data, items):
            if i["title"] == "违规发放津补贴 & 奖金":
                assert d["涉及金额 (元)"][1] == 1200.5 and d["立行立改"] == "是"
                assert d["单位"] == "枣阳市人民防空办公室" and d["状态"] == i["state_label"]
                assert d["发现方式"] != "interview"                   # the vocabulary's word
            if i["title"] == "公车私用":
                assert d["立行立改"] == "否"
    # member2 (another team) sees none of team one's problems, in the list and the sheet alike
    c2 = s.client("member2")
    r = expect(c2.get("/api/v1/exports/records/problem"), 200)
    titles = [row[1:] for row in xlsxio.read(r.raw).rows[3:]]
    assert not any("公车私用" in (x or "") for row in titles for x in row if isinstance(x, str))
    # audited: ids, names and counts only
    a = [d for who, d in audits(s, "list.export") if who == "office"]
    assert a and a[-1]["what"] == "problem" and a[-1]["filters"] == ["sort"] and a[-1]["rows"] >= 2
    assert "违规" not in json.dumps(a, ensure_ascii=False)


@test
def list_export_keeps_filters_and_refuses_bad_ones():
    s = server()
    office = s.client("office")
    items = list_all(office, "/api/v1/problems", immediate_fix="true")
    sh = xlsxio.read(expect(office.get("/api/v1/exports/records/problem?immediate_fix=true"), 200).raw)
    assert len(sh.rows) - 3 == len(items) and all(row[0] for row in sh.rows[3:])
    expect(office.get("/api/v1/exports/records/problem?nope=1"), 400, "unknown_field")
    r = expect(office.get("/api/v1/exports/records/nokind"), 404)
    assert "记录" in r.json["error"]["message"]
    # the unit's liaison may list no clues: refused as the list is
    expect(s.client("unit1").get("/api/v1/exports/records/clue"), 403)


@test
def drill_down_export_matches_the_drill_down():
    s = server()
    office = s.client("office")
    m = "problems_found"
    dd = expect(office.get(f"/api/v1/stats/{m}/records?per_page=200"), 200).json
    r = expect(office.get(f"/api/v1/exports/stats/{m}"), 200)
    sh, _, _, _ = sheet_of(r)
    assert sh.rows[0][0].endswith("明细") and sh.rows[2][0] == "序号" and sh.frozen_rows == 3
    assert len(sh.rows) - 3 == dd["total"]
    a = [d for who, d in audits(s, "list.export") if who == "office" and d["what"] == "measure"]
    assert a and a[-1]["name"] == m and a[-1]["rows"] == dd["total"]
    expect(office.get("/api/v1/exports/stats/nomeasure"), 404)


@test
def print_is_audited_with_ids_only():
    s = server()
    office = s.client("office")
    p = make_problem(s, "u2", "打印测试问题")
    r = expect(office.post("/api/v1/prints", {"kind": "problem", "id": p["id"]}), 200).json
    assert r["printed_by"] and r["login"] == "office" and r["printed_at"]
    expect(office.post("/api/v1/prints", {"kind": "problem", "filters": "state,team_id"}), 200)
    expect(office.post("/api/v1/prints", {"kind": "bogus"}), 400, "invalid_field")
    # a record the user may not read is not printed (404 as its GET)
    expect(s.client("member2").post("/api/v1/prints", {"kind": "problem", "id": p["id"]}), 404)
    rec = [d for who, d in audits(s, "record.print") if who == "office"]
    lst = [d for who, d in audits(s, "list.print") if who == "office"]
    assert rec and rec[-1]["what"] == "problem"
    assert lst and lst[-1]["filters"] == ["state", "team_id"]
    row = s.sql("SELECT object_id FROM audit WHERE action='record.print' ORDER BY seq DESC LIMIT 1")
    assert row[0][0] == p["id"]

@test
def search_by_number_unit_and_person_within_scope():
    s = server()
    m1, office, m2 = s.client("member1"), s.client("office"), s.client("member2")
    p = make_problem(s, "u1", "查找测试问题")
    seq = expect(m1.get(f"/api/v1/problems/{p['id']}"), 200).json["seq_no"]
    for c, sees in ((m1, True), (office, True), (m2, False)):    # the team and the office; not team two
        g = {x["kind"]: x for x in expect(c.get(f"/api/v1/search?q={seq}"), 200).json["groups"]}
        ids = [i["id"] for i in g.get("problem", {"items": []})["items"]]
        assert (p["id"] in ids) == sees, (c.login_name, g)
    hit = next(i for x in expect(m1.get(f"/api/v1/search?q={seq}"), 200).json["groups"] if x["kind"] == "problem"
               for i in x["items"] if i["id"] == p["id"])
    assert seq in hit["title"] and "查找测试问题" in hit["title"] and "枣阳市人民防空办公室" in hit["sub"]
    # a unit's name finds the unit in the directory, grouped and labelled
    g = expect(office.get("/api/v1/search?q=" + quote("人民防空")), 200).json["groups"]
    org = next(x for x in g if x["kind"] == "org")
    assert org["label"] and any("人民防空" in i["title"] for i in org["items"])
    # limit per kind, "more" when there are others
    g = expect(office.get("/api/v1/search?limit=1&q=" + quote("枣阳")), 200).json["groups"]
    assert all(len(x["items"]) == 1 for x in g) and any(x["more"] for x in g)
    # errors in Chinese naming the field
    for q, code in (("", "missing_field"), ("a", "invalid_field"), ("x" * 51, "invalid_field")):
        e = expect(office.get(f"/api/v1/search?q={q}"), 400, code).json["error"]
        assert e["field"] == "q" and not e["message"].isascii()
    expect(office.get("/api/v1/search?limit=0&q=" + quote("枣阳")), 400, "invalid_field")
    expect(office.get("/api/v1/search?sort=x&q=" + quote("枣阳")), 400, "unknown_field")
    # the unit's liaison finds no clue at all (it may list none)
    g = expect(s.client("unit1").get("/api/v1/search?q=" + quote("人民防空")), 200).json["groups"]
    assert "clue" not in {x["kind"] for x in g}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def headers_all(r, name):
    return [v for k, v in r.headers if k.lower() == name.lower()]


@test
def evidence_previews_are_sandboxed_and_audited():
    s = server()
    m1, m2 = s.client("member1"), s.client("member2")
    p = make_problem(s, "u2", "预览测试问题")
    url = f"/api/v1/problems/{p['id']}/files"
    # several files, one after the other as the browser sends them; each checked as before
    fp = expect(m1.upload(url, "流水.pdf", PDF, "application/pdf"), 201).json
    fi = expect(m1.upload(url, "现场.png", PNG, "image/png"), 201).json
    ft = expect(m1.upload(url, "说明.txt", "纯文本".encode(), "text/plain"), 201).json
    expect(m1.upload(url, "假图.png", PDF, "image/png"), 415, "type_mismatch")
    assert {i["name"] for i in expect(m1.get(url), 200).json["items"]} == {"流水.pdf", "现场.png", "说明.txt"}
    for f, ctype in ((fp, "application/pdf"), (fi, "image/png")):
        r = expect(m1.get(f"/api/v1/files/{f['id']}?inline=1"), 200)
        assert r.header("Content-Type") == ctype and r.raw in (PDF, PNG)
        assert r.header("Content-Disposition").startswith("inline;")
        csp = headers_all(r, "Content-Security-Policy")
        assert "sandbox" in csp and any("frame-ancestors 'self'" in c for c in csp), csp
        assert not any("frame-ancestors 'none'" in c for c in csp)
        assert r.header("X-Content-Type-Options") == "nosniff" and r.header("X-Frame-Options") == "SAMEORIGIN"
    # other types, and no ?inline: an attachment that no page may frame
    for q in (f"{ft['id']}?inline=1", fp["id"]):
        r = expect(m1.get(f"/api/v1/files/{q}"), 200)
        assert r.header("Content-Type") == "application/octet-stream"
        assert r.header("Content-Disposition").startswith("attachment;")
        assert r.header("X-Frame-Options") == "DENY" and "sandbox" in headers_all(r, "Content-Security-Policy")
    # the same visibility and audit as a download
    expect(m2.get(f"/api/v1/files/{fp['id']}?inline=1"), 404)
    n = s.sql("SELECT count(*) FROM audit WHERE action='file.read' AND object_id=? AND result='ok'", (p["id"],))
    assert n[0][0] == 4


@test
def export_past_its_row_limit_is_refused_in_chinese():
    with Server(settings={"export_max_rows": 1}) as s:
        make_problem(s, "u1", "第一个")
        office = s.client("office")
        expect(office.get("/api/v1/exports/records/problem"), 200)     # one row: within the limit
        make_problem(s, "u1", "第二个")
        ms = [m["name"] for m in expect(office.get("/api/v1/stats"), 200).json["measures"]]
        big = next(m for m in ms if expect(office.get(f"/api/v1/stats/{m}/records"), 200).json["total"] >= 2)
        for path in ("/api/v1/exports/records/problem", f"/api/v1/exports/stats/{big}"):
            e = expect(office.get(path), 413, "too_many_rows").json["error"]
            assert "上限 1 条" in e["message"] and "缩小" in e["message"], e
        # nothing exported: no audit entry for the refused ones
        assert len(s.sql("SELECT 1 FROM audit WHERE action='list.export'")) == 1


# The lists outside the record engine: each exported through its own route's
# handler (the same rows as the list for that user), with its page's columns.
OTHER_LISTS = {
    # name: (list path, title, key column, its value in a list item, logins (403 ones too), query)
    "vettings": ("/api/v1/vettings", "廉政审核清单", "人员", lambda i: i["person_name"],
                 ("office", "cadre", "member1"), {}),
    "institutions": ("/api/v1/institutions", "制度机制清单", "制度名称", lambda i: i["name"],
                     ("office", "leader1", "member2", "unit1"), {}),
    "documents": ("/api/v1/documents", "公文清单", "文号", lambda i: i["docno"],
                  ("office", "liaison", "unit1", "leader1"), {}),
    "users": ("/api/v1/users", "用户清单", "登录名", lambda i: i["login"],
              ("sysadmin", "office"), {}),
    "audit": ("/api/v1/audit", "审计日志", "日志号", lambda i: i["seq"],
              ("auditadmin", "sysadmin"), {"action": "auth.login"}),
}


@test
def other_lists_export_their_own_rows_per_user():
    """Its own server: it feeds back team one's target u1 (institutions need it)."""
    with Server() as s:
        cs = {}
        cl = lambda login: cs.setdefault(login, None) or cs.update({login: s.client(login)}) or cs[login]
        office = cl("office")
        # the demo has no vettings, letters or institutions: make some
        o, tg = s.ids["orgs"], s.ids["targets"]
        rid = expect(office.post("/api/v1/rounds", {
            "name": "八届市委第九轮巡察", "term": "八届", "seq": 9, "kind": "regular", "theme": "政治巡察",
            "planned_start": days_from_today(20), "planned_end": days_from_today(60)}), 201).json["id"]
        tid = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": o["g2"], "name": "第二巡察组"}),
                     201).json["id"]
        for name in ("钱一", "钱二"):
            pid = expect(office.post("/api/v1/persons", {"name": name, "post": "科员", "org_id": o["orgdept"]}), 201).json["id"]
            expect(office.post(f"/api/v1/teams/{tid}/members", {
                "person_id": pid, "role": "member", "origin": "seconded", "source_unit_id": o["orgdept"]}), 201)
        expect(office.post(f"/api/v1/rounds/{rid}/vetting", {}), 200)
        expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rid}), 201)
        m1, l1, lg = cl("member1"), cl("leader1"), cl("lg")
        make_problem(s, "u1", "制度缺失")
        for p in list_all(l1, "/api/v1/problems", target_id=tg["u1"]):  # the module's drafts too
            if p["state"] == "draft":
                expect(l1.post(f"/api/v1/problems/{p['id']}/confirm"), 200)
        rep = expect(m1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(l1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": days_from_today(0),
                                                              "feedback_text": "反馈意见"}), 200)
        for name in ("津补贴发放管理办法", "公务用车管理规定"):
            expect(cl("unit1").post("/api/v1/institutions", {"target_id": tg["u1"], "name": name,
                                                                   "kind": "new", "issued_on": days_from_today(-1)}), 201)
        seen = {}
        for name, (path, title, key, val, logins, q) in OTHER_LISTS.items():
            for login in logins:
                c = cl(login)
                qs = "&".join(f"{k}={v}" for k, v in q.items())
                r = c.get(f"/api/v1/exports/records/{name}" + (f"?{qs}" if qs else ""))
                if r.status == 403:
                    expect(c.get(path), 403)                     # refused as the list is
                    seen.setdefault(name, set()).add((login, None))
                    continue
                items = list_all(c, path, **q)
                sh, wb, z, _ = sheet_of(expect(r, 200))
                assert sh.rows[0][0] == title and f"({login})" in sh.rows[1][0], (name, sh.rows[:2])
                head = sh.rows[2]
                assert head[0] == "序号" and sh.frozen_rows == 3 and f'name="{title}"' in wb, (name, head)
                assert all(h and not h.isascii() or h == "IP" for h in head), head
                data = [dict(zip(head, row)) for row in sh.rows[3:]]
                assert [d["序号"] for d in data] == list(range(1, len(items) + 1)), (name, login, data, items)
                got = [d[key] for d in data]
                want = [val(i) for i in items]
                assert got == want, (name, login, got[:5], want[:5])
                seen.setdefault(name, set()).add((login, len(items)))
                a = [d for who, d in audits(s, "list.export") if who == login and d["what"] == name]
                assert a and a[-1]["rows"] == len(items) and a[-1]["filters"] == list(q), (name, login, a)
                if name == "vettings":
                    assert {d["审核意见"] for d in data} <= {"待答复", "无异议", "有异议"}, data[:2]
                if name == "users":
                    assert all(isinstance(d.get("停用"), str) and d["停用"] in "是否" for d in data)
                    assert any("巡察" in (d.get("角色") or "") for d in data)   # role names, not codes
                if name == "audit":
                    assert all(d["操作"] == "登录" and d["结果"] in ("成功", "拒绝", "失败") for d in data), data[:2]
        # the roles differ in what they see: the list's own scope, nothing decided here
        inst = dict(seen["institutions"])
        assert inst["leader1"] >= 2 and inst["unit1"] >= 2 and inst["office"] > inst["member2"], inst
        assert dict(seen["users"])["office"] is None
        docs = dict(seen["documents"])
        assert docs["office"] >= 1 and docs["liaison"] == 0 and docs["leader1"] is None, docs
        vets = dict(seen["vettings"])
        assert vets["office"] >= 2 and vets["cadre"] == vets["office"], vets
        assert dict(seen["audit"])["sysadmin"] is None and dict(seen["vettings"])["member1"] is None
        # audit details: names, counts and filter names only (no values, no content)
        a = [d for who, d in audits(s, "list.export") if d["what"] in OTHER_LISTS]
        assert a and all(set(d) == {"what", "name", "filters", "rows"} for d in a)
        assert "auth.login" not in json.dumps(a) and "津补贴" not in json.dumps(a, ensure_ascii=False)
        # a filter of the list narrows the sheet as it narrows the list; a wrong one is refused as the list does
        sh = xlsxio.read(expect(office.get("/api/v1/exports/records/institutions?kind=revised"), 200).raw)
        assert len(sh.rows) == 3
        expect(office.get("/api/v1/exports/records/institutions?kind=bogus"), 400)
        expect(office.get("/api/v1/exports/records/vettings?nope=1"), 400)


@test
def server_clean_after_the_module():
    """Runs last: the module's server stops cleanly and no sanitizer report was written."""
    global S
    if S is not None:
        S.stop()
        S.check_sanitizers()
        S = None
