"""Statistics, drill-downs, ledgers, letters and the programme read paths ask
the one visibility model (issue 14, item 2): every source of the measures
table names its record kind and its rows are the rows of that kind the
user's own read path shows.

On the zaoyang seed plus records made here through the API (a report fed
back but not copied, an institution of its target, pre-patrol briefings of
a new target, letters), for every demo account:
- every figure equals its drill-down's total;
- the drill-down of each source holds exactly the rows the kind's own list
  shows the user (regression: briefings and institutions were gated by the
  statistics scope and a neighbouring action, feedback by its action only);
- every drill-down row of a kind with a GET is one that GET shows;
- every ledger holds as many rows as its measure's drill-down, and the
  summary export exactly the figures of GET /stats;
- every letter listed is one the user's GET of the letter and of its
  record shows."""
import xlsxio
from lib import Server, days_from_today, expect, run_cli, test, today_shanghai

ACCOUNTS = ["lg", "office", "leader1", "member1", "member2", "liaison", "casemgmt", "petitions",
            "conduct", "investigation", "verification", "cadre", "dispatched1", "unit1", "orgdept",
            "sysadmin", "secadmin", "auditadmin"]

# measure -> (the kind's own list, a filter on its items for the source's base condition)
FED = ("fed_back", "copied")
SOURCES = {
    "feedback_given": ("/api/v1/reports", lambda i: i["state"] in FED),
    "institutions_revised": ("/api/v1/institutions", None),
    "briefings_requested": ("/api/v1/briefings", None),
    "petitions_received": ("/api/v1/petitions", None),
    "targets_inspected": ("/api/v1/targets", None),
    "cadre_movements": ("/api/v1/cadre-movements", None),
    "problems_found": ("/api/v1/problems", lambda i: i["state"] != "draft"),
    "rect_tasks_total": ("/api/v1/rect-tasks", None),
    "accountability_records": ("/api/v1/accountability", lambda i: i["state"] == "decided"),
    "assistance_requests": ("/api/v1/assistance", lambda i: i["state"] != "draft"),
}
# measure -> the GET of one of its rows
GETS = {"feedback_given": "/api/v1/reports", "problems_found": "/api/v1/problems",
        "rect_tasks_total": "/api/v1/rect-tasks", "targets_inspected": "/api/v1/targets",
        "accountability_records": "/api/v1/accountability", "assistance_requests": "/api/v1/assistance",
        "notices_open": "/api/v1/notices"}
LETTER_GETS = {"report": "/api/v1/reports", "notice": "/api/v1/notices", "round": "/api/v1/rounds",
               "clue": "/api/v1/clues", "assistance": "/api/v1/assistance"}


def all_items(c, path):
    """Every item of a paged list (None when the user may not list it)."""
    out, page = [], 1
    while True:
        r = c.get(f"{path}{'&' if '?' in path else '?'}per_page=200&page={page}")
        if r.status in (403, 404):
            return None
        d = expect(r, 200).json
        out += d["items"]
        if len(out) >= d["total"] or not d["items"]:
            return out
        page += 1


def drill_ids(c, m):
    items = all_items(c, f"/api/v1/stats/{m}/records")
    return None if items is None else {i["id"] for i in items}


def drill_total(c, m):
    return expect(c.get(f"/api/v1/stats/{m}/records?per_page=1"), 200).json["total"]


def figure_count(fig):
    """The number of rows (or groups) a figure stands for, as its drill-down counts them."""
    k = fig["kind"]
    if k in ("count", "distinct", "dist"):
        return fig["value"]
    if k == "days":
        return fig["count"]
    if k == "ratio":
        return fig["numerator"]
    return None  # sums: their rows are those of the source's count figure


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": "01940000-0000-7000-8000-040300000000",
            "title": "公款私存", "description": "单位会计将人防易地建设费存入个人账户",
            "amount": "1234.56", "people": "会计 刘某某", "found_by": "records",
            "found_on": today_shanghai(), "inaction": False}
    body.update(kw)
    return expect(c.post("/api/v1/problems", body), 201).json["id"]


