"""The visibility test of issue 14 ("Done means"): every role x record kind x
read path, on one fixture holding records in every state of every scope
(tests/api/vis_fixture.py), against a hand-written, checked-in oracle
(tests/api/visibility_oracle.tsv) of which fixture records and fields each
role must see. Equality, not a subset: a record the oracle lists must be
shown, one it does not list must not.

Read paths: the kind's list (all pages), GET of every fixture record (200
exactly for the oracle's records, else 404 — or 403 when the role lacks the
kind's function altogether), its history, the files of problems and tasks
(list and download), the withheld fields (absent exactly as the oracle says,
present otherwise, and their canaries nowhere in the answer), every measure
of /api/v1/stats (figure == drill-down total; every drill-down row a record
the role may see, without the fields it may not), every ledger and the
summary workbook, every letter (list, GET, PDF) and the inbox (no message
names or points to a record the role may not see; sealed canaries nowhere).

One server and one fixture for the module. Each test prints a readable diff
(role, kind, path, missing, extra) before it fails."""
import atexit
import json
import os
import re
from urllib.parse import urlencode

import vis_fixture as vf
import xlsxio
from lib import Server, test

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN_STATUS = (403, 404)

# kind -> list route (None: no list of its own), whether GET and history exist
KINDS = {
    "problem": ("/api/v1/problems", True, True),
    "report": ("/api/v1/reports", True, True),
    "rect_task": ("/api/v1/rect-tasks", True, True),
    "notice": ("/api/v1/notices", True, True),
    "clue": ("/api/v1/clues", True, True),
    "petition": ("/api/v1/petitions", True, False),
    "assistance": ("/api/v1/assistance", True, True),
    "accountability": ("/api/v1/accountability", True, True),
    "joint_review": ("/api/v1/joint-reviews", True, True),
    "briefing": ("/api/v1/briefings", False, False),
    "letter": ("/api/v1/documents", True, False),
    "target": ("/api/v1/targets", True, False),
}
# withheld fields that carry a canary (their text must not leak through any path)
CANARY = {("problem", "people"): vf.PEOPLE, ("report", "text"): vf.REPORT_TEXT,
          ("clue", "allegation"): vf.ALLEGATION, ("petition", "reporter"): vf.REPORTER}
# fields present exactly when the oracle does not withhold them (on GET)
SEALED = {"problem": {"people"}, "report": {"text"}, "clue": {"allegation"}, "petition": {"reporter"}}
# roles that have statistics and ledgers (docs/api-reports.md "Who sees what")
STATS_ROLES = {"lg", "office", "liaison", "leader1", "member1", "member2", "dispatched1", "dispatched2"}
TOKEN = re.compile(r"【([A-Za-z0-9_]+)】")


def load_oracle():
    """{(role, kind): {record: set of withheld fields}}"""
    out = {}
    with open(os.path.join(HERE, "visibility_oracle.tsv"), encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]
    assert lines[0].split("\t")[:4] == ["role", "kind", "record", "hidden"], lines[0]
    for ln in lines[1:]:
        role, kind, rec, hidden = ln.split("\t")[:4]
        assert role in vf.ROLES, role
        key = (role, kind)
        assert rec not in out.setdefault(key, {}), ("duplicate oracle line", ln)
        out[key][rec] = set() if hidden == "-" else set(hidden.split(","))
    return out


ORACLE = load_oracle()
_state = {}
COUNT = {"get_ok": 0, "drill_rows": 0, "ledger_tokens": 0, "messages_named": 0, "pending_rows": 0}


def fx():
    """The module's server and fixture, built once."""
    if not _state:
        # the oracle is the visibility model's: who may read a sealed field. The
        # second person's approval that the reporter also needs (issue 18) is
        # test_reporter.py's; here it is off (test mode only).
        s = Server(settings={"reveal_approver": "none"})
        s.start()
        atexit.register(s.stop)
        _state["s"] = s
        f = vf.build(s)
        _state["f"] = f
        _state["c"] = vf.sign_in_all(f)
        for (role, kind), recs in ORACLE.items():
            for r in recs:
                assert f.kind.get(r) == kind, ("oracle names an unknown record", role, kind, r)
    return _state["s"], _state["f"], _state["c"]


