"""The seed reproduces (issue 6): `xunji seed zaoyang` loads the historical
records of Zaoyang's patrols, and GET /api/v1/stats returns exactly the
figures of the seed (DOMAIN.md §5) computed from them; each figure's
drill-down returns the records counted; the 16 clues handed over during
patrol each show their time from hand-over to disposal."""
import re
from urllib.parse import quote

import xlsxio
from lib import Server, expect, run_cli, test

RENFANG = "人防领域专项治理"
TUOPIN = "脱贫攻坚"


def figures(client, query=""):
    d = expect(client.get("/api/v1/stats" + query), 200).json
    return {m["name"]: m for m in d["measures"]}


def value(figs, name):
    m = figs[name]
    return m["value_wan"] if m["kind"] == "sum_fen" else m["value"]


@test
def seed_figures_reproduce_from_records():
    s = Server()
    with s:
        p = run_cli("seed", "zaoyang", db=s.db)
        assert "问题" in p.stdout and "1375" in p.stdout, p.stdout
        # loading twice is refused and changes nothing
        again = run_cli("seed", "zaoyang", db=s.db, check=False)
        assert again.returncode == 1 and "已载入" in again.stderr
        assert s.sql("SELECT count(*) FROM accountability")[0][0] == 899
        # the statistics' aggregates (migration 021) were kept by the seed's own inserts
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode == 0 and "一致" in v.stdout, v.stdout + v.stderr
        # and the audit chain, with the load's entry, verifies
        a = run_cli("audit", "verify", db=s.db, check=False)
        assert a.returncode == 0 and a.stdout.startswith("OK"), a.stdout + a.stderr
        s.start()
        office = s.client("office")

        # all rounds
        allf = figures(office)
        want_all = {
            "vettings_answered": 292, "vettings_objection": 3, "commission_cadres": 32,
            "clues_during_patrol": 16, "joint_reviews_held": 2, "review_items": 32,
            "review_flags_raised": 2, "review_flags_cleared": 2,
            "people_accountable": 877, "funds_total": "3223.46",
        }
        for k, v in want_all.items():
            assert value(allf, k) == v, (k, value(allf, k), v)
        moves = {b["code"]: b["n"] for b in allf["cadre_movements"]["by"]}
        assert moves == {"commission_to_patrol": 4, "patrol_to_commission": 1, "patrol_to_grassroots": 1}
        forms = {b["code"]: b["n"] for b in allf["four_forms"]["by"]}
        assert sum(forms.values()) == 877 and forms["4"] == 3

        # the 2019 人防 special patrol: 46 / 20 / 1 / 3 / 23 / 2596万元
        rf = figures(office, "?campaign=" + quote(RENFANG))
        for k, v in {"problems_rectified": 46, "people_case_filed": 20, "people_detained": 1,
                     "people_prosecuted": 3, "people_org_handling": 23,
                     "funds_recovered": "2596.00"}.items():
            assert value(rf, k) == v, (k, value(rf, k), v)
        assert rf["funds_recovered"]["value_fen"] == 2596 * 1000000

        # the 2020 脱贫攻坚 special patrol: 160 villages, 1149, 5, 136, 12.38万元, 13.77万元, 46
        tp = figures(office, "?campaign=" + quote(TUOPIN))
        for k, v in {"targets_inspected": 160, "problems_rectified": 1149,
                     "people_party_discipline": 5, "people_org_handling": 136,
                     "funds_returned": "12.38", "losses_recovered": "13.77",
                     "institutions_revised": 46}.items():
            assert value(tp, k) == v, (k, value(tp, k), v)
        assert tp["funds_returned"]["value"] == "123800.00"
        # the whole chain is on record (issue 12): the 160 villages' reports fed back at one
        # 集中反馈大会 of 300余人 and copied, a rectification task for every problem rectified
        for k, v in {"feedback_given": 160, "feedback_meetings": 1, "feedback_attendees": 304,
                     "feedback_copied": 160, "rect_tasks_total": 1149, "rect_tasks_signed_off": 1149,
                     "rect_tasks_overdue": 0}.items():
            assert value(tp, k) == v, (k, value(tp, k), v)
        assert value(tp, "feedback_attendees") > 300
        meeting = expect(office.get("/api/v1/stats/feedback_meetings/records?campaign=" + quote(TUOPIN)), 200).json
        assert meeting["total"] == 1 and meeting["items"][0]["attendees"] == 304
        assert meeting["items"][0]["reports"] == 160
        for k, v in {"feedback_given": 1, "feedback_meetings": 1, "feedback_attendees": 45,
                     "rect_tasks_total": 46}.items():
            assert value(rf, k) == v, (k, value(rf, k), v)
        for k, v in {"feedback_given": 173, "feedback_copied": 173, "feedback_meetings": 14,
                     "assistance_requests": 1, "assistance_approved": 1, "assistance_completed": 1}.items():
            assert value(allf, k) == v, (k, value(allf, k), v)
        assert value(allf, "rect_tasks_total") == value(allf, "problems_rectified") == 1357
        # the 公款私存 story: assistance → bank statements queried → clue fixed → 严重警告 and 约谈
        helps = expect(office.get("/api/v1/assistance"), 200).json["items"]
        assert len(helps) == 1 and helps[0]["state"] == "closed" and "银行账户流水" in helps[0]["need"]
        assert helps[0]["seq_no"] == "2019-0001" and "线索已固定" in helps[0]["result"]
        clue = expect(office.get(f"/api/v1/clues/{helps[0]['clue_id']}"), 200).json
        assert "公款私存" in clue["title"] and clue["subject_post"] == "会计"
        acc = expect(office.get(f"/api/v1/accountability?clue_id={helps[0]['clue_id']}"), 200).json["items"]
        assert [(a["subject_post"], a["outcome"]) for a in acc] == [("会计", "party_serious_warning")]
        acc = expect(office.get(f"/api/v1/accountability?problem_id={helps[0]['problem_id']}&per_page=50"),
                     200).json["items"]
        assert sorted(a["leader_role"] for a in acc if a["outcome"] == "work_interview") == ["principal",
                                                                                            "supervising"]
        # problem numbers have one format, the live one (YYYY-NNNN), and the series continue
        seq = [r[0] for r in s.sql("SELECT seq_no FROM problems")]
        assert len(seq) == 1375 and all(re.fullmatch(r"[0-9]{4}-[0-9]{4}", x or "") for x in seq)
        assert s.sql("SELECT last FROM doc_seq WHERE series='problem' AND year=2020")[0][0] == 1149
        # no 廉政审核函 dated today for a round closed in 2019
        closed = s.sql("SELECT id FROM rounds WHERE name='2019年人防领域专项巡察' AND state='closed'")[0][0]
        r = expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": closed}), 409,
                   "not_ready")
        assert "已结束" in r.json["error"]["message"]
        assert value(figures(office, "?campaign=" + quote(TUOPIN) + "&level=village"),
                     "targets_inspected") == 160

        # one figure per round and per unit (the dashboard's comparison)
        g = expect(office.get("/api/v1/stats/problems_found/groups?by=round"), 200).json
        by_round = {x["group"]: x for x in g["groups"]}
        assert by_round["2020年脱贫攻坚专项巡察"]["value"] == 1149
        assert by_round["2019年人防领域专项巡察"]["value"] == 46
        assert sum(x["value"] for x in g["groups"]) == value(allf, "problems_found") == 1375
        r1 = by_round["七届市委第三轮巡察"]["id"]
        assert by_round["七届市委第三轮巡察"]["value"] == value(figures(office, "?round_id=" + r1), "problems_found")
        rate = expect(office.get(f"/api/v1/stats/rectification_rate/groups?by=unit&round_id={r1}"), 200).json
        assert len(rate["groups"]) == 4 and sorted(x["value"] for x in rate["groups"]) == [80.0, 80.0, 100.0, 100.0]
        for x in rate["groups"]:
            one = figures(office, f"?round_id={r1}&unit_id={x['id']}")["rectification_rate"]
            assert (x["value"], x["numerator"], x["denominator"]) == (one["value"], one["numerator"], one["denominator"])
        villages = expect(office.get("/api/v1/stats/problems_rectified/groups?by=unit&campaign=" + quote(TUOPIN)), 200).json
        assert len(villages["groups"]) == 160 and sum(x["value"] for x in villages["groups"]) == 1149
        expect(office.get("/api/v1/stats/problems_found/groups?by=nope"), 400, "invalid_field")
        expect(office.get("/api/v1/stats/joint_reviews_held/groups?by=unit"), 400, "invalid_field")
        expect(office.get("/api/v1/stats/nonesuch/groups?by=unit"), 404)
        assert expect(s.client("member1").get("/api/v1/stats/problems_found/groups?by=round"), 200).json["groups"] == []

        # drill-downs return exactly the records counted
        q = "?campaign=" + quote(RENFANG) + "&per_page=200"
        cases = expect(office.get("/api/v1/stats/people_case_filed/records" + q), 200).json
        assert cases["total"] == 20 and len(cases["items"]) == 20
        assert all(r["outcome"] == "case_filed" for r in cases["items"])
        assert len({r["subject_name"] for r in cases["items"]}) == 20
        people = expect(office.get("/api/v1/stats/people_accountable/records?per_page=1"), 200).json
        assert people["total"] == 877

        # the accountability ledger: the same records, money to the cent
        sh = xlsxio.read(expect(office.get("/api/v1/ledgers/accountability?campaign=" + quote(RENFANG)), 200).raw)
        recs = sh.records()
        assert len(recs) == value(rf, "accountability_records") == 64
        assert sum(round(r["追缴资金(元)"][1] * 100) for r in recs) == 2596 * 1000000
        assert sum(1 for r in recs if r["处理结果"] == "立案审查调查") == 20
        assert {r["四种形态"] for r in recs if r["处理结果"] == "移送审查起诉"} == {"第四种形态"}
        assert all(r["关联问题或线索"] for r in recs)

        # the 16 clues handed over during patrol: each shows hand-over to disposal
        during = expect(office.get("/api/v1/stats/clues_during_patrol/records?per_page=50"), 200).json
        assert during["total"] == 16
        cm = s.client("casemgmt")
        for r in during["items"]:
            c = expect(cm.get(f"/api/v1/clues/{r['id']}"), 200).json
            assert c["handover_mode"] == "during_patrol"
            assert isinstance(c["days_handover_to_disposal"], int) and 0 <= c["days_handover_to_disposal"] <= 10
            assert c["allegation"] and "线索具体" in c["allegation"]  # sealed with this installation's key
        assert value(allf, "days_handover_to_disposal") is not None

        # the load is audited as one entry; a team of the current round sees none of it
        rows = s.sql("SELECT actor_login, detail FROM audit WHERE action='seed.load'")
        assert len(rows) == 1 and rows[0][0].startswith("cli:") and '"problems":1375' in rows[0][1]
        mine = figures(s.client("member1"))
        assert value(mine, "problems_found") == 0 and value(mine, "people_accountable") == 0


@test
def seed_needs_the_demo_data():
    s = Server(demo=False)
    with s:
        p = run_cli("seed", "zaoyang", db=s.db, check=False)
        assert p.returncode == 1 and "init --demo" in p.stderr
        assert s.sql("SELECT count(*) FROM rounds")[0][0] == 0
        assert run_cli("seed", "nonesuch", db=s.db, check=False).returncode == 2
        assert run_cli("seed", db=s.db, check=False).returncode == 2
        assert "用法" in run_cli("seed", "--help").stdout
