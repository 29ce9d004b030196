"""The summary report (汇总报告, issue 6) of a round or a campaign: the PDF
(figures grouped by kind of record, bar charts of the distributions) and the
.xlsx (a figures sheet and one sheet per distribution) carry exactly the
figures GET /api/v1/stats answers for the same filter and the same user.
Read back with pdftotext / pdffonts and an independent xlsx reader."""
import os
import re
import subprocess
import tempfile
from urllib.parse import quote

import xlsxio
from lib import Server, expect, run_cli, test, today_shanghai, days_from_today


def cat(code):
    return "01940000-0000-7000-8000-" + code.ljust(12, "0")


def flat(t):
    return re.sub(r"\s+", "", t)


def pdf_read(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
    return text, fonts


def stats(c, query):
    return expect(c.get("/api/v1/stats" + query), 200).json["measures"]


def shown(m):
    """The value as the report prints it, and its note."""
    v, kind = m["value"], m["kind"]
    text = "—" if v is None else (v if isinstance(v, str) else
                                  (str(int(v)) if float(v) == int(v) else f"{v:.2f}"))
    note = {"sum_fen": f"合 {m.get('value_wan')} 万元", "distinct": "去重计数", "dist": "分布见图表",
            "ratio": f"{m.get('numerator')} / {m.get('denominator')}"}.get(kind, "")
    if kind == "days":
        note = f"中位数; 最长 {m['max']} 天, 共 {m['count']} 件" if m["max"] is not None else "暂无记录"
    return text, note


def check_pdf(data, measures, title, filter_text):
    text, fonts = pdf_read(data)
    assert "WenQuanYi" in fonts and re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes", fonts), fonts
    lines = {flat(line) for line in text.splitlines()}
    t = flat(text)
    assert flat(title) in t and flat(filter_text) in t, text
    for m in measures:
        value, note = shown(m)
        assert flat(m["label"] + value + m["unit"] + note) in lines, (m, value, note)
        if m["kind"] == "dist":  # its chart: a title with the total, one bar per category
            assert flat(f"{m['label']}（{m['unit']}，合计 {m['value']}）") in t, m
            for b in m["by"]:
                assert flat(f"{b['label']}{b['n']}") in lines, (b, text)
    return text


def check_xlsx(data, measures):
    sheets = xlsxio.read_all(data)
    names = list(sheets)
    figs = sheets[names[0]]
    assert names[0] == "统计指标" and figs.frozen_rows == 1
    assert figs.rows[0] == ["分类", "指标", "数值", "单位", "说明", "指标代码"]
    rows = {r["指标代码"]: r for r in figs.records()}
    assert list(rows) == [m["name"] for m in measures]      # every figure, in the table's order
    for m in measures:
        r = rows[m["name"]]
        assert r["指标"] == m["label"] and r["单位"] == m["unit"]
        v = r["数值"]
        if m["kind"] == "sum_fen":
            assert v[0] == "money" and f"{v[1]:.2f}" == m["value"], (v, m)
        elif m["value"] is None:
            assert v is None
        else:
            assert v == m["value"], (v, m)
    dists = [m for m in measures if m["kind"] == "dist"]
    assert len(names) == 1 + len(dists)
    for i, m in enumerate(dists):
        sh = sheets[names[i + 1]]
        assert m["label"][:20] in names[i + 1]
        body = sh.records()
        assert [(r["分类"], r["数量"]) for r in body[:-1]] == [(b["label"], b["n"]) for b in m["by"]]
        assert body[-1]["分类"] == "合计" and body[-1]["数量"] == m["value"]
    return sheets


def scenario(s):
    """Clues, problems with amounts to the cent, a petition; in the demo round."""
    tg = s.ids["targets"]
    member1, leader1, office, case = s.client("member1"), s.client("leader1"), s.client("office"), s.client("casemgmt")
    for unit, disc, title in (("u1", -6, "会计公款私存"), ("u2", -2, "扶贫资金优亲厚友")):
        cid = expect(member1.post("/api/v1/clues", {
            "target_id": tg[unit], "title": title, "subject_name": "王某某", "subject_post": "会计",
            "source": "records", "discovered_on": days_from_today(disc), "allegation": "反映问题"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
        expect(case.post(f"/api/v1/clues/{cid}/register"), 200)
        expect(case.post(f"/api/v1/clues/{cid}/dispose", {"method": "talk_inquiry" if unit == "u1" else "closed_out",
                                                          "dept_id": s.ids["orgs"]["investigation"]}), 200)
    for amount, fix in (("386000.05", True), ("1234.50", False), ("0.07", False)):
        pid = expect(member1.post("/api/v1/problems", {
            "target_id": tg["u1"], "category_id": cat("0403"), "title": "公款私存", "description": "d",
            "amount": amount, "found_by": "records", "found_on": today_shanghai(), "immediate_fix": fix}), 201).json["id"]
        expect(leader1.post(f"/api/v1/problems/{pid}/confirm"), 200)


@test
def round_summary_equals_the_statistics():
    with Server() as s:
        office, member2, unit1 = s.client("office"), s.client("member2"), s.client("unit1")
        scenario(s)
        rid = s.ids["round"]
        q = f"?round_id={rid}"
        ms = stats(office, q)
        by = {m["name"]: m for m in ms}
        assert by["problems_amount"]["value"] == "387234.62" and by["clues_handed_over"]["value"] == 2
        r = expect(office.get("/api/v1/stats/summary.pdf" + q), 200)
        assert r.header("Content-Type") == "application/pdf" and r.raw[:5] == b"%PDF-"
        assert "filename*=UTF-8''" in r.header("Content-Disposition")
        text = check_pdf(r.raw, ms, "八届市委第五轮巡察统计汇总报告", "巡察轮次：八届市委第五轮巡察")
        assert flat("问题涉及金额387234.62元合38.723462万元") in {flat(x) for x in text.splitlines()}, text
        # grouped by the kind of record, in the order of the measures table
        heads = re.findall(r"^[一二三四五六七八九十]+、(\S+)", text, re.M)
        assert heads[-1] == "统计图表" and "问题线索" in heads and "问题" in heads, heads
        assert heads.index("问题线索") < heads.index("问题")

        x = expect(office.get("/api/v1/stats/summary.xlsx" + q), 200)
        assert x.header("Content-Type").startswith("application/vnd.openxmlformats")
        sheets = check_xlsx(x.raw, ms)
        figs = {r["指标代码"]: r for r in sheets["统计指标"].records()}
        assert figs["problems_amount"]["说明"] == f"合 {by['problems_amount']['value_wan']} 万元"
        assert figs["clues_handed_over"]["分类"] == "问题线索" and figs["problems_found"]["分类"] == "问题"
        methods = [sh for n, sh in sheets.items() if "线索处置方式分布" in n][0].records()
        assert {r["分类"]: r["数量"] for r in methods}["谈话函询"] == 1
        assert {r["分类"]: r["占比(%)"] for r in methods}["谈话函询"] == 50

        # the user's own scope: a team member of another team sees its own (empty) figures
        ms2 = stats(member2, q)
        assert {m["name"]: m for m in ms2}["problems_found"]["value"] == 0
        check_pdf(expect(member2.get("/api/v1/stats/summary.pdf" + q), 200).raw, ms2,
                  "八届市委第五轮巡察统计汇总报告", "巡察轮次")
        check_xlsx(expect(member2.get("/api/v1/stats/summary.xlsx" + q), 200).raw, ms2)
        # the unit has no statistics; bad filters are refused as by /stats
        expect(unit1.get("/api/v1/stats/summary.pdf" + q), 403)
        expect(office.get("/api/v1/stats/summary.pdf?round_id=x"), 400, "invalid_field")
        expect(office.get("/api/v1/stats/summary.xlsx?colour=red"), 400, "unknown_field")
        acts = s.sql("SELECT actor_login, detail FROM audit WHERE action='summary.export' ORDER BY seq")
        assert [a[0] for a in acts] == ["office", "office", "member2", "member2"]
        assert rid in acts[0][1] and '"pdf"' in acts[0][1] and '"xlsx"' in acts[1][1]


@test
def campaign_summary_and_the_shell():
    with Server() as s:
        office, lg = s.client("office"), s.client("lg")
        scenario(s)
        s.sql_write("UPDATE rounds SET campaign='脱贫攻坚' WHERE id=?", (s.ids["round"],))
        q = "?campaign=" + quote("脱贫攻坚")
        ms = stats(lg, q)
        assert {m["name"]: m for m in ms}["problems_found"]["value"] == 3
        check_pdf(expect(lg.get("/api/v1/stats/summary.pdf" + q), 200).raw, ms, "脱贫攻坚专项统计汇总报告",
                  "专项治理：脱贫攻坚")
        check_xlsx(expect(lg.get("/api/v1/stats/summary.xlsx" + q), 200).raw, ms)
        # a campaign with no records: zeros, no failure
        empty = stats(lg, "?campaign=" + quote("人防"))
        assert all(m["value"] in (0, None, "0.00") for m in empty)
        check_pdf(expect(lg.get("/api/v1/stats/summary.pdf?campaign=" + quote("人防")), 200).raw, empty,
                  "人防专项统计汇总报告", "专项治理：人防")
        by_round = stats(lg, f"?round_id={s.ids['round']}")
        s.stop()
        # the shell: the same figures (it sees everything, like the leading group)
        d = tempfile.mkdtemp()
        pdf, xlsx = os.path.join(d, "s.pdf"), os.path.join(d, "s.xlsx")
        out = run_cli("export", "summary", "--campaign", "脱贫攻坚", "--out", pdf, db=s.db)
        assert "已导出" in out.stdout
        with open(pdf, "rb") as f:
            check_pdf(f.read(), ms, "脱贫攻坚专项统计汇总报告", "专项治理：脱贫攻坚")
        run_cli("export", "summary", "--round", s.ids["round"], "--out", xlsx, db=s.db)
        with open(xlsx, "rb") as f:
            check_xlsx(f.read(), by_round)
        bad = run_cli("export", "summary", "--out", os.path.join(d, "s.doc"), db=s.db, check=False)
        assert bad.returncode == 2 and ".pdf" in bad.stderr
        assert s.sql("SELECT count(*) FROM audit WHERE action='summary.export' AND actor_login LIKE 'cli:%'")[0][0] == 2

