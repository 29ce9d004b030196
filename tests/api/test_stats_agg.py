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


# ---- migration 023: rectification tasks, accountability, clues ---------------------------
# (the roles that see statistics, and two that do not)
ROLES = ("lg", "office", "liaison", "leader1", "member1", "member2", "dispatched1", "unit1",
         "investigation")
# figure -> (the user's own list, which of its rows the figure counts)
SOURCES = {
    "rect_tasks_total": ("/api/v1/rect-tasks", lambda it: True),
    "rect_tasks_signed_off": ("/api/v1/rect-tasks", lambda it: it["state"] == "signed_off"),
    "accountability_records": ("/api/v1/accountability", lambda it: it["state"] == "decided"),
    "orgs_accountable": ("/api/v1/accountability",
                         lambda it: it["state"] == "decided" and it["subject_kind"] == "organization"),
    "clues_handed_over": ("/api/v1/clues", lambda it: bool(it.get("handover_at"))),
    "clues_registered": ("/api/v1/clues", lambda it: bool(it.get("registered_at"))),
}
AGG_FIGS = ("rect_tasks_total", "rect_tasks_signed_off", "accountability_records", "orgs_accountable",
            "people_interviewed", "people_party_discipline", "funds_recovered", "funds_total",
            "four_forms", "accountability_outcomes", "clues_handed_over", "clues_during_patrol",
            "clues_registered", "clues_disposed", "clues_concluded", "clues_case_filed",
            "clue_disposal_methods", "clue_results")


def figures23(s, clients, expect=None):
    """Each user's figures of the 023 sources: equal to the drill-down's total, to the same
    figure measured over the records (XUNJI_STATS_NO_AGG: `xunji stats` as the whole scope,
    --verify), and to the rows of the user's own list; a distribution's parts sum to it."""
    out = {}
    for name, c in clients.items():
        out[name] = {}
        r = c.get("/api/v1/stats")
        if r.status == 403:  # no statistics for this role at all
            continue
        got = {m["name"]: m for m in expect_ok(r)["measures"]}
        for f in AGG_FIGS:
            if f not in got:
                continue
            m = got[f]
            dd = expect_ok(c.get(f"/api/v1/stats/{f}/records?per_page=200"))
            if m["kind"] in ("count", "dist"):
                assert m["value"] == dd["total"] == len(dd["items"]), (name, f, m["value"], dd["total"])
            else:
                parts = {"funds_recovered": ("funds_recovered_fen",),
                         "funds_total": ("funds_recovered_fen", "funds_returned_fen", "losses_recovered_fen")}[f]
                assert m["value_fen"] == sum(i[k] for i in dd["items"] for k in parts), (name, f, m, dd)
            if m["kind"] == "dist":
                assert sum(b["n"] for b in m["by"]) == m["value"], (name, f, m)
            if f in SOURCES:
                url, keep = SOURCES[f]
                r = c.get(url + "?per_page=200")
                assert r.status == 200, (name, f, r.status)
                mine = [it for it in r.json["items"] if keep(it)]
                assert m["value"] == len(mine), (name, f, m["value"], len(mine))
            # a group chart sums to the figure
            if f in SOURCES:
                gr = expect_ok(c.get(f"/api/v1/stats/{f}/groups?by=unit"))["groups"]
                assert sum(g["value"] for g in gr) == m["value"], (name, f, gr, m)
            out[name][f] = m.get("value_fen", m["value"])
    for (who, f), v in (expect or {}).items():  # the role sees the figure (absent: 0)
        assert out[who].get(f, 0) == v, (who, f, out[who].get(f), v)
    verify(s)
    return out


def expect_ok(r):
    return expect(r, 200).json


def clue(c, target, title):
    return expect(c.post("/api/v1/clues", {"target_id": target, "title": title, "subject_name": "刘某",
                                          "subject_post": "会计", "source": "records",
                                          "discovered_on": today_shanghai(),
                                          "allegation": "将公款存入个人账户"}), 201).json["id"]


