"""Statistics from maintained aggregates (issue 15, migration 021): every
step of a problem's life (creation, edit of a grouped field, confirmation,
the report's submit/return/approve, the feedback that releases it to the unit
side, the copy that hands it to the commission) keeps agg_problems equal to
the records in the same transaction (`xunji stats --verify`), and each user's
figure, read from the aggregate, still equals the drill-down and the user's
own list; a corrupted stored total makes --verify fail naming the figure."""
from lib import Server, expect, run_cli, test, today_shanghai, days_from_today

USERS = ("lg", "office", "liaison", "leader1", "member2", "dispatched1")
FIGS = ("problems_found", "problems_rectified", "problems_immediate_fix", "problems_amount")


def cat(code):
    return "01940000-0000-7000-8000-" + code.ljust(12, "0")


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": cat("0403"), "title": "公款私存",
            "description": "单位会计将人防易地建设费存入个人账户", "amount": "1234.56",
            "people": "会计 刘某", "found_by": "records", "found_on": today_shanghai(), "inaction": False}
    body.update(kw)
    return expect(c.post("/api/v1/problems", body), 201).json["id"]


def verify(s):
    p = run_cli("stats", "--verify", db=s.db, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def figures(s, clients, expect_found=None):
    """Each user's figures: from the aggregate, equal to the drill-down's total and to
    the problems the user's list shows (drafts are not counted)."""
    out = {}
    for name, c in clients.items():
        st = expect(c.get("/api/v1/stats"), 200).json["measures"]
        got = {m["name"]: m for m in st}
        if "problems_found" not in got:
            out[name] = None
            continue
        for f in FIGS:
            total = expect(c.get(f"/api/v1/stats/{f}/records?per_page=200"), 200).json
            n = len(total["items"])
            assert total["total"] == n, (name, f, total["total"], n)
            if f != "problems_amount":
                assert got[f]["value"] == n, (name, f, got[f]["value"], n)
        lst = expect(c.get("/api/v1/problems?per_page=200"), 200).json["items"]
        assert got["problems_found"]["value"] == len([p for p in lst if p["state"] != "draft"]), name
        # the group chart by unit sums to the figure
        gr = expect(c.get("/api/v1/stats/problems_found/groups?by=unit"), 200).json["groups"]
        assert sum(g["value"] for g in gr) == got["problems_found"]["value"], (name, gr)
        assert all(g["value"] > 0 for g in gr)
        out[name] = got["problems_found"]["value"]
    if expect_found:
        for k, v in expect_found.items():
            assert out[k] == v, (k, out[k], v, out)
    verify(s)
    return out


@test
def every_step_keeps_the_aggregate_and_moves_visibility():
    with Server() as s:
        tg = s.ids["targets"]
        verify(s)
        cl = {u: s.client(u) for u in USERS}
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), cl["lg"], cl["office"]
        p1 = problem(member1, tg["u1"], amount="100.00")
        p2 = problem(member1, tg["u1"], immediate_fix=True)
        p3 = problem(member1, tg["u2"])
        figures(s, cl, {"lg": 0, "liaison": 0})  # drafts count nowhere
        # an edit of grouped fields (amount, found_on into another month) moves the draft's group
        expect(member1.patch(f"/api/v1/problems/{p1}", {"amount": "250.10",
                                                         "found_on": days_from_today(-40)}), 200)
        verify(s)
        for p in (p1, p2, p3):
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        figures(s, cl, {"lg": 3, "office": 3, "leader1": 3, "member2": 0, "liaison": 0,
                        "dispatched1": 0})
        amount = expect(lg.get("/api/v1/stats"), 200).json["measures"]
        assert [m["value_fen"] for m in amount if m["name"] == "problems_amount"] == [25010 + 123456 * 2]
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        verify(s)
        expect(lg.post(f"/api/v1/reports/{rep}/return", {"reason": "请补充"}), 200)
        verify(s)
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        figures(s, cl, {"lg": 3, "liaison": 0})
        # the feedback releases u1's problems to the unit side (dispatched group supervises u1)
        expect(office.post(f"/api/v1/reports/{rep}/feedback",
                           {"meeting_date": today_shanghai(), "attendees": 30, "feedback_text": "反馈"}), 200)
        before = figures(s, cl, {"lg": 3, "liaison": 0, "dispatched1": 2})
        # the copy hands them to the commission: the liaison's figure moves in the same step
        expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
        after = figures(s, cl, {"lg": 3, "liaison": 2})
        assert before["dispatched1"] == after["dispatched1"]
        # each group of a chart (one grouped query over the aggregate) is the figure with
        # that round, team or unit as a filter
        for who in (lg, cl["leader1"], cl["liaison"], cl["dispatched1"]):
            for by in ("round", "team", "unit"):
                for f in ("problems_found", "rectification_rate", "problems_amount"):
                    gr = expect(who.get(f"/api/v1/stats/{f}/groups?by={by}"), 200).json["groups"]
                    for g in gr:
                        one = [m for m in expect(who.get(f"/api/v1/stats?{by}_id={g['id']}"), 200)
                               .json["measures"] if m["name"] == f][0]
                        for k in ("value", "numerator", "denominator", "value_fen"):
                            assert g.get(k) == one.get(k), (who.login_name, by, f, g, one)
        # a filter of whole months is answered from the aggregate, any other range from
        # the records: both agree with the drill-down
        month = today_shanghai()[:7]
        for q in (f"from={month}-01", f"from={days_from_today(-40)}", f"to={today_shanghai()}"):
            v = [m["value"] for m in expect(lg.get(f"/api/v1/stats?{q}"), 200).json["measures"]
                 if m["name"] == "problems_found"][0]
            t = expect(lg.get(f"/api/v1/stats/problems_found/records?{q}&per_page=200"), 200).json
            assert v == t["total"] == len(t["items"]), (q, v, t["total"])


