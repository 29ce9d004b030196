/*
 * test_jsonout.c — the reply serializer (util/jsonout.c, issue 15) writes
 * the same bytes as json_dumps(v, JSON_COMPACT): nested objects and arrays
 * in insertion order, every escape (quotes, backslash, the short control
 * escapes, \u00XX with jansson's upper-case hex, NUL inside a string),
 * Chinese and 4-byte UTF-8 kept as they are, integers to the extremes,
 * reals (written by jansson), and NULL where jansson gives NULL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "t.h"
#include "util/jsonout.h"

static void same(json_t *v) {
  char *want = json_dumps(v, JSON_COMPACT);
  size_t n = 0;
  char *got = json_out(v, &n);
  if (want) {
    if (CHECK(got != NULL)) {
      CHECK_STR(got, want);
      CHECK(n == strlen(want));
    }
  } else {
    CHECK(got == NULL);
  }
  free(want);
  free(got);
}

TEST(json_out_writes_the_bytes_of_json_dumps_compact) {
  json_t *o = json_object();
  json_object_set_new(o, "z_first", json_integer(1));
  json_object_set_new(o, "a_second", json_string("问题线索 枣阳市人民防空办公室"));
  json_object_set_new(o, "quote\"key\\", json_string("say \"hi\" \\ back/slash"));
  json_object_set_new(o, "ctl", json_string("\b\f\n\r\t\x01\x1f\x7f end"));
  json_object_set_new(o, "nul", json_stringn("a\0b", 3));
  json_object_set_new(o, "emoji", json_string("\xF0\x9F\x98\x80 \xE2\x80\xA8"));
  json_object_set_new(o, "big", json_integer(INT64_MAX));
  json_object_set_new(o, "small", json_integer(INT64_MIN));
  json_object_set_new(o, "zero", json_integer(0));
  json_object_set_new(o, "real", json_real(0.1));
  json_object_set_new(o, "real2", json_real(1e300));
  json_object_set_new(o, "t", json_true());
  json_object_set_new(o, "f", json_false());
  json_object_set_new(o, "n", json_null());
  json_object_set_new(o, "empty_o", json_object());
  json_object_set_new(o, "empty_a", json_array());
  json_object_set_new(o, "empty_s", json_string(""));
  json_t *a = json_array();
  for (int i = 0; i < 50; i++)
    json_array_append_new(a, json_pack("{s:i,s:s,s:[i,b,n],s:{s:s}}", "i", i, "s", "x\ny",
                                       "l", i, i % 2, "o", "k", "值"));
  json_object_set_new(o, "items", a);
  same(o);
  same(a);
  same(json_object_get(o, "empty_o"));
  same(json_object_get(o, "empty_a"));
  /* not an object or array: NULL, as json_dumps without JSON_ENCODE_ANY */
  same(json_object_get(o, "zero"));
  same(json_object_get(o, "a_second"));
  /* a string that is not UTF-8 (made without jansson's check): NULL as jansson */
  json_t *bad = json_object();
  json_object_set_new(bad, "k", json_stringn_nocheck("\xC0\xAF", 2));
  same(bad);
  json_object_set_new(bad, "k", json_stringn_nocheck("\xED\xA0\x80", 3)); /* a surrogate */
  same(bad);
  json_object_set_new(bad, "k", json_stringn_nocheck("\xE4\xB8", 2)); /* cut short */
  same(bad);
  json_decref(bad);
  json_decref(o);
  /* and a reply as the server builds one */
  json_t *r = json_loads("{\"id\":\"01900007-0000-7000-8000-00000000c350\",\"title\":\"压测问题\","
                         "\"amount\":\"1,234.50\",\"allowed_actions\":[\"confirm\"],\"can\":{\"x\":true}}",
                         0, NULL);
  same(r);
  json_decref(r);
}

/* json_utf8_ok says what jansson's json_stringn says, on every 1-, 2- and
 * 3-byte string over the bytes where the rules change, 4-byte leads, cut
 * sequences and long ASCII runs (the 8-byte path) around them. */
TEST(json_utf8_ok_agrees_with_jansson) {
  static const unsigned char b[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                                    0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0,
                                    0xF4, 0xF5, 0xFF};
  enum { NB = sizeof b };
  int bad = 0;
  char s[40];
  for (int len = 1; len <= 3; len++) {
    int total = len == 1 ? NB : len == 2 ? NB * NB : NB * NB * NB;
    for (int k = 0; k < total; k++) {
      for (int pre = 0; pre <= 9; pre += 9) { /* without and with an ASCII run before */
        size_t n = 0;
        for (int j = 0; j < pre; j++) s[n++] = 'a';
        int x = k;
        for (int j = 0; j < len; j++, x /= NB) s[n++] = (char)b[x % NB];
        json_t *j = json_stringn(s, n);
        bad += (j != NULL) != json_utf8_ok(s, n);
        json_decref(j);
      }
    }
  }
  CHECK(bad == 0);
  const char *four = "\xF0\x9F\x98\x80 abcdefgh \xF4\x8F\xBF\xBF \xE4\xB8\xAD\xE6\x96\x87";
  CHECK(json_utf8_ok(four, strlen(four)));
  CHECK(!json_utf8_ok("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
  CHECK(!json_utf8_ok("\xF0\x8F\xBF\xBF", 4)); /* overlong */
  CHECK(!json_utf8_ok("abcdefghijk\xE4\xB8", 13));  /* cut short after the 8-byte path */
}

/* The 8-byte ASCII path of str(): each byte that must be escaped (or is
 * not ASCII), at every position of a 24-byte string, the same as jansson. */
TEST(json_out_escapes_at_every_position_of_the_8_byte_path) {
  static const char *odd[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ", "~", "\xE4\xB8\xAD"};
  for (size_t k = 0; k < sizeof odd / sizeof *odd; k++)
    for (int pos = 0; pos < 24; pos++) {
      char s[40];
      size_t n = 0;
      for (int j = 0; j < 24; j++) {
        if (j == pos) {
          for (const char *c = odd[k]; *c; c++) s[n++] = *c;
        } else {
          s[n++] = (char)('a' + j % 26);
        }
      }
      json_t *o = json_object();
      json_object_set_new(o, "k", json_stringn(s, n));
      same(o);
      json_decref(o);
    }
}