def sees(role, kind):
    return ORACLE.get((role, kind), {})


def visible_names(role):
    return {r for (ro, _k), recs in ORACLE.items() if ro == role for r in recs}


def may_read_canary(role, kind, field):
    """Whether any record the role sees shows this withheld field (then its canary may appear)."""
    return any(field not in hidden for hidden in sees(role, kind).values())


def forbidden_canaries(role):
    return [(k, fld, txt) for (k, fld), txt in CANARY.items() if not may_read_canary(role, k, fld)]


class Diff:
    def __init__(self, title):
        self.title = title
        self.lines = []

    def add(self, role, kind, path, missing=(), extra=(), note="", always=False):
        if missing or extra or always:
            self.lines.append(f"  {role:12} {kind:14} {path:44} missing={sorted(missing)} extra={sorted(extra)}"
                              + (f" {note}" if note else ""))

    def check(self):
        if self.lines:
            msg = f"{self.title}: {len(self.lines)} difference(s) from the oracle\n" + "\n".join(self.lines)
            print(msg, flush=True)
            raise AssertionError(msg)


def list_all(c, path):
    """All pages of a list; None when the role is refused the function (403)."""
    items, page = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        r = c.get(f"{path}{sep}page={page}&per_page=100")
        if r.status == 403:
            return None
        assert r.status == 200, (c.login_name, path, r)
        got = r.json.get("items", [])
        items += got
        if not got or len(items) >= r.json.get("total", len(items)) or len(got) < 100:
            return items
        page += 1


def canary_leaks(role, text):
    return [f"{k}.{fld}" for k, fld, c in forbidden_canaries(role) if c in text]


def tokens(text):
    return set(TOKEN.findall(text))


def check_kind(kind):
    s, f, cl = fx()
    route, has_get, has_history = KINDS[kind]
    d = Diff(f"visibility of {kind}")
    names = [n for n, k in f.kind.items() if k == kind]
    for role in vf.ROLES:
        c = cl[role]
        want = sees(role, kind)
        # the list, all pages
        items = list_all(c, route)
        got = set()
        for it in items or []:
            n = f.name_of(it.get("id"))
            if n in names:
                got.add(n)
                hidden = want.get(n, set())
                leaked = hidden & set(it)
                d.add(role, kind, f"GET {route} fields of {n}", extra=leaked)
            row = json.dumps(it, ensure_ascii=False)
            d.add(role, kind, f"GET {route} row {n}", extra=(tokens(row) & set(f.ids)) - visible_names(role),
                  note="names a hidden record")
            leaks = canary_leaks(role, row)
            for k2, fld in SEALED.items():  # lists never carry sealed fields of clues and petitions
                if kind == k2 and kind in ("clue", "petition") and fld & set(it):
                    d.add(role, kind, f"GET {route} row {n}", extra=fld & set(it), note="sealed field in a list")
            d.add(role, kind, f"GET {route} row {n}", extra=leaks, note="canary" if leaks else "")
        d.add(role, kind, f"GET {route}", set(want) - got, got - set(want))
        # GET and history of each fixture record
        for n in names:
            rid = f.ids[n]
            paths = []
            if has_get:
                paths.append(f"{route}/{rid}")
            if has_history:
                paths.append(f"{route}/{rid}/history")
            if kind == "letter":
                paths.append(f"{route}/{rid}/pdf")
            for p in paths:
                r = c.get(p)
                label = p.replace(rid, n)
                if n in want:
                    if r.status != 200:
                        d.add(role, kind, "GET " + label, missing=[n], note=f"status {r.status}")
                        continue
                    text = r.raw.decode("utf-8", "replace")
                    leaks = canary_leaks(role, text) if not p.endswith("/pdf") else []
                    d.add(role, kind, "GET " + label, extra=(tokens(text) & set(f.ids)) - visible_names(role),
                          note="names a hidden record")
                    COUNT["get_ok"] += 1
                    hidden = want[n]
                    for (k2, fld), canary in CANARY.items():
                        if k2 == kind and fld in hidden and canary in text:
                            leaks.append(f"{kind}.{fld}")
                    d.add(role, kind, "GET " + label, extra=set(leaks), note="withheld text" if leaks else "")
                    if p == f"{route}/{rid}":
                        body = r.json or {}
                        d.add(role, kind, "GET " + label + " fields", extra=hidden & set(body))
                        for fld in SEALED.get(kind, ()):
                            if fld not in hidden and fld not in body:
                                d.add(role, kind, "GET " + label + " fields", missing=[fld])
                elif r.status not in HIDDEN_STATUS:
                    d.add(role, kind, "GET " + label, extra=[n], note=f"status {r.status}")
    d.check()


