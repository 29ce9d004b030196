"""vis_fixture.py — the visibility test's fixture (issue 14, "Done means"),
built through the API only, on the demo seed.

Every record gets a stable short name that tests/api/visibility_oracle.tsv
uses; the name is also written into a text field of the record between
【】 (title, measure, subject name, need, report text …), so a ledger cell,
a letter or an inbox message that names a record can be traced back to it.
Canaries mark the fields that some roles must never see (working papers,
the sealed reporter of a petition, the sealed allegation of a clue).

Scopes held (demo: team 1 = 第一巡察组 on u1 and u2, team 2 on u3 and u4,
team 4 on u7; u1..u4 are supervised by dispatched group dg1, u7, u9, u10
by dg2):

  problems    P_A1_fb (u1, fed back, report copied, evidence file F_P_A1),
              P_A1_draft (u1, draft), P_A2_fb (u2, fed back, report NOT copied),
              P_A2_conf (u2, confirmed, unreleased), P_B3_fb (team 2, u3, copied),
              P_D7_fb (team 4, u7 under dg2, copied)
  reports     R_A1 (copied), R_A2 (fed back), R_B3 (copied), R_B4_draft (draft), R_D7 (copied)
  rect tasks  T_A1 (evidence file F_T_A1), T_A2, T_B3, T_D7 (one per fed-back problem)
  notices     N_A1, N_A2, N_D7 (on T_A1, T_A2, T_D7)
  clues       C_A1_draft, C_A2_ver (verified), C_A1_ho, C_B3_ho (handed over)
  petitions   PT_A1, PT_B3 (sealed reporter)
  assistance  AS_A1_draft, AS_A2_appr (approved, not forwarded), AS_A1_fwd, AS_B3_fwd (forwarded)
  accountability AC_A1 (problem P_A1_fb), AC_CA1 (clue C_A1_ho), AC_B3 (open), AC_D7
  joint reviews  JR_A (team 1, items JRI_A1 on P_A1_fb, JRI_A2 on P_A2_conf, JRI_CA1 on
              C_A1_draft), JR_B (team 2, item JRI_B3 on P_B3_fb)
  targets     TG_A9 (team 1 on u9), TG_B10 (team 2 on u10): entry in the future, under dg2
  briefings   B_A9_<src>, B_B10_<src> for src in dg, pet, case, cond, org (on TG_A9, TG_B10)
  letters     L_C_A1_ho, L_C_B3_ho (clue hand-over), L_AS_A1_fwd, L_AS_B3_fwd (assistance),
              L_R_A1, L_R_B3, L_R_D7 (feedback copy), L_N_A1, L_N_A2, L_N_D7 (notices)

Extra accounts (made by sysadmin, granted by secadmin): leader2 (team 2),
leader4 (team 4), unit2, unit3, unit7 (unit liaisons of u2, u3, u7),
dispatched2 (dg2).
"""
from lib import NEW_PASSWORD, expect, today_shanghai, days_from_today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# canaries of withheld fields (a role that may not see the field never sees these)
PEOPLE = "会计刘某某PEOPLECANARY"
ALLEGATION = "ALLEGATIONCANARY 违规发放津补贴"
REPORTER = "举报人REPORTERCANARY"
REPORT_TEXT = "REPORTTEXTCANARY 巡察报告正文"

EXTRA = {  # login -> (role, scope key in s.ids)
    "leader2": ("team_leader", ("teams", "t2")),
    "leader4": ("team_leader", ("teams", "t4")),
    "unit2": ("unit_liaison", ("orgs", "u2")),
    "unit3": ("unit_liaison", ("orgs", "u3")),
    "unit7": ("unit_liaison", ("orgs", "u7")),
    "dispatched2": ("dispatched_group", ("orgs", "dg2")),
}

# the roles the oracle speaks for (demo accounts and the extra ones)
ROLES = ["lg", "office", "leader1", "member1", "member2", "liaison", "casemgmt", "petitions", "conduct",
         "investigation", "verification", "cadre", "dispatched1", "dispatched2", "unit1", "unit2", "unit3",
         "unit7", "orgdept", "sysadmin"]


def tag(name):
    return f"【{name}】"


