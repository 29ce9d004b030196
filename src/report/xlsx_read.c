/*
 * xlsx_read.c — reads the first worksheet of an .xlsx (an uploaded import
 * file) into rows of cell texts: minizip over the bytes in memory, expat over
 * the XML parts (shared strings, styles for date cells, the sheet). Input is
 * untrusted, and a few KB of deflated XML can expand a thousandfold: every
 * part size, count and total is capped (parts, shared strings and their
 * bytes, cell styles, rows, columns, one text, all cell text), a workbook past
 * a cap is refused with a reason, every text is checked to be UTF-8, and DTDs
 * (entity expansion) are refused. Every failure gives a Chinese reason.
 */
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>

#include "report/xlsx.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

enum {
  PART_MAX = 32 << 20,     /* one XML part, uncompressed */
  MAX_COLS = 64,           /* columns per row */
  MAX_SHARED = 500000,     /* shared strings (5000 rows x 64 columns fit) */
  SHARED_BYTES = 16 << 20, /* all shared strings together */
  MAX_XF = 65536,          /* cell styles (cellXfs); Excel itself allows about 64,000 */
  TEXT_MAX = 128 << 10,    /* one cell or shared string (Excel: 32,767 characters) */
  CELL_BYTES = 16 << 20,   /* all cell text of the sheet together */
};

/* ---- minizip over memory ----------------------------------------------------------- */
typedef struct memf {
  const unsigned char *p;
  size_t len, pos;
} memf;

static voidpf m_open(voidpf opaque, const void *name, int mode) {
  (void)name;
  (void)mode;
  ((memf *)opaque)->pos = 0;
  return opaque;
}
static uLong m_read(voidpf opaque, voidpf s, void *dst, uLong n) {
  (void)opaque;
  memf *m = s;
  size_t left = m->len - m->pos;
  if (n > left) n = (uLong)left;
  memcpy(dst, m->p + m->pos, n);
  m->pos += n;
  return n;
}
static uLong m_write(voidpf opaque, voidpf s, const void *src, uLong n) {
  (void)opaque;
  (void)s;
  (void)src;
  (void)n;
  return 0;
}
static ZPOS64_T m_tell(voidpf opaque, voidpf s) {
  (void)opaque;
  return ((memf *)s)->pos;
}
static long m_seek(voidpf opaque, voidpf s, ZPOS64_T off, int origin) {
  (void)opaque;
  memf *m = s;
  ZPOS64_T base = origin == ZLIB_FILEFUNC_SEEK_SET ? 0
                  : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos
                                                     : m->len;
  if (base + off > m->len) return -1;
  m->pos = (size_t)(base + off);
  return 0;
}
static int m_close(voidpf opaque, voidpf s) {
  (void)opaque;
  (void)s;
  return 0;
}
static int m_error(voidpf opaque, voidpf s) {
  (void)opaque;
  (void)s;
  return 0;
}

/* The whole of one part; NULL if absent (*bad = 0) or too big / corrupt
 * (*bad = 1, with the reason in err). */
