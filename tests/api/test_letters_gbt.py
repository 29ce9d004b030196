"""Letters closer to GB/T 9704 (issue 17): the issuing authority's full name
(letter_authority) in the letterhead and the 版记, 份号, the 标注 the office
sets (内部资料 / 工作秘密; xunji holds no 国家秘密), the contact's phone, a
title that breaks only between words, 抄送 to the unit's dispatched group on a
督办通知, 印发机关 and 印发日期. Read back with pdftotext."""
import json
import re
import subprocess
import tempfile

from lib import Server, days_from_today, expect, test, today_shanghai

AUTHORITY = "中共枣阳市委巡察工作领导小组办公室"


def pdf_lines(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return [ln.strip() for ln in text.splitlines() if ln.strip()], info


def date_cn(iso):
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def letter(c, kind, oid):
    d = expect(c.post("/api/v1/documents", {"kind": kind, "object_id": oid}), 201).json
    return d, pdf_lines(expect(c.get(f"/api/v1/documents/{d['id']}/pdf"), 200).raw)


@test
def letters_carry_authority_copy_number_mark_phone_and_imprint():
    with Server({"letter_mark": "内部资料", "letter_contact_phone": "0710-6221234"}) as s:
        tg = s.ids["targets"]
        office, m1, l1, lg = s.client("office"), s.client("member1"), s.client("leader1"), s.client("lg")
        unit1 = s.client("unit1")
        cid = expect(m1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计公款私存", "subject_name": "王某某",
                                               "subject_post": "会计", "source": "records",
                                               "discovered_on": days_from_today(-3), "allegation": "x"}), 201).json["id"]
        expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
        d, (lines, info) = letter(office, "clue_handover", cid)
        assert re.search(r"Pages:\s+1\n", info), info
        # 份号 and 标注 above the letterhead, which names the authority in full on one line
        head = lines.index(AUTHORITY)
        assert "000001" in lines[:head] and "内部资料" in lines[:head], lines[:head + 1]
        # the title (two lines here) breaks between words, never inside one
        title = "关于移交枣阳市人民防空办公室会计王某某问题线索的函"
        i = next(k for k, ln in enumerate(lines) if ln.startswith("关于移交"))
        assert lines[i] + lines[i + 1] == title and len(lines[i]) < len(title), lines[i:i + 2]
        for word in ("枣阳市人民防空办公室", "王某某", "问题线索"):
            assert any(word in ln for ln in lines[i:i + 2]), (word, lines[i:i + 2])
        flat = "".join(lines)
        assert "联系人：第一巡察组，联系电话：0710-6221234。" in flat, flat
        # 版记: 印发机关 and 印发日期 on the last line
        assert re.sub(r"\s+", "", lines[-1]) == AUTHORITY + date_cn(today_shanghai()) + "印发", lines[-1]
        assert d["content"]["copy_no"] == "000001" and d["content"]["mark"] == "内部资料"
        # every download is the next copy: its 份号 is printed and audited
        lines2, _ = pdf_lines(expect(office.get(f"/api/v1/documents/{d['id']}/pdf"), 200).raw)
        head2 = lines2.index(AUTHORITY)
        assert "000002" in lines2[:head2] and "000001" not in lines2[:head2], lines2[:head2 + 1]
        assert expect(office.get(f"/api/v1/documents/{d['id']}"), 200).json["copies"] == 2
        copies = [r[0] for r in s.sql("SELECT detail FROM audit WHERE action='document.download' AND object_id=? "
                                      "ORDER BY seq", (d["id"],))]
        assert [json.loads(c)["copy"] for c in copies] == [1, 2], copies

        # a 督办通知 goes to the unit with 抄送 to its dispatched discipline group
        pid = expect(m1.post("/api/v1/problems", {
            "target_id": tg["u1"], "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
            "description": "d", "amount": "1", "people": "p", "found_by": "records", "found_on": today_shanghai(),
            "inaction": False}), 201).json["id"]
        expect(l1.post(f"/api/v1/problems/{pid}/confirm"), 200)
        rep = expect(m1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(l1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(), "feedback_text": "反馈"}), 200)
        expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan", {"plan_text": "整改方案"}), 200)
        task = expect(unit1.post("/api/v1/rect-tasks", {"problem_id": pid, "measure": "追回资金", "owner_name": "王某",
                                                        "deadline": days_from_today(5)}), 201).json
        n = expect(office.post("/api/v1/notices", {"task_id": task["id"], "level": "reminder", "reason": "进度滞后",
                                                   "due_date": days_from_today(7)}), 201).json
        _, (lines, _) = letter(office, "rect_notice", n["id"])
        flat = "".join(lines)
        assert "抄送：市纪委监委派驻第一纪检监察组。" in flat, flat
        assert re.sub(r"\s+", "", lines[-1]).endswith("印发") and AUTHORITY in lines[-1], lines[-1]