class Fixture:
    def __init__(self, s):
        self.s = s
        self.ids = {}       # name -> id
        self.kind = {}      # name -> kind
        self.alias = {}     # other ids that stand for a record (review items) -> name
        self.clients = {}

    def add(self, kind, name, rid):
        self.ids[name] = rid
        self.kind[name] = kind
        return rid

    def c(self, login):
        if login not in self.clients:
            self.clients[login] = self.s.client(login)
        return self.clients[login]

    def name_of(self, rid):
        for n, i in self.ids.items():
            if i == rid:
                return n
        return self.alias.get(rid)


def _accounts(f):
    s = f.s
    sa, sec = f.c("sysadmin"), f.c("secadmin")
    for login, (role, (group, key)) in EXTRA.items():
        u = expect(sa.post("/api/v1/users", {"login": login, "display_name": f"测试{login}"}), 201).json
        expect(sec.post(f"/api/v1/users/{u['id']}/roles", {"role": role, "scope_id": s.ids[group][key]}), 201)
        s.passwords[login] = u["one_time_password"]
        s.accounts[login] = {"role": role, "id": u["id"]}


def _problem(f, name, who, unit, **kw):
    body = {"target_id": f.s.ids["targets"][unit], "category_id": "01940000-0000-7000-8000-040300000000",
            "title": "公款私存" + tag(name), "description": "单位会计将专项资金存入个人账户",
            "amount": "1234.56", "people": PEOPLE, "found_by": "records", "found_on": today_shanghai(),
            "inaction": False}
    body.update(kw)
    return f.add("problem", name, expect(f.c(who).post("/api/v1/problems", body), 201).json["id"])


def _report(f, name, unit, member, leader, feedback=True, copy=True):
    rid = expect(f.c(member).post("/api/v1/reports", {"target_id": f.s.ids["targets"][unit],
                                                       "text": REPORT_TEXT + tag(name)}), 201).json["id"]
    f.add("report", name, rid)
    if not feedback:
        return rid
    expect(f.c(leader).post(f"/api/v1/reports/{rid}/submit"), 200)
    expect(f.c("lg").post(f"/api/v1/reports/{rid}/approve"), 200)
    expect(f.c("office").post(f"/api/v1/reports/{rid}/feedback",
                              {"meeting_date": today_shanghai(), "attendees": 30,
                               "feedback_text": "反馈意见: 请立即整改" + tag(name)}), 200)
    if copy:
        expect(f.c("office").post(f"/api/v1/reports/{rid}/copy"), 200)
    return rid


def _clue(f, name, who, unit, verify=None, handover=False):
    cid = expect(f.c(who).post("/api/v1/clues", {
        "target_id": f.s.ids["targets"][unit], "title": "违规发放津补贴线索" + tag(name),
        "subject_name": "张某某", "subject_post": "主任", "source": "records",
        "discovered_on": today_shanghai(), "allegation": ALLEGATION + tag(name)}), 201).json["id"]
    f.add("clue", name, cid)
    if verify:
        expect(f.c(verify).post(f"/api/v1/clues/{cid}/verify"), 200)
    if handover:
        expect(f.c("office").post(f"/api/v1/clues/{cid}/handover", {"note": "边巡边交"}), 200)
    return cid


def _assistance(f, name, who, unit, leader=None, approve=False, forward=False):
    aid = expect(f.c(who).post("/api/v1/assistance", {
        "target_id": f.s.ids["targets"][unit], "need": "查询会计个人银行账户流水" + tag(name),
        "reason": "发现公款私存线索, 需固定资金去向"}), 201).json["id"]
    f.add("assistance", name, aid)
    if leader:
        expect(f.c(leader).post(f"/api/v1/assistance/{aid}/submit"), 200)
    if approve:
        expect(f.c("lg").post(f"/api/v1/assistance/{aid}/approve", {"note": "同意"}), 200)
    if forward:
        expect(f.c("office").post(f"/api/v1/assistance/{aid}/forward"), 200)
    return aid


def _task(f, name, unit_login, problem):
    tid = expect(f.c(unit_login).post("/api/v1/rect-tasks", {
        "problem_id": f.ids[problem], "measure": "追回资金并建立台账" + tag(name), "owner_name": "王某",
        "owner_post": "财务科长", "deadline": days_from_today(30)}), 201).json["id"]
    return f.add("rect_task", name, tid)


def _notice(f, name, task):
    nid = expect(f.c("office").post("/api/v1/notices", {
        "task_id": f.ids[task], "level": "reminder", "reason": "请加快整改进度" + tag(name),
        "due_date": days_from_today(7)}), 201).json["id"]
    return f.add("notice", name, nid)


