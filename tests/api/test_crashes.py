"""issue 11: one request must never take the whole server down.

Each repro below killed the landed server (abort() on a full WHERE buffer,
a stack overflow in the clue list, a heap overflow in the .xlsx reader). Now
each is a 4xx JSON error with a Chinese message for that one request, and the
server keeps answering. Orphan files left by crashes are swept after start.
"""
import base64
import shutil
import io
import os
import time
import zipfile

from lib import Server, expect, test, today_shanghai

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def alive(s):
    """The server still answers (and the process did not die)."""
    assert s.proc.poll() is None, "the server died:\n" + s.server_log()[-3000:]
    expect(s.client().get("/healthz"), 200)


def repeated(path, arg, n):
    return path + "?" + "&".join([arg] * n)


@test
def repeated_filters_are_refused_not_fatal():
    """The five repros of item 3 and the clue list of item 2: a parameter given
    twice is 400 naming it (no route documents repetition)."""
    with Server() as s:
        unit1, office, member1 = s.client("unit1"), s.client("office"), s.client("member1")
        cases = [
            (unit1, repeated("/api/v1/rect-tasks", "overdue=true", 200), "overdue"),
            (office, repeated("/api/v1/notices", "open=true", 400), "open"),
            (office, repeated("/api/v1/problems", "open=true", 400), "open"),
            (office, repeated("/api/v1/assistance", "open=false", 200), "open"),
            (office, repeated("/api/v1/briefings", "overdue=1", 400), "overdue"),
            (member1, repeated("/api/v1/clues", "q=a", 130), "q"),
        ]
        for c, url, name in cases:
            r = expect(c.get(url), 400, "duplicate_param")
            assert r.json["error"]["field"] == name, r
            assert name in r.json["error"]["message"], r
            alive(s)
        # twice is enough to be refused; once is an ordinary filter
        expect(unit1.get("/api/v1/rect-tasks?overdue=true&overdue=true"), 400, "duplicate_param")
        expect(unit1.get("/api/v1/rect-tasks?overdue=true"), 200)
        expect(member1.get("/api/v1/clues?q=a"), 200)
        s.check_sanitizers()


@test
def the_number_of_query_parameters_is_capped():
    with Server() as s:
        office = s.client("office")
        many = "&".join(f"p{i}=1" for i in range(65))
        r = expect(office.get("/api/v1/problems?" + many), 400, "too_many_params")
        assert "64" in r.json["error"]["message"]
        # at the cap the parameters reach the handler, which names the unknown one
        at_cap = "&".join(f"p{i}=1" for i in range(64))
        expect(office.get("/api/v1/problems?" + at_cap), 400, "unknown_field")
        alive(s)
    with Server({"max_query_params": 8}) as s:  # a setting
        office = s.client("office")
        expect(office.get("/api/v1/problems?" + "&".join(f"p{i}=1" for i in range(9))), 400, "too_many_params")
        expect(office.get("/api/v1/problems?open=true&page=1&per_page=5"), 200)


def workbook(styles=None, sheet=None, shared=None):
    """A small .xlsx built by hand (only the parts the reader looks at)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if styles is not None:
            z.writestr("xl/styles.xml", styles)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        if sheet is not None:
            z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


SHEET = ('<?xml version="1.0"?><worksheet><sheetData>'
         '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
         '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" s="69999"><v>46000</v></c></row>'
         '</sheetData></worksheet>')


def b64(data):
    return base64.b64encode(data).decode("ascii")


@test
def xlsx_with_70000_cell_styles_is_refused():
    """Item 1: the reader's style table overflowed the heap past 65,536 entries."""
    styles = ('<?xml version="1.0"?><styleSheet><cellXfs count="70000">' + '<xf numFmtId="14"/>' * 70000
              + '</cellXfs></styleSheet>')
    data = workbook(styles=styles, sheet=SHEET)
    assert len(data) < 20000, len(data)  # small on the wire, large when unpacked
    with Server() as s:
        office = s.client("office")
        r = expect(office.post("/api/v1/persons/import", {"xlsx": b64(data)}), 400, "invalid_file")
        assert "样式过多" in r.json["error"]["message"], r
        tid = s.ids["teams"]["t1"]
        r = expect(office.post(f"/api/v1/teams/{tid}/targets/import", {"xlsx": b64(data)}), 400, "invalid_file")
        assert "样式过多" in r.json["error"]["message"], r
        alive(s)
        s.check_sanitizers()


