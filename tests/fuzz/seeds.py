#!/usr/bin/env python3
"""seeds.py — writes the seed corpora (tests/fuzz/corpus/<target>/seed-*) and
the dictionaries (tests/fuzz/<target>.dict) of the fuzz targets. Inputs the
fuzzer found (found-*) are never touched. Run from the repository root:

    python3 tests/fuzz/seeds.py [path/to/xunji]    # the binary lists the routes

The request target's text form is described in tests/fuzz/fz.h; role
characters: 0 member1, 1 leader1, 2 office, 3 unit1, 4 liaison, 5 casemgmt,
6 lg, 7 dispatched1, 8 sysadmin, 9 secadmin, a auditadmin, b conduct,
c verification, d petitions, e investigation, f cadre, g orgdept, h member2
(must change its password); '-' none. Auth: b bearer, c cookie + CSRF,
k cookie only, n none, w unknown token.
"""
import base64
import glob
import io
import json
import os
import re
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import xlsxio  # noqa: E402  (the tests' own .xlsx writer, as Excel writes it)


def corpus(target, seeds):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "seed-*")):
        os.remove(old)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)


def dictionary(target, words):
    with open(os.path.join(FUZZ, target + ".dict"), "w") as f:
        f.write("# libFuzzer dictionary of the %s target (written by tests/fuzz/seeds.py)\n" % target)
        for w in sorted(set(words)):
            if isinstance(w, str):
                w = w.encode()
            esc = "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\x%02X" % b for b in w)
            f.write('"%s"\n' % esc)


# ---- config ---------------------------------------------------------------------------------
def settings():
    src = open(os.path.join(ROOT, "src", "util", "config.c"), encoding="utf-8").read()
    return re.findall(r'\[CFG_[A-Z_0-9]+\]\s*=\s*\{"([a-z_0-9]+)", "(XUNJI_[A-Z_0-9]+)", CT_(INT|STR), "([^"]*)"', src)


def config_seeds():
    s = settings()
    full = "# every setting at its default\n" + "".join("%s = %s\n" % (n, d) for n, _, _, d in s)
    corpus("config", {
        "defaults": full,
        "typical": "db = /var/lib/xunji/xunji.db\nlisten = 127.0.0.1:8080\n\n# comment\nthreads = 8\n"
                   "max_body = 1048576\ncookie_secure = 0\n",
        "bounds": "pbkdf2_iterations = 99999\nmax_upload = 268435456\nsession_idle_minutes=0\n",
        "crlf": "access_log = 0\r\nlisten=0.0.0.0:0\r\n",
        "unknown": "no_such_setting = 1\n",
        "noeq": "listen 127.0.0.1:8080\n",
        "long": "web_root = " + "x" * 1100 + "\n",
        "tabs": "\t lock_after\t=\t5 \t\n  # indented comment\n",
        "bigint": "threads = 99999999999999999999999\nmax_conn = -1\nidle_timeout = 0x10\n",
    })
    dictionary("config", [n for n, _, _, _ in s] + ["=", " = ", "#", "\n", "\r\n", "-1", "0", "1",
                                                     "100000", "2147483648", "9223372036854775808", "0x"])


# ---- xlsx -----------------------------------------------------------------------------------
def xlsx(parts, method=zipfile.ZIP_STORED):
    """A zip with fixed timestamps, so that the seeds do not change from run to run."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text, compress_type=method)
    return b.getvalue()


def corrupt(data):
    """Flips bytes in the middle of the first entry's compressed data."""
    b = bytearray(data)
    for i in range(40, 60):
        b[i] ^= 0x5A
    return bytes(b)


def excel(rows):
    """xlsxio.write (as Excel writes a workbook), re-packed with fixed timestamps."""
    with zipfile.ZipFile(io.BytesIO(xlsxio.write(rows))) as z:
        return xlsx({n: z.read(n) for n in z.namelist()}, zipfile.ZIP_DEFLATED)


SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
         'spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>')
SS = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
      'spreadsheetml/2006/main">%s</sst>')
STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
          'spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m'
          '&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/>'
          '<xf numFmtId="164"/></cellXfs></styleSheet>')


