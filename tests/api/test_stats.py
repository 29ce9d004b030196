"""Statistics computed from the records (issue 6): every figure comes from the
one measures table, each drill-down returns exactly the records counted,
filters narrow (or are reported as not applicable), and what a role may see
follows the policy: a team only its own, the unit nothing, the commission's
liaison everything."""
from urllib.parse import quote

from lib import Server, expect, test, today_shanghai, days_from_today


def lit(v):
    """A value as an SQL literal (the statements go to sqlite3 or psql as text)."""
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def stats(c, query=""):
    r = expect(c.get("/api/v1/stats" + query), 200)
    return {m["name"]: m for m in r.json["measures"]}


def records(c, name, query=""):
    sep = "&" if query else ""
    return expect(c.get(f"/api/v1/stats/{name}/records?per_page=200{sep}{query}"), 200).json


def clue(s, member, leader, office, unit, discovered, title):
    r = expect(member.post("/api/v1/clues", {
        "target_id": s.ids["targets"][unit], "title": title, "subject_name": "王某某", "subject_post": "会计",
        "source": "records", "discovered_on": discovered, "allegation": "反映公款私存问题, 需要核实。"}), 201)
    cid = r.json["id"]
    expect(leader.post(f"/api/v1/clues/{cid}/verify", {}), 200)
    expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
    return cid


@test
def clue_figures_and_their_records():
    with Server() as s:
        office, lg, liaison = s.client("office"), s.client("lg"), s.client("liaison")
        m1, l1 = s.client("member1"), s.client("leader1")
        case, invest = s.client("casemgmt"), s.client("investigation")
        before = stats(office)
        assert before["clues_handed_over"]["value"] == 0
        assert before["days_discovery_to_handover"]["value"] is None

        a = clue(s, m1, l1, office, "u1", days_from_today(-10), "人防办公款私存")
        b = clue(s, m1, l1, office, "u2", days_from_today(-4), "扶贫资金优亲厚友")
        # a draft never counts (nothing has crossed to the commission)
        expect(m1.post("/api/v1/clues", {
            "target_id": s.ids["targets"]["u1"], "title": "草稿", "subject_name": "甲", "source": "interview",
            "discovered_on": today_shanghai(), "allegation": "尚未核实的内容"}), 201)
        expect(case.post(f"/api/v1/clues/{a}/register"), 200)
        expect(case.post(f"/api/v1/clues/{a}/dispose", {"method": "preliminary_verification",
                                                        "dept_id": s.ids["orgs"]["investigation"]}), 200)
        expect(invest.post(f"/api/v1/clues/{a}/conclude", {"result": "case_filed"}), 200)

        st = stats(office)
        assert st["clues_handed_over"]["value"] == 2
        assert st["clues_during_patrol"]["value"] == 2 and st["clues_after_patrol"]["value"] == 0
        assert st["clues_registered"]["value"] == 1 and st["clues_concluded"]["value"] == 1
        d = st["days_discovery_to_handover"]
        assert (d["count"], d["median"], d["max"], d["min"]) == (2, 7, 10, 4), d
        assert st["days_handover_to_registration"]["max"] == 0
        methods = {x["code"]: x["n"] for x in st["clue_disposal_methods"]["by"]}
        assert methods == {"talk_inquiry": 0, "preliminary_verification": 1, "pending": 0, "closed_out": 0}
        labels = {x["code"]: x["label"] for x in st["clue_results"]["by"]}
        assert labels["case_filed"] == "立案" and st["clue_results"]["value"] == 1

        # every figure's drill-down holds exactly the records counted
        for name in ("clues_handed_over", "clues_during_patrol", "clues_registered", "clues_concluded",
                     "days_discovery_to_handover", "clue_disposal_methods"):
            rec = records(office, name)
            assert rec["total"] == st[name]["value"] if st[name]["kind"] != "days" else st[name]["count"]
            assert len(rec["items"]) == rec["total"], (name, rec)
        assert {x["id"] for x in records(office, "clues_handed_over")["items"]} == {a, b}
        assert [x["id"] for x in records(office, "clues_registered")["items"]] == [a]
        days = {x["id"]: x["days"] for x in records(office, "days_discovery_to_handover")["items"]}
        assert days == {a: 10, b: 4}
        rec = records(office, "clue_disposal_methods", "key=preliminary_verification")
        assert rec["total"] == 1 and rec["items"][0]["id"] == a
        assert records(office, "clue_disposal_methods", "key=talk_inquiry")["total"] == 0
        # the allegation never leaves through statistics
        assert all("allegation" not in str(x) for x in records(office, "clues_handed_over")["items"])

        # filters narrow; filters that do not apply are named
        u1 = s.ids["orgs"]["u1"]
        assert stats(office, f"?unit_id={u1}")["clues_handed_over"]["value"] == 1
        assert [x["id"] for x in records(office, "clues_handed_over", f"unit_id={u1}")["items"]] == [a]
        assert stats(office, f"?team_id={s.ids['teams']['t2']}")["clues_handed_over"]["value"] == 0
        assert stats(office, f"?round_id={s.ids['round']}")["clues_handed_over"]["value"] == 2
        assert stats(office, "?level=township")["clues_handed_over"]["value"] == 0
        today = today_shanghai()
        assert stats(office, f"?from={today}&to={today}")["clues_handed_over"]["value"] == 2
        assert stats(office, f"?from={days_from_today(1)}")["clues_handed_over"]["value"] == 0
        assert stats(office, f"?to={days_from_today(-1)}")["clues_handed_over"]["value"] == 0
        st = stats(office, f"?unit_id={u1}")
        assert st["cadre_movements"]["ignored_filters"] == ["unit_id"]
        assert st["clues_handed_over"]["ignored_filters"] == []

        # bad input is refused in Chinese, never a 500
        expect(office.get("/api/v1/stats?round_id=abc"), 400, "invalid_field")
        expect(office.get("/api/v1/stats?from=2026-02-30"), 400, "invalid_field")
        expect(office.get(f"/api/v1/stats?from={today}&to={days_from_today(-3)}"), 400, "invalid_field")
        expect(office.get("/api/v1/stats?level=province"), 400, "invalid_field")
        expect(office.get("/api/v1/stats?frobnicate=1"), 400, "unknown_field")
        expect(office.get("/api/v1/stats/no_such_measure/records"), 404)
        expect(office.get("/api/v1/stats/clues_handed_over/records?per_page=0"), 400)

        # the leading group and the liaison see the same figures as the office
        assert stats(lg)["clues_handed_over"]["value"] == 2
        assert stats(liaison)["clues_handed_over"]["value"] == 2


