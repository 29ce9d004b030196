"""xlsxio.py — a small, independent .xlsx reader and writer for the tests
(Python standard library only: zipfile + xml). The reader checks what a user
would see in Excel: sheet cells with their types (dates as dates via the
cell's number format, numbers as numbers), the frozen pane and the column
widths; the writer makes import files the way Excel does (shared strings,
date cells with a date style)."""
import datetime
import io
import re
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
M = "{%s}" % NS["m"]
DATE_IDS = set(range(14, 23)) | {45, 46, 47}


def _col(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


class Sheet:
    def __init__(self, rows, frozen_rows, widths, title):
        self.rows = rows            # list of lists of python values (str, float, int, datetime.date, None)
        self.frozen_rows = frozen_rows
        self.widths = widths        # {col index: width}
        self.title = title

    def records(self):
        """The data rows as dicts keyed by the header row."""
        head = self.rows[0]
        return [{h: (r[i] if i < len(r) else None) for i, h in enumerate(head)} for r in self.rows[1:]]


def read(data):
    """The first sheet."""
    return _read(zipfile.ZipFile(io.BytesIO(data)), "xl/worksheets/sheet1.xml")


def read_all(data):
    """Every sheet, in the workbook's order: {sheet name: Sheet}."""
    z = zipfile.ZipFile(io.BytesIO(data))
    rels = {}
    for rel in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")):
        target = rel.get("Target")
        rels[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for sh in ET.fromstring(z.read("xl/workbook.xml")).iter(M + "sheet"):
        out[sh.get("name")] = _read(z, rels[sh.get(rid)])
    return out


def _read(z, part):
    assert z.testzip() is None, "corrupt member in xlsx"
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(M + "t")))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    custom = {}
    for nf in styles.iter(M + "numFmt"):
        custom[int(nf.get("numFmtId"))] = nf.get("formatCode")
    is_date = []
    xfs = styles.find("m:cellXfs", NS)
    for xf in (xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0"))
        code = custom.get(fid, "")
        is_date.append(fid in DATE_IDS or bool(re.search(r"[ymd]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", code))))
    num_fmt = []
    for xf in (xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0"))
        num_fmt.append(custom.get(fid, str(fid)))
    sheet = ET.fromstring(z.read(part))
    rows = []
    for row in sheet.iter(M + "row"):
        r = int(row.get("r")) - 1
        while len(rows) <= r:
            rows.append([])
        cells = rows[r]
        for c in row.findall("m:c", NS):
            i = _col(c.get("r"))
            while len(cells) <= i:
                cells.append(None)
            t = c.get("t", "n")
            v = c.find("m:v", NS)
            s = int(c.get("s", "0"))
            if t == "s":
                cells[i] = shared[int(v.text)]
            elif t == "inlineStr":
                cells[i] = "".join(x.text or "" for x in c.iter(M + "t"))
            elif t == "str":
                cells[i] = v.text if v is not None else ""
            elif v is None:
                cells[i] = None
            elif s < len(is_date) and is_date[s]:
                cells[i] = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(float(v.text)))
            else:
                f = float(v.text)
                cells[i] = ("money", f, num_fmt[s]) if s < len(num_fmt) and "0.00" in num_fmt[s] else \
                    (int(f) if f == int(f) else f)
    frozen = 0
    pane = sheet.find(".//m:pane", NS)
    if pane is not None and pane.get("state") == "frozen":
        frozen = int(float(pane.get("ySplit", "0")))
    widths = {}
    for col in sheet.iter(M + "col"):
        for i in range(int(col.get("min")) - 1, int(col.get("max"))):
            widths[i] = float(col.get("width"))
    title = None
    if "docProps/core.xml" in z.namelist():
        core = ET.fromstring(z.read("docProps/core.xml"))
        for el in core.iter():
            if el.tag.endswith("}title"):
                title = el.text
    return Sheet(rows, frozen, widths, title)


def write(rows):
    """An .xlsx with one sheet holding rows (str, int, float, datetime.date or None),
    strings shared and dates as date-styled serial numbers, as Excel writes them."""
    shared, index = [], {}

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def ref(r, c):
        s = ""
        c += 1
        while c:
            c, m = divmod(c - 1, 26)
            s = chr(65 + m) + s
        return f"{s}{r + 1}"

    out = []
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, datetime.date):
                serial = (v - datetime.date(1899, 12, 30)).days
                cells.append(f'<c r="{ref(r, c)}" s="1"><v>{serial}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{ref(r, c)}"><v>{v}</v></c>')
            else:
                if v not in index:
                    index[v] = len(shared)
                    shared.append(v)
                cells.append(f'<c r="{ref(r, c)}" t="s"><v>{index[v]}</v></c>')
        out.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
    main = NS["m"]
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{"".join(out)}</sheetData></worksheet>'
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(shared)}" uniqueCount="{len(shared)}">'
           + "".join(f"<si><t>{esc(s)}</t></si>" for s in shared) + "</sst>")
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d"/></numFmts>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
          '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/styles.xml", styles)
    return b.getvalue()