def xlsx_seeds():
    typed = xlsx({
        "xl/sharedStrings.xml": SS % "<si><t>姓名</t></si><si><t>单位</t></si><si><r><t>张</t></r><r><t>三</t></r></si>",
        "xl/styles.xml": STYLES,
        "xl/worksheets/sheet1.xml": SHEET % (
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>枣阳市教育局</t></is></c>'
            '<c r="C2" s="1"><v>43831</v></c><c r="D2" s="2"><v>44000.5</v></c><c r="E2" t="b"><v>1</v></c>'
            '<c r="F2"><v>3.25</v></c><c r="G2"><v>12</v></c><c r="AA2" t="str"><v>公式</v></c></row>'
            '<row><c><v>1</v></c><c t="e"><v>#N/A</v></c></row>'),
    })
    persons = excel([["姓名", "单位", "职务", "职级", "党员", "专长"],
                     ["张三", "枣阳市教育局", "科员", "一级科员", "是", "财务;审计"]])
    corpus("xlsx", {
        "typed": typed,
        "persons-excel": persons,  # deflated, as Excel writes it
        "sheet-only": xlsx({"xl/worksheets/sheet1.xml": SHEET % '<row r="3"><c r="B3"><v>-7</v></c></row>'}),
        "no-sheet": xlsx({"xl/sharedStrings.xml": SS % "<si><t>x</t></si>"}),
        "bad-index": xlsx({"xl/worksheets/sheet1.xml": SHEET % '<row r="1"><c r="A1" t="s"><v>9</v></c></row>'}),
        "bad-row": xlsx({"xl/worksheets/sheet1.xml": SHEET % '<row r="2"/><row r="1"/>'}),
        "not-zip": b"PK\x03\x04 but nothing else",
        "doctype": xlsx({"xl/worksheets/sheet1.xml": '<!DOCTYPE w [<!ENTITY e "x">]>' + SHEET % '<row r="1"/>'}),
        "malformed": xlsx({"xl/worksheets/sheet1.xml": "<worksheet><sheetData><row r=\"1\"><c>"}),
        "long-cell": xlsx({"xl/worksheets/sheet1.xml": SHEET % ('<row r="1"><c r="A1" t="inlineStr"><is><t>'
                                                              + "长" * 50000 + "</t></is></c></row>")},
                          zipfile.ZIP_DEFLATED),
        "corrupt-deflate": corrupt(xlsx({"xl/worksheets/sheet1.xml": SHEET % ('<row r="1"><c><v>1</v></c></row>' * 50)},
                                        zipfile.ZIP_DEFLATED)),
    })
    dictionary("xlsx", ["PK\x03\x04", "PK\x01\x02", "PK\x05\x06", "xl/worksheets/sheet1.xml",
                        "xl/sharedStrings.xml", "xl/styles.xml", "<row", "</row>", "<c", "</c>", "<v>",
                        "</v>", "<si>", "</si>", "<t>", "</t>", "<is>", "</is>", "<cellXfs>", "</cellXfs>",
                        "<xf", "<numFmt", " r=\"", " t=\"", " s=\"", "numFmtId=\"", "formatCode=\"",
                        "t=\"s\"", "t=\"b\"", "t=\"n\"", "t=\"inlineStr\"", "t=\"str\"", "\"14\"", "\"164\"",
                        "\"22\"", "\"47\"", "yyyy-mm-dd", "[Red]", "&amp;", "&#0;", "&#x10FFFF;",
                        "<![CDATA[", "]]>", "<!DOCTYPE", "<!ENTITY", "XFD1048576", "2958465", "1e308",
                        "-0", "NaN"])