def _acct(f, name, who, decided=True, **link):
    body = {"subject_kind": "person", "subject_name": "刘某" + tag(name), "subject_post": "会计"}
    if decided:
        body.update(outcome="criticism", authority="枣阳市纪委监委", decided_on=today_shanghai())
    body.update(link)
    return f.add("accountability", name, expect(f.c(who).post("/api/v1/accountability", body), 201).json["id"])


# review item name -> (review, the title field naming its problem or clue)
REVIEW_ITEMS = {}


def _review(f, name, team, items):
    """A joint review with items {item name: problem or clue name}."""
    rid = expect(f.c("verification").post("/api/v1/joint-reviews", {
        "team_id": f.s.ids["teams"][team], "title": "联审" + tag(name), "scheduled_on": today_shanghai(),
        "participants": "核查组、巡察组"}), 201).json["id"]
    f.add("joint_review", name, rid)
    for item_name, rec in items.items():
        key = "problem_id" if f.kind[rec] == "problem" else "clue_id"
        item = expect(f.c("verification").post(f"/api/v1/joint-reviews/{rid}/items",
                                               {key: f.ids[rec]}), 201).json["id"]
        f.add("review_item", item_name, item)
        REVIEW_ITEMS[item_name] = (name, key.replace("_id", "_title"))
    return rid


def _letter(f, name, kind, record):
    d = expect(f.c("office").post("/api/v1/documents", {"kind": kind, "object_id": f.ids[record]}), 201).json
    return f.add("letter", name, d["id"])


BRIEF_SRC = {"dispatched_group": "dg", "petitions": "pet", "case_mgmt": "case", "conduct": "cond",
             "organization_dept": "org"}


def _briefings(f, prefix, team, unit):
    office = f.c("office")
    r = expect(office.post(f"/api/v1/teams/{f.s.ids['teams'][team]}/targets",
                           {"unit_ids": [f.s.ids["orgs"][unit]], "entry_date": days_from_today(20)}), 201)
    target = r.json["items"][0]["id"]
    f.add("target", "TG_" + prefix[2:], target)
    r = expect(office.post(f"/api/v1/targets/{target}/briefings",
                           {"due_date": days_from_today(9), "note": "请报近三年情况",
                            "sources": list(BRIEF_SRC)}), 201).json
    for b in r["items"]:
        f.add("briefing", f"{prefix}_{BRIEF_SRC[b['source']]}", b["id"])