def check_files(kind, owner_kind, owner_route):
    s, f, cl = fx()
    d = Diff(f"visibility of {kind}")
    for n in [n for n, k in f.kind.items() if k == kind]:
        fid = f.ids[n]
        owner = {"F_P_A1": "P_A1_fb", "F_T_A1": "T_A1"}[n]
        lpath = f"{owner_route}/{f.ids[owner]}/files"
        for role in vf.ROLES:
            c = cl[role]
            allowed = n in sees(role, kind)
            r = c.get(lpath)
            listed = r.status == 200 and fid in {i["id"] for i in r.json.get("items", [])}
            if allowed and not listed:
                d.add(role, kind, f"GET {owner_route}/{owner}/files", missing=[n], note=f"status {r.status}")
            if not allowed and (listed or r.status not in HIDDEN_STATUS + (200,)):
                d.add(role, kind, f"GET {owner_route}/{owner}/files", extra=[n], note=f"status {r.status}")
            r = c.get(f"/api/v1/files/{fid}")
            if allowed and r.status != 200:
                d.add(role, kind, f"GET /api/v1/files/{n}", missing=[n], note=f"status {r.status}")
            if not allowed and r.status not in HIDDEN_STATUS:
                d.add(role, kind, f"GET /api/v1/files/{n}", extra=[n], note=f"status {r.status}")
            # the owner's own answer names no file the role may not read
            if not allowed:
                g = c.get(f"{owner_route}/{f.ids[owner]}")
                if g.status == 200 and fid in g.raw.decode("utf-8", "replace"):
                    d.add(role, kind, f"GET {owner_route}/{owner}", extra=[n], note="file named in the record")
    d.check()


def fixture_rows(f, role, items, d, where):
    """Names of the fixture records among drill-down rows; withheld fields and canaries checked."""
    out = set()
    for it in items:
        n = f.name_of(it.get("id"))
        if n is None:
            continue
        out.add(n)
        k = f.kind[n]
        if n not in visible_names(role):
            d.add(role, k, where, extra=[n], note="row the role may not see")
            continue
        hidden = sees(role, k).get(n, set()) if f.kind.get(n) == k else set()
        d.add(role, k, where + f" row {n}", extra=hidden & set(it))
        row = json.dumps(it, ensure_ascii=False)
        d.add(role, k, where + f" row {n}", extra=(tokens(row) & set(f.ids)) - visible_names(role),
              note="names a hidden record")
        leaks = canary_leaks(role, row)
        d.add(role, k, where + f" row {n}", extra=leaks, note="canary" if leaks else "")
        COUNT["drill_rows"] += 1
    return out


def drill(c, m):
    items, page, total = [], 1, None
    while True:
        r = c.get(f"/api/v1/stats/{m}/records?page={page}&per_page=200")
        if r.status != 200:
            return r.status, None, None
        total = r.json.get("total")
        got = r.json.get("items", [])
        items += got
        if not got or len(items) >= (total or 0) or len(got) < 200:
            return 200, total, items
        page += 1