@test
def tasks_accountability_and_clues_keep_their_aggregates():
    with Server() as s:
        tg = s.ids["targets"]
        cl = {u: s.client(u) for u in ROLES}
        member1, leader1, lg, office = cl["member1"], cl["leader1"], cl["lg"], cl["office"]
        unit1, inv = cl["unit1"], cl["investigation"]
        casemgmt, conduct = s.client("casemgmt"), s.client("conduct")
        verify(s)
        # clues: drafts count nowhere; the hand-over moves them to the commission's figures
        c1, c2, c3 = (clue(member1, tg["u1"], "线索一"), clue(member1, tg["u1"], "线索二"),
                      clue(member1, tg["u2"], "线索三"))
        figures23(s, cl, {("lg", "clues_handed_over"): 0, ("liaison", "clues_handed_over"): 0})
        for c in (c1, c2, c3):
            expect(leader1.post(f"/api/v1/clues/{c}/verify"), 200)
        expect(office.post(f"/api/v1/clues/{c1}/handover"), 200)
        expect(office.post(f"/api/v1/clues/{c3}/handover"), 200)
        figures23(s, cl, {("lg", "clues_handed_over"): 2, ("liaison", "clues_handed_over"): 2,
                          ("leader1", "clues_handed_over"): 2, ("member2", "clues_handed_over"): 0})
        expect(casemgmt.post(f"/api/v1/clues/{c1}/register"), 200)
        expect(casemgmt.post(f"/api/v1/clues/{c1}/dispose", {"method": "preliminary_verification"}), 200)
        expect(inv.post(f"/api/v1/clues/{c1}/outcome", {"case_filed_on": today_shanghai(),
                                                       "authority": "枣阳市纪委监委"}), 200)
        expect(inv.post(f"/api/v1/clues/{c1}/conclude", {"result": "case_filed", "note": "已立案"}), 200)
        figures23(s, cl, {("liaison", "clues_registered"): 1, ("lg", "clues_case_filed"): 1,
                          ("lg", "clue_results"): 1, ("lg", "clue_disposal_methods"): 1})
        # accountability on a handed-over clue: the commission's record, seen by the team too
        a1 = expect(inv.post("/api/v1/accountability", {
            "clue_id": c1, "subject_kind": "person", "subject_name": "刘某", "subject_post": "会计",
            "outcome": "party_serious_warning", "authority": "中共枣阳市纪律检查委员会",
            "decided_on": today_shanghai(), "funds_recovered": "386000.00"}), 201).json["id"]
        figures23(s, cl, {("lg", "accountability_records"): 1, ("lg", "funds_recovered"): 38600000,
                          ("lg", "people_party_discipline"): 1, ("lg", "four_forms"): 1})
        # problems, a report, its feedback: the unit plans tasks; the copy hands the tasks
        # (and accountability on its problems) to the commission in the same step
        ps = [problem(member1, tg["u1"]) for _ in range(2)]
        for p in ps:
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(),
                                                              "feedback_text": "反馈意见"}), 200)
        expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan", {"plan_text": "整改方案"}), 200)
        task = lambda p, d: expect(unit1.post("/api/v1/rect-tasks", {
            "problem_id": p, "measure": "追回资金", "owner_name": "王某", "deadline": days_from_today(d)}),
            201).json["id"]
        t1, t2, t3 = task(ps[0], 2), task(ps[0], 45), task(ps[1], 10)
        before = figures23(s, cl, {("lg", "rect_tasks_total"): 3, ("dispatched1", "rect_tasks_total"): 3,
                                   ("dispatched1", "rect_tasks_total"): 3})
        expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
        after = figures23(s, cl, {("lg", "rect_tasks_total"): 3})
        assert after["liaison"].get("rect_tasks_total", 0) == 3 > before["liaison"].get("rect_tasks_total", 0), \
            (before["liaison"], after["liaison"])
        # a task's workflow moves it between state groups
        expect(unit1.post(f"/api/v1/rect-tasks/{t1}/progress", {"text": "已追回资金"}), 201)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1}/finish", {"note": "完成"}), 200)
        expect(office.post(f"/api/v1/rect-tasks/{t1}/sign_off"), 200)
        figures23(s, cl, {("lg", "rect_tasks_signed_off"): 1, ("dispatched1", "rect_tasks_signed_off"): 1})
        # accountability on the copied problems: opened (not yet counted), decided, revoked
        a2 = expect(conduct.post("/api/v1/accountability", {
            "problem_id": ps[0], "subject_kind": "leader", "subject_name": "王主任",
            "leader_role": "principal", "outcome": "work_interview", "authority": "枣阳市纪委监委",
            "decided_on": today_shanghai()}), 201).json["id"]
        figures23(s, cl, {("lg", "accountability_records"): 2, ("lg", "people_interviewed"): 1})
        expect(inv.post(f"/api/v1/accountability/{a1}/revoke", {"reason": "申诉复查后撤销"}), 200)
        figures23(s, cl, {("lg", "accountability_records"): 1, ("lg", "funds_recovered"): 0})
        assert a2
        # a whole-month range answers from the aggregate, another from the records: both
        # equal the drill-down
        month = today_shanghai()[:7]
        # (and a filter on the round's kind or the unit's level reads the aggregate joined to
        # rounds and orgs, the others the aggregate alone)
        for q in (f"from={month}-01", f"to={days_from_today(20)}", f"from={days_from_today(-3)}",
                  "level=city", "round_kind=regular", f"unit_id={s.ids['orgs']['u1']}"):
            got = {m["name"]: m for m in expect_ok(lg.get(f"/api/v1/stats?{q}"))["measures"]}
            for f in ("rect_tasks_total", "accountability_records", "clues_handed_over"):
                t = expect_ok(lg.get(f"/api/v1/stats/{f}/records?{q}&per_page=200"))
                assert got[f]["value"] == t["total"] == len(t["items"]), (q, f, got[f], t["total"])
        # the copy's triggers, behind the server's back: withdrawing the copy takes the tasks
        # (and the accountability on its problems) back from the commission; copying again
        # hands them over again; --verify agrees at each step
        cols = [c for c in s.columns("report_copies") if c != "rowid"]  # PostgreSQL's rowid is generated
        row = s.sql(f"SELECT {','.join(cols)} FROM report_copies WHERE report_id=?", (rep,))
        s.sql_write("DELETE FROM report_copies WHERE report_id=?", (rep,))
        verify(s)
        assert s.sql("SELECT sum(n) FROM agg_rect_tasks WHERE handed=1")[0][0] == 0
        keep = [i for i, c in enumerate(cols) if c != "rowid"]  # PostgreSQL's identity column
        for r in row:
            s.sql_write(f"INSERT INTO report_copies({','.join(cols[i] for i in keep)}) "
                        f"VALUES({','.join('?' * len(keep))})", tuple(r[i] for i in keep))
        verify(s)
        assert s.sql("SELECT sum(n) FROM agg_rect_tasks WHERE handed=1")[0][0] == 3
        # a problem taken off the copied report and listed again
        s.sql_write("DELETE FROM report_problems WHERE problem_id=?", (ps[0],))
        verify(s)
        assert s.sql("SELECT sum(n) FROM agg_rect_tasks WHERE handed=1")[0][0] == 1
        s.sql_write("INSERT INTO report_problems(report_id, problem_id) VALUES(?, ?)", (rep, ps[0]))
        verify(s)
        # a task deleted
        s.sql_write("DELETE FROM rect_progress WHERE task_id=?", (t3,))
        s.sql_write("DELETE FROM rect_tasks WHERE id=?", (t3,))
        verify(s)
        assert t2


