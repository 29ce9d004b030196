"""GET /api/v1/meta publishes the declarations (issue 14 item 5): every record
kind's fields, vocabularies, filters, states, transitions and per-role
actions, the outcome table and the measures' drill-down headers. These tests
hold meta against what the server does, not against itself: what meta says
a create body may hold, the create validation accepts, and what it says it
may not, the validation refuses; its filters are the list's; its per-role
actions are the policy /me answers; its drill-down headers name every column
a drill-down returns."""
import re
from urllib.parse import quote

from lib import Server, expect, run_cli, test

# the API path of each kind (the UI keeps its routes; meta knows no paths)
PATHS = {
    "problem": "problems", "report": "reports", "rect_task": "rect-tasks", "notice": "notices",
    "assistance": "assistance", "accountability": "accountability", "joint_review": "joint-reviews",
    "replacement": "replacements", "org": "orgs", "person": "persons", "round": "rounds",
    "team": "teams", "target": "targets", "clue": "clues", "petition": "petitions",
    "briefing": "briefings",
}
# a demo user holding each role (src/cli/demo.c)
LOGINS = {
    "leading_group": "lg", "inspection_office": "office", "team_leader": "leader1",
    "team_member": "member1", "commission_liaison": "liaison", "case_mgmt": "casemgmt",
    "petitions": "petitions", "conduct": "conduct", "investigation": "investigation",
    "verification_team": "verification", "commission_cadre": "cadre",
    "dispatched_group": "dispatched1", "unit_liaison": "unit1", "organization_dept": "orgdept",
    "sysadmin": "sysadmin",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
# a value of the wrong type for each field type (refused, but never as unknown)
WRONG = {"text": 12345, "memo": 12345, "int": "x", "bool": "x", "date": "2026-13-45",
         "enum": "__not_in_vocabulary__", "id": "not-a-uuid", "money": "abc"}


def holder(kind, action):
    """A demo login whose role holds action on kind by meta's role_actions."""
    for role, acts in kind["role_actions"].items():
        if action in acts and role in LOGINS:
            return LOGINS[role]
    return None


def create_path(s, name):
    if name == "briefing":  # requested per target
        return f"/api/v1/targets/{s.ids['targets']['u1']}/briefings"
    return f"/api/v1/{PATHS[name]}"


@test
def meta_keeps_roles_and_workflows():
    with Server() as s:
        m = expect(s.client("member1").get("/api/v1/meta"), 200).json
        roles = {r["role"]: r for r in m["roles"]}
        assert roles["team_leader"]["label"] == "巡察组组长" and roles["team_leader"]["scope_kind"] == "team"
        wf = m["workflows"]["problem"]
        assert wf["states"][0] == {"state": "draft", "label": "草稿"}
        t = wf["transitions"][0]
        assert set(t) == {"from", "verb", "to", "label", "roles"} and t["roles"]
        # every kind with a workflow carries the same states and transitions
        for name, k in m["kinds"].items():
            if k["workflow"]:
                w = m["workflows"][k["workflow"]]
                assert k["states"] == w["states"], name
                assert [(x["verb"], x["from"], x["to"]) for x in k["transitions"]] == \
                       [(x["verb"], x["from"], x["to"]) for x in w["transitions"]], name
        # the outcome table is GET /outcomes'
        o = expect(s.client("office").get("/api/v1/outcomes"), 200).json
        assert m["outcomes"] == o["items"] and m["handling"] == o["handling"]
        # the same answer twice (it is built once)
        assert expect(s.client("office").get("/api/v1/meta"), 200).json == m


@test
def meta_declares_every_kind_in_chinese():
    with Server() as s:
        m = expect(s.client("office").get("/api/v1/meta"), 200).json
        assert set(PATHS) <= set(m["kinds"]), set(PATHS) - set(m["kinds"])
        for name, k in m["kinds"].items():
            assert k["name"] == name and CJK.search(k["label"]), name
            assert k["fields"], name
            labelled = list(k["fields"]) + [f for f in k["filters"] if f["type"] != "flag"]
            labelled += [f for t in k["transitions"] for f in t["fields"]]
            labelled += [f for a in k["acts"] for f in a["fields"]]
            for f in labelled:
                assert CJK.search(f["label"]), (name, f)
                for v in f.get("values", []):
                    assert v["label"] and CJK.search(v["label"]), (name, f["name"], v)
            for st in k["states"]:
                assert CJK.search(st["label"]), (name, st)
            for t in k["transitions"]:
                assert CJK.search(t["label"]) and t["roles"] is not None, (name, t)
                # every state a transition names is one of the kind's states
                states = {x["state"] for x in k["states"]}
                assert t["to"] in states and (t["from"] in states or t["from"] == "*"), (name, t)
            # every state is reached or left by some transition (none is a dead copy)
            if k["transitions"]:
                used = {t["from"] for t in k["transitions"]} | {t["to"] for t in k["transitions"]}
                for st in k["states"][1:]:
                    assert st["state"] in used, (name, st)
        for me in m["measures"]:
            assert CJK.search(me["label"]) and me["unit"], me
            for c in me["columns"]:
                assert c["label"] and CJK.search(c["label"]), (me["key"], c)


@test
def meta_fields_are_what_create_validates():
    """For every kind: each create field is known to the create validation (a
    wrong value is refused naming that field, never as an unknown field), each
    vocabulary value is accepted and a value outside it is refused, and a
    field meta does not list is unknown."""
    with Server() as s:
        m = expect(s.client("office").get("/api/v1/meta"), 200).json
        clients = {}
        checked = 0
        for name, k in m["kinds"].items():
            login = holder(k, k["actions"]["create"]) if k["actions"]["create"] else None
            assert login, f"{name}: no demo user holds {k['actions']['create']}"
            c = clients.setdefault(login, s.client(login))
            path = create_path(s, name)
            r = expect(c.post(path, {"zz_undeclared": "x"}), 400)
            assert r.json["error"]["code"] == "unknown_field", (name, r)
            # the answer names the key (the briefing request once named it from freed memory)
            assert r.json["error"]["field"] == "zz_undeclared", (name, r)
            for f in k["fields"]:
                if not f["create"]:
                    continue
                r = c.post(path, {f["name"]: WRONG[f["type"]]})
                assert r.status == 400, (name, f["name"], r)
                err = r.json["error"]
                assert err["code"] != "unknown_field", (name, f["name"], r)
                if f["type"] == "enum":
                    assert err["code"] == "invalid_field" and err["field"] == f["name"], (name, f, r)
                    for v in f["values"]:
                        r = c.post(path, {f["name"]: v["value"]})
                        e = (r.json or {}).get("error") or {}
                        assert not (e.get("code") == "invalid_field" and e.get("field") == f["name"]), \
                            (name, f["name"], v, r)
                        checked += 1
        assert checked > 50, checked


@test
def meta_filters_are_what_lists_accept():
    with Server() as s:
        m = expect(s.client("office").get("/api/v1/meta"), 200).json
        clients = {}
        for name, k in m["kinds"].items():
            login = holder(k, k["actions"]["list"])
            assert login, name
            c = clients.setdefault(login, s.client(login))
            base = f"/api/v1/{PATHS[name]}"
            for f in k["filters"]:
                if f["type"] == "enum":
                    for v in f["values"]:
                        expect(c.get(f"{base}?{f['name']}={quote(v['value'])}"), 200)
                    r = expect(c.get(f"{base}?{f['name']}=__not_in_vocabulary__"), 400)
                    assert r.json["error"]["field"] == f["name"], (name, f, r)
                elif f["type"] in ("flag", "bool"):
                    expect(c.get(f"{base}?{f['name']}=true"), 200)
                elif f["type"] == "search":
                    expect(c.get(f"{base}?q={quote('巡察')}"), 200)
            # a state the kind declares filters its list
            if any(f["name"] == "state" for f in k["filters"]):
                for st in k["states"]:
                    expect(c.get(f"{base}?state={st['state']}"), 200)


@test
def meta_role_actions_are_the_policy():
    """What meta says each role holds on each kind is what /me lists for a
    user of that role (function level), and a transition's roles hold its
    action."""
    with Server() as s:
        m = expect(s.client("office").get("/api/v1/meta"), 200).json
        for role, login in LOGINS.items():
            mine = set(expect(s.client(login).get("/api/v1/me"), 200).json["actions"])
            for name, k in m["kinds"].items():
                held = set(k["role_actions"].get(role, {}))
                named = {k["actions"]["list"], k["actions"].get("create"), k["actions"].get("edit")}
                named |= {t["action"] for t in k["transitions"]} | set(k["also"])
                named.discard(None)
                assert held == named & mine, (role, name, held ^ (named & mine))
                for t in k["transitions"]:
                    assert (role in t["roles"]) == (t["action"] in held), (role, name, t["verb"])


@test
def meta_drilldown_headers_name_every_column():
    s = Server()
    with s:
        run_cli("seed", "zaoyang", db=s.db)  # records behind the figures
        s.start()
        lg = s.client("lg")
        m = expect(lg.get("/api/v1/meta"), 200).json
        seen = 0
        missing = set()
        for me in m["measures"]:
            r = lg.get(f"/api/v1/stats/{me['key']}/records?per_page=5")
            if r.status != 200 or not r.json.get("items"):
                continue
            labels = {c["name"] for c in me["columns"]}
            for key in r.json["items"][0]:
                if key in ("id", "version") or key.endswith("_id"):
                    continue
                missing.add((me["key"], key)) if key not in labels else None
            seen += 1
        assert not missing, sorted(missing)
        assert seen >= 10, seen


@test
def copied_body_validation_names_the_key_it_refuses():
    """Found while holding meta against the server: two handlers validated a
    copy of the body and freed it before answering with the refused key
    (heap-use-after-free; the answer named freed memory). The briefing
    request and the bulk target add now name the key."""
    with Server() as s:
        office = s.client("office")
        r = expect(office.post(f"/api/v1/targets/{s.ids['targets']['u1']}/briefings",
                               {"due_date": "2099-01-01", "zz_undeclared_key": 1}), 400)
        assert r.json["error"] == {**r.json["error"], "code": "unknown_field", "field": "zz_undeclared_key"}, r
        r = expect(office.post(f"/api/v1/teams/{s.ids['teams']['t1']}/targets",
                               {"unit_ids": [s.ids["orgs"]["u1"]], "zz_undeclared_key": 1}), 400)
        assert r.json["error"] == {**r.json["error"], "code": "unknown_field", "field": "zz_undeclared_key"}, r


@test
def meta_names_recorded_actions_and_shows_flags_and_fen():
    """Issue 17 (their own words): the history's actions and fields have
    Chinese names in meta (action_labels, labels), every action a record's
    history records is named (by action_labels or its workflow's transition),
    drill-down flags and amounts in 分 carry their type, and the deadline
    warning days are published."""
    with Server() as s:
        office = s.client("office")
        m = expect(office.get("/api/v1/meta"), 200).json
        al = m["action_labels"]
        for a in ("file.upload", "rect_task.progress", "document.issue", ".create", ".update"):
            assert CJK.search(al.get(a, "")), (a, al.get(a))
        assert all(CJK.search(v) for v in al.values()), al
        assert CJK.search(m["labels"]["text"]) and CJK.search(m["labels"]["copied_to"]), m["labels"]
        assert m["deadline_days"] == [20, 10], m["deadline_days"]
        cols = {c["name"]: c for me in m["measures"] for c in me["columns"]}
        assert cols["amount_fen"]["type"] == "fen", cols["amount_fen"]
        assert cols["immediate_fix"]["type"] == "bool", cols["immediate_fix"]
        assert cols["flag_lenient"]["type"] == "bool", cols["flag_lenient"]
        assert "type" not in cols["title"], cols["title"]
        # every action the histories of a clue and a problem record is named
        m1, l1 = s.client("member1"), s.client("leader1")
        t = s.ids["targets"]["u1"]
        c = expect(m1.post("/api/v1/clues", {"target_id": t, "title": "线索", "subject_name": "甲",
                                             "subject_post": "会计", "source": "records",
                                             "discovered_on": "2026-01-05", "allegation": "问题"}), 201).json
        expect(l1.post(f"/api/v1/clues/{c['id']}/verify", {}), 200)
        acts = [h["action"] for h in expect(office.get(f"/api/v1/clues/{c['id']}/history"), 200).json["items"]]
        wf = m["workflows"]
        for a in acts:
            kind, _, verb = a.rpartition(".")
            named = a in al or any(t["verb"] == verb for t in wf.get(kind, {}).get("transitions", [])) or f".{verb}" in al
            assert named, (a, acts)
        assert len(acts) >= 2, acts