@test
def what_each_role_may_count():
    with Server() as s:
        office, m1, l1 = s.client("office"), s.client("member1"), s.client("leader1")
        clue(s, m1, l1, office, "u1", today_shanghai(), "第一组线索")
        # a team counts its own records only
        assert stats(m1)["clues_handed_over"]["value"] == 1
        assert stats(s.client("member2"))["clues_handed_over"]["value"] == 0
        assert records(s.client("member2"), "clues_handed_over")["total"] == 0
        # a team cannot count vettings (it cannot list them)
        assert "vettings_answered" not in stats(m1)
        expect(m1.get("/api/v1/stats/vettings_answered/records"), 403, "forbidden")
        # a dispatched group counts the units it supervises, never clues
        dg = stats(s.client("dispatched1"))
        assert "clues_handed_over" not in dg and "briefings_requested" in dg
        expect(s.client("dispatched1").get("/api/v1/stats/clues_handed_over/records"), 403)
        # the unit, the commission's departments and the 三员 see no statistics
        for login in ("unit1", "casemgmt", "sysadmin", "auditadmin"):
            expect(s.client(login).get("/api/v1/stats"), 403, "forbidden")
        names = [m["name"] for m in expect(office.get("/api/v1/stats/measures"), 200).json["items"]]
        assert "clues_during_patrol" in names and "rectification_rate" in names
        # denials are audited
        assert s.sql("SELECT count(*) FROM audit WHERE action='stats.read' AND result='denied'")[0][0] >= 4


def person(office, name, org):
    return expect(office.post("/api/v1/persons", {"name": name, "post": "干部", "org_id": org}), 201).json["id"]


@test
def vetting_and_commission_cadres():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre = s.client("office"), s.client("lg"), s.client("cadre")
        rid = expect(office.post("/api/v1/rounds", {
            "name": "八届市委第六轮巡察", "term": "八届", "seq": 6, "kind": "special", "campaign": "人防领域专项治理",
            "theme": "专项巡察", "planned_start": days_from_today(20), "planned_end": days_from_today(60)}), 201).json["id"]
        tid = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": o["g1"], "name": "第一巡察组"}),
                     201).json["id"]
        people = []
        for k, (role, origin) in enumerate([("leader", "commission"), ("deputy", "seconded"),
                                            ("commissioner", "commission"), ("member", "commission")]):
            pid = person(office, f"干部{k}", o["casemgmt"] if origin == "commission" else o["orgdept"])
            body = {"person_id": pid, "role": role, "origin": origin}
            if origin == "seconded":
                body["source_unit_id"] = o["orgdept"]
            expect(office.post(f"/api/v1/teams/{tid}/members", body), 201)
            people.append(pid)
        expect(office.post(f"/api/v1/rounds/{rid}/vetting", {}), 200)
        pending = expect(cadre.get(f"/api/v1/vettings?round_id={rid}&per_page=100"), 200).json["items"]
        assert len(pending) == 4
        for i, v in enumerate(pending):
            body = {"result": "objection", "reason": "有反映其违规收受礼金, 正在核实"} if i == 0 else {"result": "clear"}
            expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", body), 200)
        objected = pending[0]["person_id"]

        q = f"?round_id={rid}"
        st = stats(office, q)
        assert st["vettings_answered"]["value"] == 4
        assert st["vettings_objection"]["value"] == 1
        assert st["vettings_pending"]["value"] == 0
        assert st["team_members"]["value"] == 4
        assert st["commission_cadres"]["value"] == 3
        rec = records(office, "vettings_objection", q[1:])
        assert [x["id"] for x in rec["items"]] == [pending[0]["id"]] and rec["items"][0]["reason"]
        cc = records(office, "commission_cadres", q[1:])
        assert cc["total"] == 3 and {x["person_id"] for x in cc["items"]} == {people[0], people[2], people[3]}
        # the campaign and kind filters reach the round's records
        assert stats(office, "?campaign=" + quote("人防领域专项治理"))["commission_cadres"]["value"] == 3
        assert stats(office, "?round_kind=special")["vettings_answered"]["value"] == 4
        assert stats(office, "?campaign=" + quote("脱贫攻坚"))["vettings_answered"]["value"] == 0

        # a re-request makes the newer answer the current one: counted once
        expect(office.post(f"/api/v1/rounds/{rid}/vetting", {}), 200)
        st = stats(lg, q)
        assert st["vettings_answered"]["value"] + st["vettings_pending"]["value"] >= 4
        assert records(lg, "vettings_pending", q[1:])["total"] == st["vettings_pending"]["value"]
        assert objected