# ---- csv -------------------------------------------------------------------------------------
def csv_seeds():
    corpus("csv", {
        "persons": "姓名,单位,职务,职级,党员,专长\n张三,枣阳市教育局,科员,一级科员,是,财务;审计\n"
                   "李四,,副局长,,否,法律、纪检\n",
        "persons-bom-crlf": "\ufeff姓名,党员\r\n王五,是\r\n",
        "quoted": '姓名,职务\n"赵, 六","他说""好"""\n"未闭合,x\n',
        "targets": "被巡察单位\n枣阳市人民防空办公室\n枣阳市扶贫开发办公室\n\n,,\n",
        "targets-unit": "序号,单位\n1,枣阳市琚湾镇\n2,不存在的单位\n",
        "bad-header": "名字,单位\n张三,x\n",
        "many-cols": ",".join(["a"] * 17) + "\n",
        "5001-rows": "姓名\n" + "张\n" * 5001,
        "empty-fields": ',,"",""""\n',
    })
    src = open(os.path.join(ROOT, "src", "api", "pool.c"), encoding="utf-8").read()
    tags = re.search(r"prog_expertise\[\] = \{([^}]*)\}", src).group(1)
    dictionary("csv", ["姓名", "单位", "职务", "职级", "党员", "专长", "被巡察单位", "是", "否", ",", "\"",
                       "\"\"", "\r\n", "\ufeff", "；", "、", ";", "|", "枣阳市教育局", "枣阳市琚湾镇"]
               + re.findall(r'"([^"]+)"', tags))


# ---- upload ----------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ofd": "application/ofd", "doc": "application/msword", "xls": "application/vnd.ms-excel",
         "txt": "text/plain"}


def upload_seeds():
    corpus("upload", {
        "pdf": b"\xe8\xaf\x81\xe6\x8d\xae.pdf\napplication/pdf\n" + PDF,
        "png-octet": b"scan.PNG\napplication/octet-stream; charset=x\n" + PNG,
        "jpg": b"a.jpeg\nimage/jpeg\n\xff\xd8\xff\xe0JFIF",
        "txt": "说明.txt\ntext/plain; charset=utf-8\n整改说明\n".encode(),
        "docx": b"r.docx\napplication/vnd.openxmlformats-officedocument.wordprocessingml.document\nPK\x03\x04rest",
        "doc": b"r.doc\napplication/msword\n\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "liar": b"x.pdf\napplication/pdf\nMZ\x90\x00",
        "no-type": b"x.pdf\n\n" + PDF,
        "path": b"../../etc/passwd.txt\ntext/plain\nroot",
        "dot": b".hidden.txt\ntext/plain\nx",
        "exe": b"a.exe\napplication/octet-stream\nMZ",
        "empty": b"a.txt\ntext/plain\n",
        "nul-txt": b"a.txt\ntext/plain\nab\x00cd",
        # past the 64 KiB chunk of files.c's check, a character split across the boundary
        "big-txt": b"big.txt\ntext/plain\n" + b"a" + "证".encode() * 22000,
        "big-txt-bad": b"big.txt\ntext/plain\n" + b"ab" + "证".encode() * 21845 + b"\xe8\xaf" + b"x" * 10,
    })
    dictionary("upload", list(TYPES) + ["." + e for e in TYPES] + list(TYPES.values())
               + ["application/octet-stream", "; charset=utf-8", "%PDF-", "\x89PNG\r\n\x1a\n", "\xff\xd8\xff",
                  "PK\x03\x04", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "/", "\\", "\"", "..", "\x7f", "\xef\xbb\xbf"])


# ---- request -----------------------------------------------------------------------------------
def req(line, body=None, headers=()):
    s = line + "\n" + "".join(h + "\n" for h in headers)
    if body is not None:
        s += "\n" + (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False))
    return s


def seq(*reqs):
    return "\n%%\n".join(reqs)


# which @-token stands for a path's {id}, by the collection before it
ID_OF = {"clues": "@c0", "problems": "@p0", "reports": "@e0", "orgs": "@o0", "teams": "@t0", "targets": "@g0",
         "rounds": "@r", "users": "@u0", "persons": "@n0"}
# a role likely to be allowed, by collection
ROLE_OF = {"users": "8", "audit": "a", "petitions": "d", "vettings": "f", "cadre-movements": "f",
           "accountability": "b", "joint-reviews": "c", "review-items": "c", "assistance": "0",
           "documents": "2", "briefings": "2", "notices": "2", "stats": "6", "ledgers": "2",
           "problem-categories": "2", "outcomes": "5", "recusal-exceptions": "6"}