@test
def xlsx_errors_always_give_a_reason():
    """Item 14: "无法读取 .xlsx: " with nothing after it is gone."""
    big = "<sst><si><t>" + "a" * (200 * 1024) + "</t></si></sst>"
    cases = [
        workbook(styles="<styleSheet><cellXfs>", sheet=SHEET),               # broken XML
        workbook(shared=big, sheet=SHEET),                                   # one string too long
        workbook(styles="<styleSheet/>"),                                    # no sheet
        workbook(sheet='<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>9</v></c></row>'
                       '</sheetData></worksheet>'),                          # bad shared string index
        workbook(shared='<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aa">]><sst><si><t>&a;</t></si></sst>',
                 sheet=SHEET),                                               # a DTD
        b"PK\x03\x04" + b"\x00" * 64,                                        # not a zip
    ]
    with Server() as s:
        office = s.client("office")
        for data in cases:
            r = expect(office.post("/api/v1/persons/import", {"xlsx": b64(data)}), 400, "invalid_file")
            msg = r.json["error"]["message"]
            assert msg.startswith("无法读取 .xlsx: ") and len(msg) > len("无法读取 .xlsx: ") + 2, msg
        alive(s)


@test
def orphan_files_are_swept_after_start():
    """Item 14: files without a committed row, left by crashes, are removed in
    the background after start; committed files and young files stay."""
    s = Server()
    try:
        s.start()
        member1 = s.client("member1")
        tg = s.ids["targets"]
        body = {"target_id": tg["u1"], "category_id": "01940000-0000-7000-8000-040300000000",
                "title": "公款私存", "description": "单位会计将人防易地建设费存入个人账户", "amount": "1.00",
                "people": "会计 刘某", "found_by": "records", "found_on": today_shanghai(), "inaction": False}
        pid = expect(member1.post("/api/v1/problems", body), 201).json["id"]
        f = expect(member1.upload(f"/api/v1/problems/{pid}/files", "流水.pdf", PDF, "application/pdf"), 201).json
        s.stop()
        d = s.files_dir
        stored = s.sql("SELECT stored_name FROM files")[0][0]
        old = time.time() - 3 * 3600
        os.utime(os.path.join(d, stored), (old, old))  # committed and old: must stay
        orphans = ["019a0000-0000-7000-8000-000000000001.sm4", ".019a0000-0000-7000-8000-000000000002.sm4.tmp",
                   "upload-123.tmp"]
        for name in orphans:
            with open(os.path.join(d, name), "wb") as fh:
                fh.write(b"x" * 100)
            os.utime(os.path.join(d, name), (old, old))
        young = "019a0000-0000-7000-8000-000000000003.sm4"  # perhaps an upload in flight
        with open(os.path.join(d, young), "wb") as fh:
            fh.write(b"y")
        other = "README"  # not ours: never touched
        with open(os.path.join(d, other), "wb") as fh:
            fh.write(b"z")
        os.utime(os.path.join(d, other), (old, old))
        s.start()
        deadline = time.time() + 10
        while time.time() < deadline and any(os.path.exists(os.path.join(d, n)) for n in orphans):
            time.sleep(0.1)
        left = sorted(os.listdir(d))
        assert not any(n in left for n in orphans), left
        assert stored in left and young in left and other in left, left
        r = expect(member1.get(f"/api/v1/files/{f['id']}"), 200)
        assert r.raw == PDF
        assert "残留文件" in s.server_log()
    finally:
        s.stop()
        s.check_sanitizers()
    shutil.rmtree(s.dir, ignore_errors=True)