@test
def verify_fails_on_a_corrupted_total_of_each_023_table():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, office, inv = (s.client("member1"), s.client("leader1"), s.client("office"),
                                         s.client("investigation"))
        c1 = clue(member1, tg["u1"], "线索")
        expect(leader1.post(f"/api/v1/clues/{c1}/verify"), 200)
        expect(office.post(f"/api/v1/clues/{c1}/handover"), 200)
        expect(inv.post("/api/v1/accountability", {
            "clue_id": c1, "subject_kind": "person", "subject_name": "刘某", "outcome": "party_warning",
            "authority": "枣阳市纪委监委", "decided_on": today_shanghai()}), 201)
        verify(s)
        for table, fig in (("agg_clues", "clues_handed_over"), ("agg_accountability", "accountability_records")):
            s.sql_write(f"UPDATE {table} SET n = n + 1 WHERE n > 0")
            r = run_cli("stats", "--verify", db=s.db, check=False)
            assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
            assert fig in r.stdout and table in r.stdout, r.stdout
            s.sql_write(f"UPDATE {table} SET n = n - 1 WHERE n > 0")
            verify(s)
        # a task total corrupted (no task yet: a stray group)
        s.sql_write("INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n) "
                    "SELECT round_id, team_id, unit_id, '2026-01', 'open', 0, 1 FROM targets LIMIT 1")
        r = run_cli("stats", "--verify", db=s.db, check=False)
        assert r.returncode == 1 and "rect_tasks_total" in r.stdout and "agg_rect_tasks" in r.stdout, r.stdout