def scenario(s):
    """rep1: u1's report fed back, not copied, with p1 and an institution;
    a new round's target on u1 with its five pre-patrol briefings; a vetting
    letter for that round."""
    tg, o = s.ids["targets"], s.ids["orgs"]
    member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
    unit1 = s.client("unit1")
    p1 = problem(member1, tg["u1"], title="人防易地建设费公款私存")
    expect(leader1.post(f"/api/v1/problems/{p1}/confirm"), 200)
    rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告正文"}), 201).json["id"]
    expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep}/feedback",
                       {"meeting_date": today_shanghai(), "attendees": 120, "feedback_text": "反馈意见"}), 200)
    inst = expect(unit1.post("/api/v1/institutions", {"target_id": tg["u1"], "name": "人防易地建设费管理办法",
                                                      "kind": "revised", "issued_on": today_shanghai()}),
                  201).json["id"]
    rnd = expect(office.post("/api/v1/rounds", {"name": "八届市委第九轮巡察", "term": "八届", "seq": 9}), 201).json
    team = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "group_id": o["g2"], "name": "第一巡察组"}),
                  201).json["id"]
    target = expect(office.post(f"/api/v1/teams/{team}/targets",
                                {"unit_ids": [o["u1"]], "entry_date": days_from_today(10)}), 201).json["items"][0]["id"]
    briefings = expect(office.post(f"/api/v1/targets/{target}/briefings", {"due_date": days_from_today(9)}),
                       201).json["items"]
    pid = expect(office.post("/api/v1/persons", {"name": "赵审核", "post": "科员", "org_id": o["orgdept"]}),
                 201).json["id"]
    expect(office.post(f"/api/v1/teams/{team}/members", {"person_id": pid, "role": "leader", "origin": "seconded",
                                                         "source_unit_id": o["orgdept"]}), 201)
    expect(office.post(f"/api/v1/rounds/{rnd['id']}/vetting", {}), 200)
    expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rnd["id"]}), 201)
    return dict(p1=p1, rep=rep, inst=inst, team=team, target=target, briefings=briefings, round=rnd["id"])


CLIENTS = {}


def client(s, login):
    """One session per account and server (logins are rate-limited)."""
    key = (id(s), login)
    if key not in CLIENTS:
        CLIENTS[key] = s.client(login)
    return CLIENTS[key]


def check_role(s, login, bad):
    """The invariants for one account, each broken one appended to bad;
    returns {measure: drill-down ids}."""
    c = client(s, login)
    st = c.get("/api/v1/stats")
    seen = {}
    if st.status == 403:
        for m in list(SOURCES) + ["team_members"]:
            expect(c.get(f"/api/v1/stats/{m}/records"), 403)
        expect(c.get("/api/v1/ledgers/problems"), 403)
    else:
        figures = {m["name"]: m for m in expect(st, 200).json["measures"]}
        listed = {m["name"] for m in expect(c.get("/api/v1/stats/measures"), 200).json["items"]}
        assert listed == set(figures), (login, listed ^ set(figures))
        # every figure equals its drill-down's total
        for name, fig in figures.items():
            want = figure_count(fig)
            if want is not None and drill_total(c, name) != want:
                bad.append((login, name, "figure", want, drill_total(c, name)))
        # each source's drill-down holds exactly the rows its kind's list shows
        for m, (path, base) in SOURCES.items():
            if m not in figures:
                expect(c.get(f"/api/v1/stats/{m}/records"), 403)
                continue
            ids = drill_ids(c, m)
            items = all_items(c, path)
            assert items is not None, (login, m, "counts what it cannot list")
            own = {i["id"] for i in items if not base or base(i)}
            if ids != own:
                bad.append((login, m, "drill-down", len(ids), "list", len(own)))
            seen[m] = ids
        # a sample of each drill-down is readable by the record's own GET
        for m, path in GETS.items():
            if m in figures:
                for i in sorted(drill_ids(c, m))[:15]:
                    expect(c.get(f"{path}/{i}"), 200)
        # the summary export carries exactly these figures (and so their drill-downs)
        sheets = xlsxio.read_all(expect(c.get("/api/v1/stats/summary.xlsx"), 200).raw)
        rows = {r["指标代码"]: r["数值"] for r in sheets["统计指标"].records()}
        assert set(rows) == set(figures), (login, set(rows) ^ set(figures))
        for name, fig in figures.items():
            if fig["kind"] in ("count", "distinct", "dist") and rows[name] != fig["value"]:
                bad.append((login, name, "summary", rows[name], fig["value"]))
        # every ledger holds its measure's drill-down
        r = c.get("/api/v1/ledgers")
        ledgers = expect(r, 200).json["items"] if r.status != 403 else []
        for lgr in ledgers:
            recs = xlsxio.read(expect(c.get(f"/api/v1/ledgers/{lgr['name']}"), 200).raw).records()
            assert len(recs) == drill_total(c, lgr["measure"]), (login, lgr["name"])
    # every letter listed is readable, and so is its record
    r = c.get("/api/v1/documents?per_page=200")
    if r.status == 200:
        for d in r.json["items"]:
            expect(c.get(f"/api/v1/documents/{d['id']}"), 200)
            base = LETTER_GETS[d["object_kind"]]
            expect(c.get(f"{base}/{d['object_id']}"), 200)
    return seen