static char *part(unzFile z, const char *name, size_t *len, int *bad, char *err, size_t errlen) {
  *bad = 0;
  if (unzLocateFile(z, name, 0) != UNZ_OK) return NULL;
  *bad = 1;
  unz_file_info64 fi;
  if (unzGetCurrentFileInfo64(z, &fi, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK) {
    snprintf(err, errlen, "%s 已损坏", name);
    return NULL;
  }
  if (fi.uncompressed_size > PART_MAX) {
    snprintf(err, errlen, "%s 过大 (解压后超过 %d MB)", name, PART_MAX >> 20);
    return NULL;
  }
  if (unzOpenCurrentFile(z) != UNZ_OK) {
    snprintf(err, errlen, "%s 无法解压 (已损坏或使用了不支持的压缩方式)", name);
    return NULL;
  }
  size_t n = (size_t)fi.uncompressed_size;
  char *b = xmalloc(n + 1);
  int got = n ? unzReadCurrentFile(z, b, (unsigned)n) : 0;
  if (unzCloseCurrentFile(z) != UNZ_OK && got >= 0) got = -1; /* CRC mismatch */
  if (got < 0 || (size_t)got != n) {
    free(b);
    snprintf(err, errlen, "%s 无法解压 (已损坏)", name);
    return NULL;
  }
  *bad = 0;
  b[n] = '\0';
  *len = n;
  return b;
}

/* ---- shared strings and styles ------------------------------------------------------- */
typedef struct xs {
  json_t *strings; /* shared strings */
  int *datefmt;    /* per cellXfs index: 1 if a date format */
  int nxf, capxf;
  int custom_date[512]; /* custom numFmt ids (164..) that are dates */
  int in_t, in_si, in_xfs, in_v, in_is;
  buf text;
  /* sheet */
  json_t *rows;
  int max_rows;
  int row;       /* current row (1-based) */
  int col;       /* current cell column (0-based) */
  char ctype[16];
  int cstyle;
  size_t shared_bytes, cell_bytes;
  const char *part; /* the part being parsed, for messages */
  XML_Parser parser;
  int failed;
  char *why;
  size_t whylen;
} xs;

static const char *attr(const XML_Char **a, const char *k) {
  for (; a && *a; a += 2)
    if (!strcmp(a[0], k)) return a[1];
  return NULL;
}

static void fail(xs *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(xs *x, const char *fmt, ...) {
  if (!x->failed && x->whylen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->why, x->whylen, fmt, ap);
    va_end(ap);
  }
  x->failed = 1;
}

static void text_cb(void *u, const XML_Char *s, int n) {
  xs *x = u;
  if (x->failed || !(x->in_t || x->in_v)) return;
  if (buf_add(&x->text, s, (size_t)n))
    fail(x, "%s: 单元格或字符串过长 (上限 %d KB)", x->part, TEXT_MAX >> 10);
}

static void ss_start(void *u, const XML_Char *el, const XML_Char **a) {
  xs *x = u;
  (void)a;
  if (!strcmp(el, "si")) {
    x->in_si = 1;
    buf_reset(&x->text);
  } else if (!strcmp(el, "t") && x->in_si) {
    x->in_t = 1;
  }
}
static void ss_end(void *u, const XML_Char *el) {
  xs *x = u;
  if (!strcmp(el, "t")) x->in_t = 0;
  else if (!strcmp(el, "si")) {
    x->in_si = 0;
    if (x->failed) return;
    if (json_array_size(x->strings) >= MAX_SHARED) {
      fail(x, "共享字符串过多 (上限 %d 个)", MAX_SHARED);
      return;
    }
    x->shared_bytes += x->text.len;
    if (x->shared_bytes > SHARED_BYTES) {
      fail(x, "共享字符串合计过长 (上限 %d MB)", SHARED_BYTES >> 20);
      return;
    }
    json_array_append_new(x->strings, json_string(buf_str(&x->text)) ?: json_string(""));
  }
}

static int is_date_code(const char *code) {
  /* a format with d, m or y outside quotes and brackets is a date */
  int q = 0, br = 0;
  for (const char *c = code; *c; c++) {
    if (*c == '"') q = !q;
    else if (*c == '[') br = 1;
    else if (*c == ']') br = 0;
    else if (!q && !br && strchr("dmyDMY", *c)) return 1;
  }
  return 0;
}

static void st_start(void *u, const XML_Char *el, const XML_Char **a) {
  xs *x = u;
  if (x->failed) return;
  if (!strcmp(el, "numFmt")) {
    const char *id = attr(a, "numFmtId"), *code = attr(a, "formatCode");
    int n = id ? atoi(id) : -1;
    if (n >= 164 && n < 164 + 512 && code) x->custom_date[n - 164] = is_date_code(code);
  } else if (!strcmp(el, "cellXfs")) {
    x->in_xfs = 1;
  } else if (!strcmp(el, "xf") && x->in_xfs) {
    const char *id = attr(a, "numFmtId");
    int n = id ? atoi(id) : 0;
    int d = (n >= 14 && n <= 22) || (n >= 45 && n <= 47) ||
            (n >= 164 && n < 164 + 512 && x->custom_date[n - 164]);
    if (x->nxf >= MAX_XF) {
      fail(x, "单元格样式过多 (上限 %d 个)", MAX_XF);
      return;
    }
    if (x->nxf == x->capxf) { /* grows with the count, so nxf < capxf below */
      int cap = x->capxf ? x->capxf * 2 : 32;
      if (cap > MAX_XF) cap = MAX_XF;
      x->datefmt = xrealloc(x->datefmt, (size_t)cap * sizeof *x->datefmt);
      x->capxf = cap;
    }
    x->datefmt[x->nxf++] = d;
  }
}
static void st_end(void *u, const XML_Char *el) {
  if (!strcmp(el, "cellXfs")) ((xs *)u)->in_xfs = 0;
}

/* ---- the sheet ------------------------------------------------------------------------------ */
static int col_of(const char *ref) {
  int c = 0, n = 0;
  for (; *ref >= 'A' && *ref <= 'Z' && n < 4; ref++, n++) c = c * 26 + (*ref - 'A' + 1);
  return c - 1;
}

static void sh_start(void *u, const XML_Char *el, const XML_Char **a) {
  xs *x = u;
  if (x->failed) return;
  if (!strcmp(el, "row")) {
    const char *r = attr(a, "r");
    int n = r ? atoi(r) : x->row + 1;
    if (n <= x->row || n < 1) { fail(x, "第 %d 行: 行号无效", x->row + 1); return; }
    if (n > x->max_rows) { fail(x, "行数过多 (上限 %d 行)", x->max_rows); return; }
    while ((int)json_array_size(x->rows) < n) json_array_append_new(x->rows, json_array());
    x->row = n;
  } else if (!strcmp(el, "c")) {
    const char *r = attr(a, "r"), *t = attr(a, "t"), *s = attr(a, "s");
    x->col = r ? col_of(r) : x->col + 1;
    if (x->col < 0 || x->col >= MAX_COLS) { fail(x, "第 %d 行: 列数过多", x->row); return; }
    snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
    x->cstyle = s ? atoi(s) : 0;
    buf_reset(&x->text);
  } else if (!strcmp(el, "v")) {
    x->in_v = 1;
  } else if (!strcmp(el, "is")) {
    x->in_is = 1;
  } else if (!strcmp(el, "t") && x->in_is) {
    x->in_t = 1;
  }
}

static void sh_end(void *u, const XML_Char *el) {
  xs *x = u;
  if (x->failed) return;
  if (!strcmp(el, "v")) x->in_v = 0;
  else if (!strcmp(el, "t")) x->in_t = 0;
  else if (!strcmp(el, "is")) x->in_is = 0;
  else if (!strcmp(el, "c") && x->row > 0) {
    const char *v = buf_str(&x->text);
    char tmp[32];
    const char *out = v;
    if (!strcmp(x->ctype, "s")) {
      char *end;
      long i = strtol(v, &end, 10);
      json_t *s = *v && !*end && i >= 0 ? json_array_get(x->strings, (size_t)i) : NULL;
      if (!s) { fail(x, "第 %d 行: 共享字符串索引无效", x->row); return; }
      out = json_string_value(s);
    } else if (!strcmp(x->ctype, "b")) {
      out = !strcmp(v, "1") ? "是" : "否";
    } else if (!strcmp(x->ctype, "n") && *v && x->cstyle >= 0 && x->cstyle < x->nxf &&
               x->datefmt[x->cstyle]) {
      /* Excel serial day (1900 system): day 25569 is 1970-01-01 */
      double d = strtod(v, NULL);
      if (d >= 1 && d < 2958466) {
        date_format((int64_t)d - 25569, tmp);
        out = tmp;
      }
    } else if (!strcmp(x->ctype, "n") && *v) {
      /* integers as integers ("3" not "3.0"); others as written */
      double d = strtod(v, NULL);
      if (d == (double)(long long)d && d > -1e15 && d < 1e15) {
        snprintf(tmp, sizeof tmp, "%lld", (long long)d);
        out = tmp;
      }
    }
    if (!utf8_valid(out, strlen(out))) { fail(x, "第 %d 行: 含有无效字符", x->row); return; }
    x->cell_bytes += strlen(out);
    if (x->cell_bytes > CELL_BYTES) {
      fail(x, "表格内容过多 (单元格文字合计超过 %d MB)", CELL_BYTES >> 20);
      return;
    }
    json_t *r = json_array_get(x->rows, (size_t)x->row - 1);
    while ((int)json_array_size(r) < x->col) json_array_append_new(r, json_string(""));
    if ((int)json_array_size(r) == x->col) json_array_append_new(r, json_string(out));
  }
}

/* A DTD in a part: an .xlsx never has one, and entities could expand. */
static void doctype_cb(void *u, const XML_Char *name, const XML_Char *sys, const XML_Char *pub,
                       int internal) {
  (void)name;
  (void)sys;
  (void)pub;
  (void)internal;
  xs *x = u;
  fail(x, "%s: 含有文档类型定义 (DTD), 不予读取", x->part);
  XML_StopParser(x->parser, XML_FALSE);
}

static int parse(xs *x, const char *name, const char *xml, size_t len,
                 XML_StartElementHandler s, XML_EndElementHandler e) {
  x->part = name;
  if (len > INT_MAX) { /* PART_MAX keeps parts far below this */
    fail(x, "%s 过大", name);
    return -1;
  }
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (!p) {
    fail(x, "内存不足, 无法读取 %s", name);
    return -1;
  }
  x->parser = p;
  XML_SetUserData(p, x);
  XML_SetElementHandler(p, s, e);
  XML_SetCharacterDataHandler(p, text_cb);
  XML_SetStartDoctypeDeclHandler(p, doctype_cb);
  int ok = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK;
  if (!ok && !x->failed)
    fail(x, "%s 第 %lu 行: XML 格式错误 (%s)", name, (unsigned long)XML_GetCurrentLineNumber(p),
         XML_ErrorString(XML_GetErrorCode(p)));
  XML_ParserFree(p);
  x->parser = NULL;
  return ok && !x->failed ? 0 : -1;
}

json_t *xlsx_read(const void *data, size_t len, int max_rows, char *err, size_t errlen) {
  memf m = {data, len, 0};
  if (errlen) err[0] = '\0';
  zlib_filefunc64_def ff = {m_open, m_read, m_write, m_tell, m_seek, m_close, m_error, &m};
  if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0) {
    snprintf(err, errlen, "不是有效的 .xlsx 文件");
    return NULL;
  }
  unzFile z = unzOpen2_64("upload.xlsx", &ff);
  if (!z) {
    snprintf(err, errlen, "不是有效的 .xlsx 文件 (无法解压)");
    return NULL;
  }
  xs x;
  memset(&x, 0, sizeof x);
  x.strings = json_array();
  x.rows = json_array();
  x.max_rows = max_rows;
  x.why = err;
  x.whylen = errlen;
  buf_init(&x.text, TEXT_MAX);
  static const char SS[] = "xl/sharedStrings.xml", ST[] = "xl/styles.xml",
                    SH[] = "xl/worksheets/sheet1.xml";
  size_t n = 0;
  int bad = 0, rc = 0;
  char *ss = part(z, SS, &n, &bad, err, errlen);
  if (bad) rc = -1;
  else if (ss) rc = parse(&x, SS, ss, n, ss_start, ss_end);
  free(ss);
  char *st = rc ? NULL : part(z, ST, &n, &bad, err, errlen);
  if (!rc && bad) rc = -1;
  else if (st) rc = parse(&x, ST, st, n, st_start, st_end);
  free(st);
  char *sh = rc ? NULL : part(z, SH, &n, &bad, err, errlen);
  if (!rc && !sh) {
    if (!bad) snprintf(err, errlen, "工作簿中没有第一个工作表 (%s)", SH);
    rc = -1;
  }
  if (!rc) rc = parse(&x, SH, sh, n, sh_start, sh_end);
  free(sh);
  unzClose(z);
  buf_free(&x.text);
  free(x.datefmt);
  json_decref(x.strings);
  if (rc && errlen && !*err) snprintf(err, errlen, "工作簿格式错误"); /* never an empty reason */
  if (rc) {
    json_decref(x.rows);
    return NULL;
  }
  return x.rows;
}
