"""Formal letters as PDF (issue 6): a 问题线索移交函 from a handed-over clue and
a 廉政审核函 from a round's vetting request, in the GB/T 9704 letter layout
with the CJK font embedded. Read back with pdftotext / pdffonts and compared
with the records; issuing assigns the 文号 of the series and is audited, and
only those who may read the record may read its letter."""
import re
import subprocess
import tempfile

from lib import Server, expect, test, today_shanghai, days_from_today

CANARY = "CANARY-LETTER-91c2"


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return text, fonts, info


def flat(text):
    return re.sub(r"\s+", "", text)


@test
def handover_letter_from_a_clue():
    with Server() as s:
        office, m1, l1 = s.client("office"), s.client("member1"), s.client("leader1")
        case, lg = s.client("casemgmt"), s.client("lg")
        r = expect(m1.post("/api/v1/clues", {
            "target_id": s.ids["targets"]["u1"], "title": "会计公款私存", "subject_name": "王某某",
            "subject_post": "会计", "source": "records", "discovered_on": days_from_today(-3),
            "allegation": "反映该单位会计公款私存。" + CANARY}), 201)
        cid = r.json["id"]
        expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
        # not before the hand-over
        expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 409, "not_ready")
        ho = expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200).json
        # only the office issues; bad input is refused
        expect(m1.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 403, "forbidden")
        expect(office.post("/api/v1/documents", {"kind": "memo", "object_id": cid}), 400, "invalid_field")
        expect(office.post("/api/v1/documents", {"kind": "clue_handover"}), 400, "missing_field")
        expect(office.post("/api/v1/documents", {"kind": "clue_handover",
                                                 "object_id": "01a21175-ef21-7723-bf82-ceba00a78ce5"}), 404)

        d = expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 201).json
        assert d["docno"] == ho["handover_docno"]           # the 文号 given at hand-over
        assert d["kind_label"] == "问题线索移交函" and d["recipient"] == "枣阳市纪委监委"
        assert d["title"] == "关于移交枣阳市人民防空办公室会计王某某问题线索的函"
        expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 409, "already_issued")

        r = expect(case.get(f"/api/v1/documents/{d['id']}/pdf"), 200)
        assert r.header("Content-Type") == "application/pdf"
        cd = r.header("Content-Disposition")
        assert cd.startswith("attachment;") and "filename*=UTF-8''" in cd
        assert r.raw[:5] == b"%PDF-"
        text, fonts, info = pdf_text(r.raw)
        t = flat(text)
        for want in ("市委巡察工作领导小组办公室", ho["handover_docno"], "关于移交枣阳市人民防空办公室会计王某某问题线索的函",
                     "枣阳市纪委监委：", "第一巡察组", "巡察期间移交（边巡边交）", "八届市委第五轮巡察"):
            assert flat(want) in t, (want, text)
        y, m, dd = today_shanghai().split("-")
        assert f"{y}年{int(m)}月{int(dd)}日" in t
        disc = days_from_today(-3).split("-")
        assert f"于{disc[0]}年{int(disc[1])}月{int(disc[2])}日发现" in t
        assert CANARY not in text                         # the sealed allegation never enters a letter
        assert "WenQuanYi" in fonts and re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes", fonts), fonts
        assert re.search(r"Pages:\s+1\n", info) and "(A4)" in info, info  # A4, one page
        # the stored letter is exactly what was issued; the canary is nowhere in clear
        with open(s.db, "rb") as f:
            assert CANARY.encode() not in f.read()
        got = expect(lg.get(f"/api/v1/documents/{d['id']}"), 200).json
        assert got["content"]["docno"] == d["docno"] and got["content"]["to"] == "枣阳市纪委监委"

        # issue and every download are audited
        acts = s.sql("SELECT action, actor_login FROM audit WHERE object_id=? ORDER BY seq", (d["id"],))
        assert acts[0] == ("document.issue", "office") and ("document.download", "casemgmt") in acts

        # who reads letters: not the team, not the unit; the list filters by kind and record
        expect(m1.get(f"/api/v1/documents/{d['id']}/pdf"), 403, "forbidden")
        expect(s.client("unit1").get(f"/api/v1/documents/{d['id']}"), 403, "forbidden")
        lst = expect(case.get(f"/api/v1/documents?object_id={cid}"), 200).json
        assert lst["total"] == 1 and lst["items"][0]["docno"] == d["docno"]
        expect(case.get("/api/v1/documents?kind=memo"), 400)


def person(office, name, org):
    return expect(office.post("/api/v1/persons", {"name": name, "post": "科员", "org_id": org}), 201).json["id"]


@test
def vetting_letter_numbers_its_series():
    with Server() as s:
        o = s.ids["orgs"]
        office, cadre, case = s.client("office"), s.client("cadre"), s.client("casemgmt")
        year = today_shanghai()[:4]
        rounds = []
        for seq in (6, 7):
            rid = expect(office.post("/api/v1/rounds", {
                "name": f"八届市委第{'六七'[seq - 6]}轮巡察", "term": "八届", "seq": seq, "kind": "regular",
                "theme": "政治巡察", "planned_start": days_from_today(20), "planned_end": days_from_today(60)}),
                201).json["id"]
            tid = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": o["g2"], "name": "第二巡察组"}),
                         201).json["id"]
            pid = person(office, f"赵{'六七'[seq - 6]}", o["orgdept"])
            expect(office.post(f"/api/v1/teams/{tid}/members", {"person_id": pid, "role": "leader",
                                                                 "origin": "seconded",
                                                                 "source_unit_id": o["orgdept"]}), 201)
            rounds.append(rid)
        r = expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rounds[0]}), 409,
                   "not_ready")
        assert "廉政审核" in r.json["error"]["message"]
        docs = []
        for rid in rounds:
            expect(office.post(f"/api/v1/rounds/{rid}/vetting", {}), 200)
            docs.append(expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rid}),
                               201).json)
        assert [d["docno"] for d in docs] == [f"枣巡审〔{year}〕1号", f"枣巡审〔{year}〕2号"]
        text, _, _ = pdf_text(expect(cadre.get(f"/api/v1/documents/{docs[0]['id']}/pdf"), 200).raw)
        t = flat(text)
        assert "关于商请对八届市委第六轮巡察巡察干部进行廉政审核的函" in t
        assert f"枣巡审〔{year}〕1号" in t and "拟抽调以下1名同志" in t
        assert "1.赵六（中共枣阳市委组织部，科员），拟任第二巡察组组长" in t, text
        assert "赵七" not in t
        # 案管室 reads hand-over letters, not vetting letters (it cannot list vettings)
        expect(case.get(f"/api/v1/documents/{docs[0]['id']}"), 404)
        assert expect(case.get("/api/v1/documents"), 200).json["total"] == 0
        assert expect(cadre.get("/api/v1/documents?kind=vetting_request"), 200).json["total"] == 2