def build(s):
    """Builds the fixture on the running demo server `s`; returns a Fixture."""
    f = Fixture(s)
    _accounts(f)

    # team 1, u1: fed back and copied; then a new draft
    _problem(f, "P_A1_fb", "member1", "u1", inaction=True, immediate_fix=True)
    fid = expect(f.c("member1").upload(f"/api/v1/problems/{f.ids['P_A1_fb']}/files", "银行流水F_P_A1.pdf",
                                       PDF, "application/pdf"), 201).json["id"]
    f.add("problem_file", "F_P_A1", fid)
    expect(f.c("leader1").post(f"/api/v1/problems/{f.ids['P_A1_fb']}/confirm"), 200)
    _report(f, "R_A1", "u1", "member1", "leader1", copy=True)
    _problem(f, "P_A1_draft", "member1", "u1")
    # team 1, u2: fed back, never copied; then a confirmed problem not yet reported
    _problem(f, "P_A2_fb", "member1", "u2")
    expect(f.c("leader1").post(f"/api/v1/problems/{f.ids['P_A2_fb']}/confirm"), 200)
    _report(f, "R_A2", "u2", "member1", "leader1", copy=False)
    _problem(f, "P_A2_conf", "member1", "u2")
    expect(f.c("leader1").post(f"/api/v1/problems/{f.ids['P_A2_conf']}/confirm"), 200)
    # team 2, u3: fed back and copied; u4: a draft report
    _problem(f, "P_B3_fb", "member2", "u3")
    expect(f.c("leader2").post(f"/api/v1/problems/{f.ids['P_B3_fb']}/confirm"), 200)
    _report(f, "R_B3", "u3", "member2", "leader2", copy=True)
    _report(f, "R_B4_draft", "u4", "member2", "leader2", feedback=False)
    # team 4, u7 (another dispatched group): fed back and copied
    _problem(f, "P_D7_fb", "leader4", "u7")
    expect(f.c("leader4").post(f"/api/v1/problems/{f.ids['P_D7_fb']}/confirm"), 200)
    _report(f, "R_D7", "u7", "leader4", "leader4", copy=True)

    # rectification
    _task(f, "T_A1", "unit1", "P_A1_fb")
    fid = expect(f.c("unit1").upload(f"/api/v1/rect-tasks/{f.ids['T_A1']}/files", "整改凭证F_T_A1.pdf",
                                     PDF, "application/pdf"), 201).json["id"]
    f.add("task_file", "F_T_A1", fid)
    _task(f, "T_A2", "unit2", "P_A2_fb")
    _task(f, "T_B3", "unit3", "P_B3_fb")
    _task(f, "T_D7", "unit7", "P_D7_fb")
    _notice(f, "N_A1", "T_A1")
    _notice(f, "N_A2", "T_A2")
    _notice(f, "N_D7", "T_D7")

    # clues
    _clue(f, "C_A1_draft", "member1", "u1")
    _clue(f, "C_A2_ver", "member1", "u2", verify="leader1")
    _clue(f, "C_A1_ho", "member1", "u1", verify="leader1", handover=True)
    _clue(f, "C_B3_ho", "member2", "u3", verify="leader2", handover=True)

    # petitions with a sealed reporter
    for name, who, unit in (("PT_A1", "member1", "u1"), ("PT_B3", "member2", "u3")):
        p = expect(f.c(who).post("/api/v1/petitions", {
            "target_id": s.ids["targets"][unit], "channel": "letter", "received_on": today_shanghai(),
            "summary": "反映危房改造补助优亲厚友" + tag(name), "reporter_name": REPORTER + tag(name),
            "reporter_contact": "13800000000"}), 201).json
        f.add("petition", name, p["id"])

    # assistance
    _assistance(f, "AS_A1_draft", "member1", "u1")
    _assistance(f, "AS_A2_appr", "member1", "u2", leader="leader1", approve=True)
    _assistance(f, "AS_A1_fwd", "member1", "u1", leader="leader1", approve=True, forward=True)
    _assistance(f, "AS_B3_fwd", "member2", "u3", leader="leader2", approve=True, forward=True)

    # accountability on copied problems and on a handed-over clue
    _acct(f, "AC_A1", "conduct", problem_id=f.ids["P_A1_fb"])
    _acct(f, "AC_CA1", "investigation", clue_id=f.ids["C_A1_ho"])
    _acct(f, "AC_B3", "conduct", decided=False, problem_id=f.ids["P_B3_fb"])  # open: P_B3_fb stays pending
    _acct(f, "AC_D7", "conduct", problem_id=f.ids["P_D7_fb"])

    # joint reviews
    # (JR_A also discusses a problem and a clue the commission may not see yet: their titles are
    # withheld from the review's commission readers)
    _review(f, "JR_A", "t1", {"JRI_A1": "P_A1_fb", "JRI_A2": "P_A2_conf", "JRI_CA1": "C_A1_draft"})
    _review(f, "JR_B", "t2", {"JRI_B3": "P_B3_fb"})

    # briefings before entry (new targets whose entry is still ahead)
    _briefings(f, "B_A9", "t1", "u9")
    _briefings(f, "B_B10", "t2", "u10")

    # letters
    _letter(f, "L_C_A1_ho", "clue_handover", "C_A1_ho")
    _letter(f, "L_C_B3_ho", "clue_handover", "C_B3_ho")
    _letter(f, "L_AS_A1_fwd", "assistance_request", "AS_A1_fwd")
    _letter(f, "L_AS_B3_fwd", "assistance_request", "AS_B3_fwd")
    _letter(f, "L_R_A1", "feedback_copy", "R_A1")
    _letter(f, "L_R_B3", "feedback_copy", "R_B3")
    _letter(f, "L_R_D7", "feedback_copy", "R_D7")
    _letter(f, "L_N_A1", "rect_notice", "N_A1")
    _letter(f, "L_N_A2", "rect_notice", "N_A2")
    _letter(f, "L_N_D7", "rect_notice", "N_D7")
    return f


def sign_in_all(f):
    """A client per oracle role (extra accounts change their one-time password)."""
    for r in ROLES:
        f.c(r)
    assert f.s.passwords["unit2"] == NEW_PASSWORD
    return {r: f.clients[r] for r in ROLES}