@test
def oracle_is_well_formed_and_covers_every_kind():
    """Every oracle record exists in the fixture with the oracle's kind (checked in fx()); every
    fixture record is seen by someone and hidden from someone. Printed: the role x kind pairs that
    see nothing (the function is refused or nothing is in scope) and those that see everything
    (office and leading group, by the documented rules)."""
    s, f, cl = fx()
    kinds = set(KINDS) | {"problem_file", "task_file", "review_item"}
    assert {k for k in f.kind.values()} == kinds, {k for k in f.kind.values()} ^ kinds
    none_seen, all_seen = [], []
    for role in vf.ROLES:
        for k in sorted(kinds):
            all_k = {n for n, kk in f.kind.items() if kk == k}
            seen = set(sees(role, k))
            if not seen:
                none_seen.append(f"{role}x{k}")
            if not all_k - seen:
                all_seen.append(f"{role}x{k}")
    for n, k in f.kind.items():
        who = [r for r in vf.ROLES if n in sees(r, k)]
        assert who and len(who) < len(vf.ROLES), (n, who)
    n = sum(len(v) for v in ORACLE.values())
    print(f"oracle: {n} (role, kind, record) lines over {len(f.ids)} fixture records, {len(vf.ROLES)} roles, "
          f"{len(kinds)} kinds\n  see nothing: {' '.join(none_seen)}\n  see all: {' '.join(all_seen)}", flush=True)


def _kind_test(kind):
    def t():
        check_kind(kind)
    t.__name__ = f"{kind}_list_get_history_and_fields_follow_the_oracle"
    return test(t)


for _k in KINDS:
    _kind_test(_k)


@test
def problem_files_follow_the_oracle():
    check_files("problem_file", "problem", "/api/v1/problems")


@test
def task_files_follow_the_oracle():
    check_files("task_file", "rect_task", "/api/v1/rect-tasks")


@test
def every_measure_equals_its_drill_down_of_visible_records():
    s, f, cl = fx()
    d = Diff("statistics")
    for role in vf.ROLES:
        c = cl[role]
        r = c.get("/api/v1/stats")
        if role not in STATS_ROLES:
            if r.status != 403:
                d.add(role, "stats", "GET /api/v1/stats", extra=["stats"], note=f"status {r.status}")
            continue
        if r.status != 200:
            d.add(role, "stats", "GET /api/v1/stats", missing=["stats"], note=f"status {r.status}")
            continue
        for m in r.json["measures"]:
            name = m["name"]
            st, total, items = drill(c, name)
            where = f"GET /api/v1/stats/{name}/records"
            if st != 200:
                d.add(role, "stats", where, missing=[name], note=f"status {st}")
                continue
            want = {"count": m.get("value"), "dist": m.get("value"), "distinct": m.get("value"),
                    "days": m.get("count"), "ratio": m.get("numerator")}.get(m.get("kind"), total)
            if want != total or total != len(items):
                d.add(role, "stats", where, always=True,
                      note=f"figure {want} ({m.get('kind')}) != drill-down total {total} (rows {len(items)})")
            fixture_rows(f, role, items, d, where)
    assert COUNT["drill_rows"] > 50, COUNT
    d.check()