@test
def every_figure_ledger_and_letter_follows_the_records_kind():
    s = Server()
    with s:
        run_cli("seed", "zaoyang", db=s.db)
        s.start()
        x = scenario(s)
        bad = []
        seen = {login: check_role(s, login, bad) for login in ACCOUNTS}
        assert not bad, bad
        # the checks had something to check
        assert len(expect(client(s, "office").get("/api/v1/ledgers"), 200).json["items"]) == 4
        assert expect(client(s, "office").get("/api/v1/documents"), 200).json["total"] == 1
        assert all(seen[r] for r in ("lg", "office", "liaison", "leader1", "dispatched1"))
        # the report fed back but not copied: the commission does not count it
        # (it did before: reports were gated by report.read alone)
        assert x["rep"] in seen["office"]["feedback_given"] and x["rep"] not in seen["liaison"]["feedback_given"]
        expect(client(s, "liaison").get(f"/api/v1/reports/{x['rep']}"), 404)
        # its institution: rect.read, not target.list (the commission saw it before)
        assert x["inst"] in seen["office"]["institutions_revised"]
        assert x["inst"] not in seen["liaison"]["institutions_revised"]
        assert x["inst"] in seen["dispatched1"]["institutions_revised"]
        # the dispatched group counts the briefing it answers, not the desks' (it counted all five)
        mine = {b["id"] for b in x["briefings"] if b["source"] == "dispatched_group"}
        assert len(mine) == 1 and seen["dispatched1"]["briefings_requested"] == mine
        assert {b["id"] for b in x["briefings"]} <= seen["office"]["briefings_requested"]
        # the seed's records are the office's, never a team's of the demo
        assert len(seen["office"]["problems_found"]) > 1000 and len(seen["leader1"]["problems_found"]) == 1
        # after the copy the commission counts the report and reads its letter
        office, liaison = client(s, "office"), client(s, "liaison")
        expect(office.post(f"/api/v1/reports/{x['rep']}/copy"), 200)
        expect(office.post("/api/v1/documents", {"kind": "feedback_copy", "object_id": x["rep"]}), 201)
        again = check_role(s, "liaison", bad)
        assert x["rep"] in again["feedback_given"] and x["inst"] in again["institutions_revised"]
        assert expect(liaison.get("/api/v1/documents?kind=feedback_copy"), 200).json["total"] == 1
        for login in ("unit1", "dispatched1", "leader1", "casemgmt"):
            check_role(s, login, bad)
        assert not bad, bad


@test
def programme_read_paths_ask_the_model():
    with Server() as s:
        o = s.ids["orgs"]
        office, leader1, cadre = s.client("office"), s.client("leader1"), s.client("cadre")
        rnd = expect(office.post("/api/v1/rounds", {"name": "八届市委第九轮巡察", "term": "八届", "seq": 9}), 201).json
        team = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "group_id": o["g2"], "name": "第二巡察组"}),
                      201).json["id"]
        pid = expect(office.post("/api/v1/persons", {"name": "钱审核", "post": "科员", "org_id": o["orgdept"]}),
                     201).json["id"]
        expect(office.post(f"/api/v1/teams/{team}/members", {"person_id": pid, "role": "leader", "origin": "seconded",
                                                             "source_unit_id": o["orgdept"]}), 201)
        expect(office.post(f"/api/v1/rounds/{rnd['id']}/vetting", {}), 200)
        # the members' list: the vetting state only to those who may read vettings
        # (a team leader saw it before: it came with team.list)
        for c, want in ((office, "pending"), (cadre, "pending"), (leader1, None)):
            items = expect(c.get(f"/api/v1/teams/{team}/members"), 200).json["items"]
            assert [m["vetting"] for m in items] == [want], (c.login_name, items)
        expect(leader1.get("/api/v1/vettings"), 403)
        # the vetting list and the cadre figures count the same vettings
        assert expect(cadre.get(f"/api/v1/vettings?round_id={rnd['id']}"), 200).json["total"] == 1
        fig = expect(cadre.get("/api/v1/cadre-stats"), 200).json
        assert fig["persons_vetted"] == 0 and fig["objections"] == 0
        vid = expect(cadre.get(f"/api/v1/vettings?round_id={rnd['id']}"), 200).json["items"][0]["id"]
        expect(cadre.post(f"/api/v1/vettings/{vid}/answer", {"result": "objection", "reason": "有信访举报"}), 200)
        fig = expect(cadre.get("/api/v1/cadre-stats"), 200).json
        assert fig["persons_vetted"] == 1 and fig["objections"] == 1
        expect(leader1.get("/api/v1/cadre-stats"), 403)
        # the accountability pending list and the institutions list still answer their readers
        assert expect(office.get("/api/v1/accountability/pending?days=0"), 200).json["total"] == 0
        assert expect(s.client("liaison").get("/api/v1/institutions"), 200).json["total"] == 0