def route_seeds(binary):
    out = {}
    try:
        routes = json.loads(subprocess.run([binary, "routes"], capture_output=True, check=True).stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        print("seeds.py: no xunji binary (%s): route seeds skipped" % binary, file=sys.stderr)
        return out, []
    words = set()
    for r in routes:
        segs = r["pattern"].split("/")
        path, prev = [], None
        for s in segs:
            if s == "{id}":
                path.append(ID_OF.get(prev, "@x"))
            elif s == "{verb}":
                verbs = [v["verb"] for v in r.get("verbs", [])]
                path.append(verbs[0] if verbs else "x")
                words.update(verbs)
            elif s == "{measure}":
                path.append("problems_found")
            elif s == "{name}":
                path.append("clues")
            else:
                path.append(s)
                words.add(s)
            prev = s
        coll = segs[3] if len(segs) > 3 else ""
        role = ROLE_OF.get(coll, "2" if r["method"] != "GET" else "0")
        body = None if r["method"] in ("GET", "DELETE") else "{}"
        name = re.sub(r"[^a-z0-9]+", "-", (r["method"] + r["pattern"]).lower()).strip("-")
        out["route-" + name] = req("%sb %s %s" % (role, r["method"], "/".join(path)), body)
    return out, sorted(words)


def request_seeds(binary):
    clue = {"target_id": "@g0", "title": "人防办会计公款私存问题", "subject_name": "王某某", "subject_post": "会计",
            "source": "records", "discovered_on": "@D", "allegation": "2019年将人防易地建设费存入个人账户"}
    problem = {"target_id": "@g0", "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
               "description": "单位会计将人防易地建设费存入个人账户", "amount": "1234.56", "people": "会计 刘某",
               "found_by": "records", "found_on": "@D", "inaction": False}
    persons_x = base64.b64encode(excel([["姓名", "单位"], ["张三", "枣阳市教育局"]])).decode()
    stories = {
        "login": req("-n POST /api/v1/auth/login", {"login": "OFFICE", "password": "Xunji-fuzz-2026"}),
        "login-wrong": req("-n POST /api/v1/auth/login", {"login": "member1", "password": "wrong"}),
        "password": req("hb POST /api/v1/auth/password",
                        {"old_password": "Xunji-fuzz-2026", "new_password": "Anders-Passw0rd-9"}),
        "must-change": req("hc GET /api/v1/clues"),
        "logout": req("0c POST /api/v1/auth/logout"),
        "clue-story": seq(req("0b POST /api/v1/clues", clue), req("1b POST /api/v1/clues/@$0/verify", {"note": "属实"}),
                          req("2b POST /api/v1/clues/@$0/handover", {"note": "移交"}),
                          req("5b POST /api/v1/clues/@$0/register")),
        "message-read": seq(req("1b POST /api/v1/clues/@c0/verify"), req("2b GET /api/v1/messages"),
                            req("2b POST /api/v1/messages/@$1/read"), req("2b GET /api/v1/messages?unread=1")),
        "clue-dispose": seq(req("1b POST /api/v1/clues/@c0/verify"), req("2b POST /api/v1/clues/@c0/handover"),
                            req("5b POST /api/v1/clues/@c0/register"),
                            req("5b POST /api/v1/clues/@c0/dispose", {"method": "preliminary_verification"})),
        "clue-edit": req("0c PATCH /api/v1/clues/@c0", {"title": "新标题"},
                         ["If-Match: \"1\"", "Origin: http://127.0.0.1:8080"]),
        "clue-stale": req("0b PATCH /api/v1/clues/@c0", {"title": "x"}, ["If-Match: W/\"7\""]),
        "clue-read": seq(req("0b GET /api/v1/clues/@c0"), req("5b GET /api/v1/clues/@c0/history")),
        "csrf-origin": req("0c PATCH /api/v1/problems/@p0", {"title": "x"}, ["Origin: http://evil.example"]),
        "csrf-missing": req("0k POST /api/v1/clues", clue),
        "bad-token": req("0w GET /api/v1/me"),
        "no-auth": req("-n GET /api/v1/clues"),
        "wrong-ctype": req("0b POST /api/v1/clues", "title=x", ["Content-Type: application/x-www-form-urlencoded"]),
        "array-body": req("0b POST /api/v1/clues", "[]"),
        "tab-in-title": req("0b POST /api/v1/clues", dict(clue, title="a\tb", subject_name="x\ny")),
        "person-subs": seq(req("2b POST /api/v1/persons/@n0/trainings", {"title": "培训", "start_date": "2020-01-01",
                                                                          "end_date": "2020-01-05", "hours": 40}),
                           req("2b POST /api/v1/persons/@n0/relatives", {"name": "钱某某", "relation": "配偶",
                                                                         "org_id": "@o19"}),
                           req("2b GET /api/v1/persons/@n0/trainings"), req("2b GET /api/v1/persons/@n0/relatives")),
        "pledge": seq(req("2b POST /api/v1/rounds/@r1/pledges", {"person_id": "@n0", "signed_on": "@D"}),
                      req("2b GET /api/v1/rounds/@r1/pledges"), req("2b GET /api/v1/teams/@t4/members"),
                      req("2b DELETE /api/v1/teams/@t4/members/@n0", {"reason": "调整"})),
        "planning-round": seq(req("2b POST /api/v1/rounds/@r1/vetting"), req("6b POST /api/v1/rounds/@r1/approve"),
                              req("2b POST /api/v1/rounds/@r1/mobilize"), req("2b GET /api/v1/rounds/@r1/suggestions")),
        "bad-json": req("0b POST /api/v1/clues", '{"title": "x", "title": "y"}'),
        "bad-utf8": b'0b POST /api/v1/clues\n\n{"title": "\xff"}',
        "problem-story": seq(req("0b POST /api/v1/problems", problem),
                             req("0b PATCH /api/v1/problems/@$0", {"amount": "99.99"}, ["If-Match: \"@v0\""]),
                             req("1b POST /api/v1/problems/@$0/confirm")),
        "problem-upload": seq(req("0b POST /api/v1/problems/@p0/files?name=%E8%AF%81%E6%8D%AE.pdf",
                                  "%PDF-1.4\n%%EOF\n", ["Content-Type: application/pdf"]),
                              req("0b GET /api/v1/files/@$0"), req("0b GET /api/v1/problems/@p0/files")),
        "report-story": seq(req("1b POST /api/v1/problems/@p0/confirm"), req("1b POST /api/v1/reports/@e0/submit"), req("6b POST /api/v1/reports/@e0/approve"),
                            req("2b POST /api/v1/reports/@e0/feedback",
                                {"meeting_date": "@D", "attendees": 300, "feedback_text": "反馈意见: 请立即整改"})),
        "lists": seq(req("2b GET /api/v1/clues?q=%E4%BA%BA%E9%98%B2&page=1&per_page=20&sort=-created_at&state=draft"),
                     req("0b GET /api/v1/problems?target_id=@g0&sort=seq_no&page=2"),
                     req("2b GET /api/v1/orgs?q=%E6%9E%A3&kind=unit"),
                     req("6b GET /api/v1/messages?unread=1&per_page=200")),
        "stats": seq(req("6b GET /api/v1/stats?round_id=@r&from=2020-01-01&to=@D"),
                     req("6b GET /api/v1/stats/problems_found/records?team_id=@t0"),
                     req("6b GET /api/v1/stats/problems_found/groups?by=team"),
                     req("2b GET /api/v1/ledgers/problems?round_id=@r")),
        "audit": req("ab GET /api/v1/audit?action=auth.login&per_page=5"),
        "users": seq(req("8b POST /api/v1/users", {"login": "newcadre", "display_name": "新干部"}),
                     req("9b POST /api/v1/users/@$0/roles", {"role": "team_member", "scope_id": "@t0"}),
                     req("8b PATCH /api/v1/users/@$0", {"disabled": True})),
        "persons": seq(req("2b POST /api/v1/persons", {"name": "张三", "org_id": "@o20"}),
                       req("2b POST /api/v1/persons/@$0/tags", {"tags": ["法律", "财务"]}),
                       req("2b POST /api/v1/persons/@$0/work-history",
                           {"org_id": "@o18", "start_date": "2001-01-01", "end_date": "2008-12-31"}),
                       req("2b GET /api/v1/persons/@$0/profile")),
        "persons-import-csv": req("2b POST /api/v1/persons/import",
                                  {"csv": "姓名,单位,党员,专长\n张三,枣阳市教育局,是,财务;审计\n"}),
        "persons-import-xlsx": req("2b POST /api/v1/persons/import", {"xlsx": persons_x}),
        "targets-import": req("2b POST /api/v1/teams/@t1/targets/import",
                              {"csv": "被巡察单位\n枣阳市琚湾镇\n", "entry_date": "@D"}),
        "round": seq(req("2b POST /api/v1/rounds", {"name": "八届市委第六轮巡察", "term": "八届", "seq": 6,
                                                    "kind": "special"}),
                     req("2b PATCH /api/v1/rounds/@$0", {"theme": "主题"}),
                     req("6b POST /api/v1/rounds/@$0/approve")),
        "petition": seq(req("0b POST /api/v1/petitions", {"target_id": "@g0", "channel": "qr_code",
                                                          "received_on": "@D", "summary": "反映人防办问题",
                                                          }),
                        req("db GET /api/v1/petitions/@$0"), req("db POST /api/v1/petitions/@$0/to_clue")),
        "assistance": seq(req("0b POST /api/v1/assistance", {"target_id": "@g0", "need": "查询银行流水",
                                                             "reason": "核实问题"}),
                          req("1b POST /api/v1/assistance/@$0/submit"), req("6b POST /api/v1/assistance/@$0/approve")),
        "review": req("cb POST /api/v1/joint-reviews", {"team_id": "@t0", "title": "联审", "scheduled_on": "@D"}),
        "document": req("2b POST /api/v1/documents", {"kind": "clue_handover", "object_id": "@c0"}),
        "static": seq(req("-n GET /"), req("-n GET /index.html"), req("-n GET /assets/app.js"),
                      req("-n GET /%2e%2e/secret.txt")),
        "static-traversal": req("-n GET /web/../secret.txt"),
        "static-types": seq(req("-n GET /data.bin"), req("-n HEAD /index.html"), req("-n POST /index.html")),
        "empty-path": req("-n GET ?x=1"),  # found by the fuzzer: static.c read past an empty path
        "unknown": seq(req("0b GET /api/v1/nothing"), req("0b DELETE /api/v1/clues"), req("0b GET /healthz")),
        "query-repeat": req("2b GET /api/v1/problems?" + "&".join(["q=x"] * 3) + "&Q=y&page=&per_page=abc"),
    }
    routes, words = route_seeds(binary)
    stories.update(routes)
    corpus("request", stories)
    # dictionary: route segments, field names and codes from the sources, the format's own tokens
    lits = set()
    for path in glob.glob(os.path.join(ROOT, "src", "api", "*.c")) + glob.glob(os.path.join(ROOT, "src", "core", "*.c")):
        lits.update(re.findall(r'"([a-z][a-z_0-9.]{1,30})"', open(path, encoding="utf-8").read()))
    tokens = ["@n0", "@o0", "@t0", "@g0", "@r", "@u0", "@c0", "@p0", "@e0", "@x", "@D", "@$0", "@v0", "\n%%\n",
              "0b ", "2b ", "5c ", "-n ", "GET ", "POST ", "PATCH ", "PUT ", "DELETE ", "HEAD ", "/api/v1/",
              "?", "&", "=", "%00", "%2F", "%E4%BA%BA", "If-Match: ", "Origin: ", "Content-Type: ",
              "application/json", "X-CSRF-Token: ", "Authorization: Bearer ", "Cookie: ", "W/\"1\"", "\"1\"",
              "page=", "per_page=", "sort=", "q=", "{}", "[]", "null", "true", "false", "\"\"", ":", ",",
              "\"id\"", "2026-01-01", "1900-02-29", "99999999999999999999", "-1", "1e400", "\\u0000",
              "\\ud800", "\xe4\xba\xba", "01940000-0000-7000-8000-040300000000"]
    dictionary("request", [w for w in lits | set(words) if len(w) > 1] + tokens)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "release", "xunji")
    config_seeds()
    xlsx_seeds()
    csv_seeds()
    upload_seeds()
    request_seeds(binary)


if __name__ == "__main__":
    main()