@test
def ledgers_and_exports_hold_only_visible_records():
    s, f, cl = fx()
    d = Diff("ledgers and exports")
    for role in vf.ROLES:
        c = cl[role]
        r = c.get("/api/v1/ledgers")
        if role not in STATS_ROLES:
            if r.status != 403:
                d.add(role, "ledger", "GET /api/v1/ledgers", extra=["ledgers"], note=f"status {r.status}")
            for name in ("problems", "rectification", "accountability", "clues"):
                r2 = c.get(f"/api/v1/ledgers/{name}")
                if r2.status not in HIDDEN_STATUS:
                    d.add(role, "ledger", f"GET /api/v1/ledgers/{name}", extra=[name], note=f"status {r2.status}")
            continue
        if r.status != 200:
            d.add(role, "ledger", "GET /api/v1/ledgers", missing=["ledgers"], note=f"status {r.status}")
            continue
        for led in r.json["items"]:
            where = f"GET /api/v1/ledgers/{led['name']}"
            x = c.get(f"/api/v1/ledgers/{led['name']}")
            if x.status != 200:
                d.add(role, "ledger", where, missing=[led["name"]], note=f"status {x.status}")
                continue
            text = "\n".join(str(v) for sh in xlsxio.read_all(x.raw).values() for row in sh.rows for v in row
                             if v is not None)
            toks = tokens(text) & set(f.ids)
            COUNT["ledger_tokens"] += len(toks)
            d.add(role, "ledger", where, extra=toks - visible_names(role), note="names a hidden record")
            leaks = canary_leaks(role, text)
            d.add(role, "ledger", where, extra=leaks, note="canary" if leaks else "")
            # the ledger's rows are its measure's drill-down (the records of the measure's kind)
            st, total, items = drill(c, led["measure"])
            if st == 200:
                rows = {f.name_of(i.get("id")) for i in items} - {None}
                kinds = {f.kind[n] for n in rows}
                in_ledger = {t for t in toks if f.kind[t] in kinds}
                d.add(role, "ledger", where + " vs drill-down", rows - in_ledger, in_ledger - rows)
        x = c.get("/api/v1/stats/summary.xlsx")
        if x.status == 200:
            text = "\n".join(str(v) for sh in xlsxio.read_all(x.raw).values() for row in sh.rows for v in row
                             if v is not None)
            toks = tokens(text) & set(f.ids)
            d.add(role, "export", "GET /api/v1/stats/summary.xlsx", extra=toks - visible_names(role))
            leaks = canary_leaks(role, text)
            d.add(role, "export", "GET /api/v1/stats/summary.xlsx", extra=leaks, note="canary" if leaks else "")
    assert COUNT["ledger_tokens"] > 20, COUNT  # the ledgers do name fixture records
    d.check()


@test
def inbox_messages_name_only_visible_records():
    s, f, cl = fx()
    d = Diff("inbox messages")
    for role in vf.ROLES:
        c = cl[role]
        items = list_all(c, "/api/v1/messages") or []
        for m in items:
            text = json.dumps({k: m.get(k) for k in ("title", "body")}, ensure_ascii=False)
            n = f.name_of(m.get("object_id"))
            where = f"GET /api/v1/messages ({m.get('action')})"
            if n and n not in visible_names(role):
                d.add(role, f.kind[n], where + " object_id", extra=[n])
            toks = tokens(text) & set(f.ids)
            COUNT["messages_named"] += bool(n or toks)
            d.add(role, "message", where + " text", extra=toks - visible_names(role))
            leaks = canary_leaks(role, text)
            for k, fld in (("clue", "allegation"), ("petition", "reporter")):  # never in messages
                if CANARY[(k, fld)] in text:
                    leaks.append(f"{k}.{fld}")
            d.add(role, "message", where + " text", extra=set(leaks), note="canary" if leaks else "")
    assert COUNT["messages_named"] > 20, COUNT  # the check is not vacuous: messages do name fixture records
    d.check()


@test
def letters_name_only_visible_records_and_no_allegation():
    s, f, cl = fx()
    d = Diff("letters")
    for role in vf.ROLES:
        c = cl[role]
        for n in sees(role, "letter"):
            r = c.get(f"/api/v1/documents/{f.ids[n]}")
            if r.status != 200:
                continue  # reported by letter_list_get_history_...
            text = r.raw.decode("utf-8", "replace")
            if vf.ALLEGATION in text:
                d.add(role, "letter", f"GET /api/v1/documents/{n}", extra=["clue.allegation"])
            toks = tokens(text) & set(f.ids)
            d.add(role, "letter", f"GET /api/v1/documents/{n}", extra=toks - visible_names(role),
                  note="names a hidden record")
    d.check()


# GET /targets/{id}/rectification: "the unit, the office, the leading group, the team, the dispatched
# group, and the commission once copied" (docs/api-findings.md), for the holders of rect.read
RECT_SHEET = {
    "u1": {"lg", "office", "leader1", "member1", "liaison", "conduct", "dispatched1", "unit1"},
    "u2": {"lg", "office", "leader1", "member1", "dispatched1", "unit2"},
    "u3": {"lg", "office", "member2", "liaison", "conduct", "dispatched1", "unit3"},
    "u7": {"lg", "office", "liaison", "conduct", "dispatched2", "unit7"},
}
# supervision notes: "office, leading group, liaison, the group" (docs/api-findings.md), on a task they see
NOTE_ROLES = {"lg", "office", "liaison", "dispatched1", "dispatched2"}