@test
def verify_fails_on_a_corrupted_total_naming_the_figure():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1 = s.client("member1"), s.client("leader1")
        p = problem(member1, tg["u1"])
        expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        verify(s)
        # the test corrupts one stored total behind the server's back
        s.sql_write("UPDATE agg_problems SET n = n + 1 WHERE state = 'confirmed'")
        r = run_cli("stats", "--verify", db=s.db, check=False)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "problems_found" in r.stdout and "agg_problems" in r.stdout, r.stdout
        assert "不一致" in r.stderr


@test
def drill_down_pages_by_cursor():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg = s.client("member1"), s.client("leader1"), s.client("lg")
        ps = [problem(member1, tg["u1" if i % 2 else "u2"], found_on=days_from_today(-i)) for i in range(5)]
        for p in ps:
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        base = "/api/v1/stats/problems_found/records"
        whole = expect(lg.get(f"{base}?per_page=200"), 200).json
        assert whole["total"] == 5 and whole["next"] is None
        got, url, pages = [], f"{base}?per_page=2", 0
        while url:
            r = expect(lg.get(url), 200).json
            assert r["total"] == 5 and not any(k.startswith("m_") for it in r["items"] for k in it)
            got += [it["id"] for it in r["items"]]
            pages += 1
            url = f"{base}?per_page=2&cursor={r['next']}" if r["next"] else None
        assert got == [it["id"] for it in whole["items"]] and pages == 3, (got, pages)
        # the team's own drill-down pages the same way, in the same order
        first = expect(leader1.get(f"{base}?per_page=4"), 200).json
        rest = expect(leader1.get(f"{base}?per_page=4&cursor={first['next']}"), 200).json
        assert [i["id"] for i in first["items"] + rest["items"]] == got and rest["next"] is None
        # a bad cursor names the field: not hex, not ours, another figure's order
        for bad in ("zz", "7b7d", "5b2231225d", "0" * 5000):
            e = expect(lg.get(f"{base}?cursor={bad}"), 400).json["error"]
            assert e["field"] == "cursor", (bad, e)
        e = expect(lg.get(f"/api/v1/stats/clues_handed_over/records?cursor={first['next']}"), 400).json
        assert e["error"]["field"] == "cursor"