def insert_problems(s, rows):
    """Records of issue 4 (problems, tasks, institutions) written straight into the
    database, as its routes would, to check the figures defined on them."""
    user = s.sql("SELECT id FROM users WHERE login='member1'")[0][0]
    t = s.sql("SELECT id, round_id, team_id, unit_id FROM targets WHERE id=?", (s.ids["targets"]["u1"],))[0]
    cat = s.sql("SELECT id FROM problem_categories WHERE code='0403'")[0][0]  # a real row: PostgreSQL checks the key
    sql = []
    for i, (state, fen, fix) in enumerate(rows):
        pid = f"00000000-0000-7000-8000-{i:012d}"
        sql.append("INSERT INTO problems(id,seq_no,target_id,round_id,team_id,unit_id,category_id,title,"
                   "description,amount_fen,found_by,found_on,immediate_fix,state,created_by,created_at,"
                   "updated_at) VALUES(" + ",".join(lit(v) for v in (
                       pid, f"2026-{i + 1:04d}", t[0], t[1], t[2], t[3], cat, f"问题{i}", "描述", fen,
                       "records", today_shanghai(), fix, state, user, "2026-11-01T00:00:00Z",
                       "2026-11-01T00:00:00Z")) + ")")
        sql.append("INSERT INTO rect_tasks(id,problem_id,target_id,round_id,team_id,unit_id,measure,owner_name,"
                   "deadline,state,created_by,created_at,updated_at) VALUES(" + ",".join(lit(v) for v in (
                       pid.replace("8000", "9000"), pid, t[0], t[1], t[2], t[3], "整改措施", "张三",
                       days_from_today(-1 if i == 0 else 30), "open", user, "2026-11-01T00:00:00Z",
                       "2026-11-01T00:00:00Z")) + ")")
    sql.append("INSERT INTO institutions(id,target_id,round_id,unit_id,name,kind,issued_on,created_by,created_at)"
               " VALUES('00000000-0000-7000-a000-000000000001'," + ",".join(lit(v) for v in (
                   t[0], t[1], t[3], "公务接待管理办法", "revised", today_shanghai(), user,
                   "2026-11-01T00:00:00Z")) + ")")
    s.sql_script(sql)  # one transaction, as before


@test
def rectification_figures_with_exact_money():
    with Server() as s:
        office = s.client("office")
        insert_problems(s, [("rectified", 1238000, 1), ("signed_off", 139000, 0), ("rectifying", 1, 0),
                            ("draft", 500, 0)])
        st = stats(office)
        assert st["problems_found"]["value"] == 3          # a draft is not a finding yet
        assert st["problems_rectified"]["value"] == 2
        r = st["rectification_rate"]
        assert (r["numerator"], r["denominator"], r["value"]) == (2, 3, 66.67)
        assert st["problems_immediate_fix"]["value"] == 1
        money = st["problems_amount"]
        assert money["value"] == "13770.01" and money["value_fen"] == 1377001 and money["value_wan"] == "1.377001"
        assert st["rect_tasks_overdue"]["value"] == 1
        assert st["institutions_revised"]["value"] == 1
        rec = records(office, "rectification_rate")
        assert rec["total"] == 2 and {x["state"] for x in rec["items"]} == {"rectified", "signed_off"}
        # a team sees its own unit's problems, a dispatched group those of units it supervises
        assert stats(s.client("member1"))["problems_found"]["value"] == 3
        assert stats(s.client("member2"))["problems_found"]["value"] == 0
        assert stats(s.client("dispatched1"))["problems_found"]["value"] == 3
        assert stats(s.client("dispatched1"), f"?unit_id={s.ids['orgs']['u7']}")["problems_found"]["value"] == 0