@test
def sub_resources_follow_their_record():
    """Progress and supervision notes of tasks, items of joint reviews, the rectification sheet of a
    target, and the accountability pending list: shown exactly with their record, naming no hidden one."""
    s, f, cl = fx()
    d = Diff("sub-resources")
    for role in vf.ROLES:
        c = cl[role]
        vis = visible_names(role)

        def body_names(r, where, kind):
            text = r.raw.decode("utf-8", "replace")
            d.add(role, kind, where, extra=(tokens(text) & set(f.ids)) - vis, note="names a hidden record")
            leaks = canary_leaks(role, text)
            d.add(role, kind, where, extra=leaks, note="canary" if leaks else "")

        def expect_shown(p, label, kind, shown):
            r = c.get(p)
            if shown and r.status != 200:
                d.add(role, kind, "GET " + label, missing=[label], note=f"status {r.status}")
            elif not shown and r.status not in HIDDEN_STATUS:
                d.add(role, kind, "GET " + label, extra=[label], note=f"status {r.status}")
            elif r.status == 200:
                body_names(r, "GET " + label, kind)
            return r

        for t in ("T_A1", "T_A2", "T_B3", "T_D7"):
            tid = f.ids[t]
            expect_shown(f"/api/v1/rect-tasks/{tid}/progress", f"/api/v1/rect-tasks/{t}/progress", "rect_task",
                         t in sees(role, "rect_task"))
            expect_shown(f"/api/v1/rect-tasks/{tid}/supervision-notes", f"/api/v1/rect-tasks/{t}/supervision-notes",
                         "rect_task", t in sees(role, "rect_task") and role in NOTE_ROLES)
        for jr in ("JR_A", "JR_B"):
            expect_shown(f"/api/v1/joint-reviews/{f.ids[jr]}/items", f"/api/v1/joint-reviews/{jr}/items",
                         "joint_review", jr in sees(role, "joint_review"))
        for unit, roles in RECT_SHEET.items():
            tgt = s.ids["targets"][unit]
            r = expect_shown(f"/api/v1/targets/{tgt}/rectification", f"/api/v1/targets/{unit}/rectification",
                             "rect_task", role in roles)
            if r.status == 200 and role in roles:
                got = {f.name_of(i.get("id")) for i in r.json.get("problem_list", [])} - {None}
                want = {n for n in sees(role, "problem") if f.kind[n] == "problem" and
                        n.split("_")[1][1:] == unit[1:] and not n.endswith(("_draft", "_conf"))}
                d.add(role, "problem", f"GET /api/v1/targets/{unit}/rectification problem_list",
                      want - got, got - want)
                got = {f.name_of(i.get("id")) for i in r.json.get("task_list", [])} - {None}
                want = {n for n in sees(role, "rect_task") if n.split("_")[1][1:] == unit[1:]}
                d.add(role, "rect_task", f"GET /api/v1/targets/{unit}/rectification task_list",
                      want - got, got - want)
        r = c.get("/api/v1/accountability/pending?days=0&per_page=100")
        if r.status == 200:
            got = {f.name_of(i.get("id")) for i in r.json.get("items", [])} - {None}
            COUNT["pending_rows"] += len(got)
            d.add(role, "problem", "GET /api/v1/accountability/pending", extra=got - vis,
                  note="lists a hidden problem")
            body_names(r, "GET /api/v1/accountability/pending", "problem")
    assert COUNT["pending_rows"] > 0, COUNT  # P_B3_fb (copied, its accountability open) is pending
    d.check()