# ---- migrations 024 and 025: rollups by team; petitions, assistance, reports, targets ----------
FIGS25 = ("petitions_received", "petitions_to_clue", "assistance_requests", "assistance_approved",
          "assistance_completed", "feedback_given", "feedback_attendees", "feedback_copied",
          "targets_inspected", "problems_found", "rect_tasks_total", "clues_handed_over",
          "accountability_records")


def figures25(s, clients):
    """Each user's figures of FIGS25 (answered from the rollup where the user's scope covers
    whole teams, from the detail table otherwise): equal to the drill-down's records; each
    group chart (by round and team: the rollup; by unit: the detail table) sums to it and each
    of its groups equals the figure filtered to that group."""
    out = {}
    for name, c in clients.items():
        r = c.get("/api/v1/stats")
        if r.status == 403:
            out[name] = None
            continue
        got = {m["name"]: m for m in expect_ok(r)["measures"]}
        out[name] = {}
        for f in FIGS25:
            if f not in got:
                continue
            m = got[f]
            dd = expect_ok(c.get(f"/api/v1/stats/{f}/records?per_page=200"))
            if f == "feedback_attendees":
                assert m["value"] == sum(i["attendees"] for i in dd["items"]), (name, f, m, dd)
            else:
                assert m["value"] == dd["total"] == len(dd["items"]), (name, f, m["value"], dd["total"])
            if m["kind"] == "dist":
                assert sum(b["n"] for b in m["by"]) == m["value"], (name, f, m)
            for by in ("round", "team", "unit"):
                gr = expect_ok(c.get(f"/api/v1/stats/{f}/groups?by={by}"))["groups"]
                assert sum(g["value"] for g in gr) == m["value"], (name, f, by, gr, m)
                for g in gr:
                    one = [x for x in expect_ok(c.get(f"/api/v1/stats?{by}_id={g['id']}"))["measures"]
                           if x["name"] == f][0]
                    assert g["value"] == one["value"], (name, f, by, g, one)
                # the charts too are compared across the servers (the demo's ids are the same)
                out[name][f"{f}@{by}"] = sorted((g["id"], g["value"]) for g in gr)
            out[name][f] = m["value"]
    verify(s)
    return out


def steps25(s, cl):
    """Petitions, an assistance request, a report's feedback and copy: the figures after each."""
    tg = s.ids["targets"]
    member1, leader1, lg, office, inv = (cl["member1"], cl["leader1"], cl["lg"], cl["office"],
                                         s.client("investigation"))
    seen = [figures25(s, cl)]
    pet = lambda t, ch: expect(member1.post("/api/v1/petitions", {
        "target_id": t, "channel": ch, "received_on": today_shanghai(), "summary": "反映村干部优亲厚友"}),
        201).json["id"]
    p1, _, _ = pet(tg["u1"], "qr_code"), pet(tg["u1"], "letter"), pet(tg["u2"], "visit")
    expect(leader1.post(f"/api/v1/petitions/{p1}/to_clue",
                        {"title": "危房改造补助优亲厚友", "subject_name": "李某", "subject_post": "村支书"}), 200)
    seen.append(figures25(s, cl))
    pid = problem(member1, tg["u1"])
    expect(leader1.post(f"/api/v1/problems/{pid}/confirm"), 200)
    aid = expect(member1.post("/api/v1/assistance", {
        "target_id": tg["u1"], "need": "查询银行流水", "reason": "固定资金去向", "problem_id": pid}),
        201).json["id"]
    seen.append(figures25(s, cl))  # a draft counts nowhere
    expect(leader1.post(f"/api/v1/assistance/{aid}/submit"), 200)
    expect(lg.post(f"/api/v1/assistance/{aid}/approve", {"note": "同意"}), 200)
    seen.append(figures25(s, cl))
    expect(office.post(f"/api/v1/assistance/{aid}/forward"), 200)  # the commission's figures
    expect(inv.post(f"/api/v1/assistance/{aid}/accept"), 200)
    expect(inv.post(f"/api/v1/assistance/{aid}/complete", {"result": "经查询, 收到单位公款38.6万元",
                                                          "evidence_fixed": "银行流水3份"}), 200)
    seen.append(figures25(s, cl))
    rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
    expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(),
                                                          "attendees": 30, "feedback_text": "反馈"}), 200)
    seen.append(figures25(s, cl))
    expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
    seen.append(figures25(s, cl))
    return seen