@test
def review_items_name_only_what_the_reader_sees():
    """GET /joint-reviews/{id}/items: exactly the oracle's items for each role, and the title of the
    problem or clue an item discusses exactly when the oracle does not withhold it (equality)."""
    s, f, cl = fx()
    d = Diff("joint review items")
    for role in vf.ROLES:
        got = {}
        for jr in ("JR_A", "JR_B"):
            r = cl[role].get(f"/api/v1/joint-reviews/{f.ids[jr]}/items")
            if r.status == 200:
                for it in r.json["items"]:
                    got[f.name_of(it["id"])] = it
        want = sees(role, "review_item")
        d.add(role, "review_item", "GET /api/v1/joint-reviews/{id}/items", set(want) - set(got),
              set(got) - set(want))
        for n in set(want) & set(got):
            key = vf.REVIEW_ITEMS[n][1]
            shown = key in got[n]
            if key in want[n] and shown:
                d.add(role, "review_item", f"items {n}", extra=[key], note="withheld title shown")
            elif key not in want[n] and not (shown and TOKEN.search(got[n][key] or "")):
                d.add(role, "review_item", f"items {n}", missing=[key], note="title missing")
    assert any("problem_title" in h for (ro, k), recs in ORACLE.items() if k == "review_item"
               for h in recs.values())  # not vacuous: some reader is refused a title
    d.check()


@test
def search_finds_exactly_the_oracles_records():
    """The header's search box (GET /api/v1/search) is a read path: searched by the fixture's unit
    names and by its 【】 tokens, each role finds exactly the oracle's records of each kind searched."""
    s, f, cl = fx()
    d = Diff("search")
    office = cl["office"]
    units = [office.get(f"/api/v1/orgs/{s.ids['orgs'][u]}").json["name"] for u in ("u1", "u2", "u3", "u4", "u7")]
    searched = ("problem", "clue", "petition", "report", "rect_task", "notice", "assistance",
                "accountability", "joint_review")
    seen_any = 0
    for role in vf.ROLES:
        c = cl[role]
        found = {}
        for q in units + ["【P_", "【C_", "【JR_", "【AC_"]:
            r = c.get("/api/v1/search?" + urlencode({"q": q, "limit": 50}))
            if r.status != 200:
                d.add(role, "search", f"GET /api/v1/search?q={q}", missing=["answer"], note=f"status {r.status}")
                continue
            for g in r.json["groups"]:
                if g["more"]:
                    d.add(role, g["kind"], f"GET /api/v1/search?q={q}", note="more than 50 hits", always=True)
                for it in g["items"]:
                    n = f.name_of(it["id"])
                    if n:
                        found.setdefault(g["kind"], set()).add(n)
                        d.add(role, g["kind"], f"GET /api/v1/search?q={q}", extra=canary_leaks(role, json.dumps(it, ensure_ascii=False)), note="canary")
        for kind in searched:
            want = set(sees(role, kind))
            got = found.get(kind, set())
            seen_any += len(got)
            d.add(role, kind, "GET /api/v1/search", want - got, got - want)
    assert seen_any > 50, seen_any  # the search does find fixture records
    d.check()


@test
def list_exports_hold_exactly_the_lists_records():
    """GET /api/v1/exports/records/{kind}: the sheet names exactly the records the oracle lets the
    role see (by their 【】 tokens), no canary, and is refused as the list is."""
    s, f, cl = fx()
    d = Diff("list exports")
    for role in vf.ROLES:
        c = cl[role]
        for kind in ("problem", "clue", "accountability", "joint_review"):
            route = KINDS[kind][0]
            where = f"GET /api/v1/exports/records/{kind}"
            x = c.get(f"/api/v1/exports/records/{kind}")
            lst = c.get(route)
            if x.status != 200:
                if lst.status == 200:
                    d.add(role, kind, where, missing=["export"], note=f"status {x.status}")
                continue
            text = "\n".join(str(v) for row in xlsxio.read(x.raw).rows[3:] for v in row if v is not None)
            toks = {t for t in tokens(text) & set(f.ids) if f.kind[t] == kind}
            want = set(sees(role, kind))
            d.add(role, kind, where, want - toks, toks - want)
            leaks = canary_leaks(role, text)
            d.add(role, kind, where, extra=leaks, note="canary" if leaks else "")
    d.check()


@test
def server_clean_after_the_module():
    """Runs last: the server stops cleanly and no sanitizer report was written."""
    if _state:
        s = _state["s"]
        s.stop()
        s.check_sanitizers()
        _state.clear()