@test
def rollups_and_025_sources_equal_the_records_for_every_role():
    """The same steps on two servers, one with the rollups, one without
    (XUNJI_STATS_NO_ROLLUP=1): at each step every role's figures agree with the drill-down
    and the charts, and the two servers' figures are the same."""
    runs = []
    # (035) and a third without the rollups by unit alone (XUNJI_STATS_NO_UNITS=1)
    for env in ({}, {"XUNJI_STATS_NO_ROLLUP": "1"}, {"XUNJI_STATS_NO_UNITS": "1"}):
        with Server(env=env) as s:
            cl = {u: s.client(u) for u in ROLES}
            runs.append(steps25(s, cl))
            last = runs[-1][-1]
            # the steps moved the figures: the petitions, the request, the feedback and its copy
            assert last["lg"]["petitions_received"] == 3 and last["lg"]["petitions_to_clue"] == 1, last["lg"]
            assert last["lg"]["assistance_completed"] == 1 and last["lg"]["feedback_copied"] >= 1, last["lg"]
            assert last["liaison"].get("assistance_requests", 0) >= 0
    assert runs[0] == runs[1], [(i, a, b) for i, (a, b) in enumerate(zip(*runs)) if a != b][:1]
    assert runs[0] == runs[2], [(i, a, b) for i, (a, b) in enumerate(zip(runs[0], runs[2])) if a != b][:1]


@test
def verify_fails_on_a_corrupted_rollup_total():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1 = s.client("member1"), s.client("leader1")
        p = problem(member1, tg["u1"])
        expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        expect(member1.post("/api/v1/petitions", {"target_id": tg["u1"], "channel": "letter",
                                                  "received_on": today_shanghai(), "summary": "信访"}), 201)
        verify(s)
        for table, fig in (("agg_problems_by_team", "problems_found"),
                           ("agg_petitions_by_team", "petitions_received"),
                           ("agg_targets_by_team", "targets_inspected")):
            s.sql_write(f"UPDATE {table} SET n = n + 1 WHERE n > 0")
            r = run_cli("stats", "--verify", db=s.db, check=False)
            assert r.returncode == 1, (table, r.returncode, r.stdout, r.stderr)
            assert fig in r.stdout and table in r.stdout and "按组汇总" in r.stdout, r.stdout
            # the detail table is right: only the rollup's figures disagree
            assert f"{fig}: 记录" in r.stdout and "汇总 " in r.stdout
            s.sql_write(f"UPDATE {table} SET n = n - 1 WHERE n > 0")
            verify(s)
        # (035) the rollups by unit alone, verified the same way
        for table, fig in (("agg_problems_units", "problems_found"),
                           ("agg_petitions_units", "petitions_received")):
            s.sql_write(f"UPDATE {table} SET n = n + 1 WHERE n > 0")
            r = run_cli("stats", "--verify", db=s.db, check=False)
            assert r.returncode == 1, (table, r.returncode, r.stdout, r.stderr)
            assert f"{fig}: 记录" in r.stdout and table in r.stdout and "按单位合计" in r.stdout, r.stdout
            s.sql_write(f"UPDATE {table} SET n = n - 1 WHERE n > 0")
            verify(s)
        # the office's chart by unit sums the rollup by unit alone
        office = s.client("office")
        unit_chart = lambda: {g["id"]: g["value"] for g in expect_ok(
            office.get("/api/v1/stats/problems_found/groups?by=unit"))["groups"]}
        before_units = unit_chart()
        s.sql_write("UPDATE agg_problems_units SET n = n + 3 WHERE n > 0 AND state = 'confirmed'")
        assert sum(unit_chart().values()) == sum(before_units.values()) + 3 * len(before_units), before_units
        s.sql_write("UPDATE agg_problems_units SET n = n - 3 WHERE n > 0 AND state = 'confirmed'")
        verify(s)
        # the figure a user sees comes from the rollup: corrupt it, the office's figure moves
        val = lambda: [m["value"] for m in expect_ok(office.get("/api/v1/stats"))["measures"]
                       if m["name"] == "problems_found"][0]
        before = val()
        s.sql_write("UPDATE agg_problems_by_team SET n = n + 5 WHERE n > 0 AND state = 'confirmed'")
        assert val() == before + 5
        # a rebuild from the list of aggregate tables (the bulk path's last step) puts every
        # table right, the detail tables too
        s.sql_write("UPDATE agg_problems SET n = n + 2 WHERE n > 0")
        s.sql_write("DELETE FROM agg_targets")
        assert run_cli("stats", "--verify", db=s.db, check=False).returncode == 1
        r = run_cli("stats", "--rebuild", db=s.db, check=False)
        assert r.returncode == 0 and "已重建汇总表" in r.stdout, (r.stdout, r.stderr)
        verify(s)
        assert val() == before


# ---- migration 034: durations from day-count histograms; overdue tasks by subtraction ----------
DAYS34 = ("days_discovery_to_handover", "days_handover_to_registration", "days_handover_to_disposal",
          "days_handover_to_conclusion", "days_assistance_turnaround")
FIGS34 = DAYS34 + ("rect_tasks_overdue",)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return float(xs[n // 2]) if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def figures34(s, clients):
    """Each role's durations and overdue tasks (from the histograms and the aggregate minus the
    tasks not yet due, or all from the records with XUNJI_STATS_NO_AGG=1): a duration's count,
    median, minimum and maximum are those of its drill-down's records (the user's own: the
    same visibility), the overdue count its drill-down's; every group chart (by round, team,
    unit) sums to the figure and each group equals the figure filtered to that group."""
    out = {}
    for name, c in clients.items():
        r = c.get("/api/v1/stats")
        if r.status == 403:
            out[name] = None
            continue
        got = {m["name"]: m for m in expect_ok(r)["measures"]}
        out[name] = {}
        for f in FIGS34:
            if f not in got:
                continue
            m = got[f]
            dd = expect_ok(c.get(f"/api/v1/stats/{f}/records?per_page=200"))
            if f in DAYS34:
                ds = [i["days"] for i in dd["items"]]
                assert None not in ds and m["count"] == dd["total"] == len(ds), (name, f, m, dd["total"], ds)
                want = (median(ds), min(ds), max(ds)) if ds else (None, None, None)
                assert (m["median"], m["min"], m["max"]) == want and m["value"] == m["median"], (name, f, m, ds)
                val = (m["count"], m["median"], m["min"], m["max"])
            else:
                assert m["value"] == dd["total"] == len(dd["items"]), (name, f, m, dd["total"])
                assert all(i["state"] in ("open", "in_progress") for i in dd["items"]), dd["items"]
                val = m["value"]
            for by in ("round", "team", "unit"):
                gr = expect_ok(c.get(f"/api/v1/stats/{f}/groups?by={by}"))["groups"]
                key = "count" if f in DAYS34 else "value"
                assert sum(g.get(key) for g in gr) == (m[key] if gr else 0), (name, f, by, gr, m)
                for g in gr:
                    one = [x for x in expect_ok(c.get(f"/api/v1/stats?{by}_id={g['id']}"))["measures"]
                           if x["name"] == f][0]
                    for k in ("value", "count", "median", "min", "max"):
                        assert g.get(k) == one.get(k), (name, f, by, g, one)
            out[name][f] = val
    verify(s)
    return out


def every_chart_is_its_groups_figures(s, clients):
    """Every measure's chart by round, team and unit (one or two grouped queries each, from
    the aggregates or the records): each group is the figure with that group as a filter, field
    for field, and the charts' groups are the ones that hold records."""
    for name, c in clients.items():
        got = {m["name"]: m for m in expect_ok(c.get("/api/v1/stats"))["measures"]}
        # a distinct-people figure (036: the records alone, through an index, for a user
        # whose rules cover every record) is its drill-down's people (listed through the
        # kind's condition and the joins)
        for f, m in got.items():
            if m["kind"] == "distinct":
                dd = expect_ok(c.get(f"/api/v1/stats/{f}/records?per_page=200"))
                assert m["value"] == dd["total"] == len(dd["items"]), (name, f, m, dd["total"])
        for by in ("round", "team", "unit"):
            charts, ids = {}, set()
            for f in got:
                r = c.get(f"/api/v1/stats/{f}/groups?by={by}")
                if r.status == 400:  # the measure's records have no such column
                    continue
                charts[f] = expect_ok(r)["groups"]
                ids |= {g["id"] for g in charts[f]}
            for gid in sorted(ids):
                one = {m["name"]: m for m in expect_ok(c.get(f"/api/v1/stats?{by}_id={gid}"))["measures"]}
                for f, gr in charts.items():
                    mine = [g for g in gr if g["id"] == gid]
                    want = {k: v for k, v in one[f].items() if k != "ignored_filters"}
                    if not mine:  # no records of the figure in that group
                        assert want.get("count", want.get("denominator", want["value"])) in (0, None, "0.00"), \
                            (name, f, by, gid, want)
                        continue
                    g = {k: v for k, v in mine[0].items() if k not in ("id", "group")}
                    assert g == want, (name, f, by, gid, g, want)


def steps34(s, cl):
    """Clues handed over and worked through on several days, an assistance request, tasks whose
    deadlines pass, a report copied (the commission's tasks), a task finished: each role's
    figures after each step."""
    tg = s.ids["targets"]
    member1, leader1, lg, office, unit1, inv = (cl["member1"], cl["leader1"], cl["lg"], cl["office"],
                                                cl["unit1"], cl["investigation"])
    casemgmt = s.client("casemgmt")
    seen = [figures34(s, cl)]
    mk = lambda t, title, d: expect(member1.post("/api/v1/clues", {
        "target_id": t, "title": title, "subject_name": "刘某", "subject_post": "会计", "source": "records",
        "discovered_on": days_from_today(d), "allegation": "将公款存入个人账户"}), 201).json["id"]
    c1, c2, c3 = mk(tg["u1"], "线索一", -10), mk(tg["u1"], "线索二", -3), mk(tg["u2"], "线索三", 0)
    for c in (c1, c2, c3):
        expect(leader1.post(f"/api/v1/clues/{c}/verify"), 200)
    expect(office.post(f"/api/v1/clues/{c1}/handover"), 200)
    expect(office.post(f"/api/v1/clues/{c3}/handover"), 200)
    expect(casemgmt.post(f"/api/v1/clues/{c3}/register"), 200)  # registered the day it came
    seen.append(figures34(s, cl))
    # problems, a report, its feedback; the unit's tasks, due in 2, 10 and 45 days
    ps = [problem(member1, tg["u1"]) for _ in range(2)]
    for p in ps:
        expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
    rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
    expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(),
                                                          "feedback_text": "反馈意见"}), 200)
    expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan", {"plan_text": "整改方案"}), 200)
    task = lambda p, d: expect(unit1.post("/api/v1/rect-tasks", {
        "problem_id": p, "measure": "追回资金", "owner_name": "王某", "deadline": days_from_today(d)}),
        201).json["id"]
    t1, _, _ = task(ps[0], 2), task(ps[0], 45), task(ps[1], 10)
    seen.append(figures34(s, cl))
    # four days later: c1 registered, disposed, concluded; c2 handed over
    s.shift_clock(4, *cl.values(), casemgmt)
    expect(office.post(f"/api/v1/clues/{c2}/handover"), 200)
    expect(casemgmt.post(f"/api/v1/clues/{c1}/register"), 200)
    expect(casemgmt.post(f"/api/v1/clues/{c1}/dispose", {"method": "preliminary_verification"}), 200)
    expect(inv.post(f"/api/v1/clues/{c1}/outcome", {"case_filed_on": days_from_today(4),
                                                   "authority": "枣阳市纪委监委"}), 200)
    expect(inv.post(f"/api/v1/clues/{c1}/conclude", {"result": "case_filed", "note": "已立案"}), 200)
    # accountability on c1: one person twice (counted once by people_accountable), another
    for who_, outcome in (("刘某", "party_serious_warning"), ("刘某", "work_interview"), ("王某", "party_warning")):
        expect(inv.post("/api/v1/accountability", {
            "clue_id": c1, "subject_kind": "person", "subject_name": who_, "subject_post": "会计",
            "outcome": outcome, "authority": "中共枣阳市纪律检查委员会", "decided_on": days_from_today(4)}), 201)
    # an assistance request, forwarded to the commission (its figures) and completed
    aid = expect(member1.post("/api/v1/assistance", {
        "target_id": tg["u1"], "need": "查询银行流水", "reason": "固定资金去向", "problem_id": ps[0]}),
        201).json["id"]
    expect(leader1.post(f"/api/v1/assistance/{aid}/submit"), 200)
    expect(lg.post(f"/api/v1/assistance/{aid}/approve", {"note": "同意"}), 200)
    expect(office.post(f"/api/v1/assistance/{aid}/forward"), 200)
    expect(inv.post(f"/api/v1/assistance/{aid}/accept"), 200)
    seen.append(figures34(s, cl))
    expect(inv.post(f"/api/v1/assistance/{aid}/complete", {"result": "经查询, 收到单位公款38.6万元",
                                                          "evidence_fixed": "银行流水3份"}), 200)
    seen.append(figures34(s, cl))
    # twenty days on: two tasks are overdue (the server's clock decides, not the machine's)
    s.shift_clock(20, *cl.values(), casemgmt)
    seen.append(figures34(s, cl))
    # the copy hands the tasks to the commission: the liaison's overdue figure moves
    expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
    seen.append(figures34(s, cl))
    # a finished task is no longer overdue
    expect(unit1.post(f"/api/v1/rect-tasks/{t1}/progress", {"text": "已追回资金"}), 201)
    expect(unit1.post(f"/api/v1/rect-tasks/{t1}/finish", {"note": "完成"}), 200)
    seen.append(figures34(s, cl))
    return seen


@test
def durations_and_overdue_tasks_equal_the_records_for_every_role():
    """The same steps on two servers, one answering from the 034 histograms and the aggregate
    minus the tasks not yet due, one from the records (XUNJI_STATS_NO_AGG=1): at each step every
    role's figures agree with their drill-downs and charts, and the two servers agree."""
    runs = []
    for env in ({}, {"XUNJI_STATS_NO_AGG": "1"}):
        with Server(env=env) as s:
            cl = {u: s.client(u) for u in ROLES}
            runs.append(steps34(s, cl))
            seen = runs[-1]
            lg = [x["lg"] for x in seen]
            # the steps moved the figures: durations of 10 and 0 days (median 5), then 13 days
            assert lg[1]["days_discovery_to_handover"] == (2, 5.0, 0, 10), lg[1]
            assert lg[3]["days_discovery_to_handover"] == (3, 7.0, 0, 10), lg[3]
            assert lg[3]["days_handover_to_registration"] == (2, 2.0, 0, 4), lg[3]
            assert lg[3]["days_handover_to_conclusion"] == (1, 4.0, 4, 4), lg[3]
            assert lg[4]["days_assistance_turnaround"] == (1, 0.0, 0, 0), lg[4]
            # (the task due in 2 days is overdue 4 days on, the one due in 10 days 20 days on)
            assert [x.get("rect_tasks_overdue") for x in lg] == [0, 0, 0, 1, 1, 2, 2, 1], lg
            liaison = [(x["liaison"] or {}).get("rect_tasks_overdue", 0) for x in seen]
            assert liaison[5] == 0 and liaison[6] == 2 and liaison[7] == 1, liaison
            assert (seen[4]["leader1"] or {}).get("days_assistance_turnaround") == (1, 0.0, 0, 0), seen[4]
            people = [m["value"] for m in expect_ok(cl["lg"].get("/api/v1/stats"))["measures"]
                      if m["name"] == "people_accountable"]
            assert people == [2], people
            every_chart_is_its_groups_figures(s, {u: cl[u] for u in ("lg", "liaison", "leader1", "dispatched1")})
            if not env:
                # the figures come from the tables: corrupt one, --verify names it and its figure
                for table, fig in (("agg_clue_days_hr", "days_handover_to_registration"),
                                   ("agg_clue_days_dh_by_team", "days_discovery_to_handover"),
                                   ("agg_assist_days", "days_assistance_turnaround"),
                                   ("agg_rect_tasks_by_team", "rect_tasks_overdue")):
                    s.sql_write(f"UPDATE {table} SET n = n + 1 WHERE n > 0")
                    r = run_cli("stats", "--verify", db=s.db, check=False)
                    assert r.returncode == 1, (table, r.returncode, r.stdout, r.stderr)
                    assert f"{fig}: 记录" in r.stdout and table in r.stdout, (table, r.stdout)
                    s.sql_write(f"UPDATE {table} SET n = n - 1 WHERE n > 0")
                    verify(s)
                # a stray day count (a row no record makes) is found too, and rebuilt away
                s.sql_write("INSERT INTO agg_clue_days_hc (round_id, team_id, unit_id, state, days, n) "
                            "SELECT round_id, team_id, unit_id, 'concluded', 99, 1 FROM targets LIMIT 1")
                r = run_cli("stats", "--verify", db=s.db, check=False)
                assert r.returncode == 1 and "days_handover_to_conclusion" in r.stdout, r.stdout
                assert run_cli("stats", "--rebuild", db=s.db, check=False).returncode == 0
                verify(s)
    assert runs[0] == runs[1], [(i, a, b) for i, (a, b) in enumerate(zip(*runs)) if a != b][:1]
