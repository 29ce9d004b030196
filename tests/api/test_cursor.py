"""Keyset (cursor) paging of lists (issue 15): following `next` to the end
gives the same rows as all pages, without duplicates, under every allowed
sort; stable while rows are inserted between pages; a bad cursor is 400
naming `cursor`; visibility holds on every page; the count is bounded and
only on the first page (docs/api.md "Lists")."""
import base64
from urllib.parse import quote

from lib import Server, expect, test, today_shanghai

SORTS = ["", "title", "-title", "created_at", "-updated_at", "state", "-state", "handover_at",
         "-handover_at", "discovered_on"]


def new_clue(c, target, title):
    body = {"target_id": target, "title": title, "subject_name": "王某某", "subject_post": "会计",
            "source": "records", "discovered_on": today_shanghai(), "allegation": "x"}
    return expect(c.post("/api/v1/clues", body), 201).json


def walk(c, path, per_page=3, limit=500):
    """Every item by following `next`; asserts the reply shape on the way."""
    sep = "&" if "?" in path else "?"
    r = expect(c.get(f"{path}{sep}per_page={per_page}"), 200).json
    assert "total" in r and r["page"] == 1
    items, pages = list(r["items"]), 1
    while r["next"]:
        assert r["has_more"] is True and len(r["items"]) == per_page
        r = expect(c.get(f"{path}{sep}per_page={per_page}&cursor={quote(r['next'])}"), 200).json
        assert "total" not in r, "a cursor page does not count the scope again"
        items += r["items"]
        pages += 1
        assert pages < limit
    assert r["has_more"] is False
    return items


def by_pages(c, path, per_page=3):
    sep = "&" if "?" in path else "?"
    items, page = [], 1
    while True:
        r = expect(c.get(f"{path}{sep}per_page={per_page}&page={page}"), 200).json
        items += r["items"]
        if len(r["items"]) < per_page:
            return items, r["total"]
        page += 1


@test
def cursor_walks_equal_pages_under_every_sort_and_respect_visibility():
    with Server() as s:
        t1, t2 = s.ids["targets"]["u1"], s.ids["targets"]["u3"]
        m1, m2, office = s.client("member1"), s.client("member2"), s.client("office")
        # equal titles make ties that only the id breaks
        for i in range(7):
            new_clue(m1, t1, f"线索{i % 3}")
        for i in range(5):
            new_clue(m2, t2, f"线索{i % 2}")
        for c, sorts in ((m1, SORTS), (m2, ["", "-title"]), (office, ["", "handover_at"])):
            for sort in sorts:
                path = "/api/v1/clues" + (f"?sort={sort}" if sort else "")
                got = walk(c, path)
                ids = [x["id"] for x in got]
                assert len(ids) == len(set(ids)), (c.login_name, sort, "duplicates")
                pages, total = by_pages(c, path)
                assert ids == [x["id"] for x in pages], (c.login_name, sort)
                assert total == len(ids)
        # visibility on every page: a team member's walk is exactly its team's clues
        team1 = {x["id"] for x in walk(office, "/api/v1/clues") if x["team_id"] == s.ids["teams"]["t1"]}
        seen1 = {x["id"] for x in walk(m1, "/api/v1/clues")}
        seen2 = {x["id"] for x in walk(m2, "/api/v1/clues")}
        assert seen1 and seen2 and not (seen1 & seen2)
        assert seen1 == team1
        rows = s.sql("SELECT id FROM clues WHERE team_id=(SELECT team_id FROM targets WHERE id=?)", (t1,))
        assert seen1 == {r[0] for r in rows}
        # a cursor handed from one user to another is no key to the first one's rows
        r = expect(m1.get("/api/v1/clues?per_page=2"), 200).json
        got = expect(m2.get(f"/api/v1/clues?per_page=200&cursor={quote(r['next'])}"), 200).json
        assert {x["id"] for x in got["items"]} <= seen2
        # and on the record engine's other lists (two-phase, per-row counts kept)
        for path in ("/api/v1/problems", "/api/v1/problems?sort=state", "/api/v1/rect-tasks",
                     "/api/v1/reports", "/api/v1/orgs", "/api/v1/persons?sort=name"):
            got = walk(office, path, per_page=10, limit=2000)
            pages, total = by_pages(office, path, per_page=10)
            assert [x["id"] for x in got] == [x["id"] for x in pages], path
            assert pages == got, path  # every field as the page= reply has it
            # the count (over the kind's table alone where its joins are to-one) counts the listed rows
            assert total == len(got), (path, total, len(got))


@test
def cursor_is_stable_under_concurrent_insert():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        m1 = s.client("member1")
        for i in range(6):
            new_clue(m1, t1, f"旧线索{i}")
        before = {x["id"] for x in walk(m1, "/api/v1/clues")}
        for sort in ("", "title", "-created_at"):
            q = f"?sort={sort}&" if sort else "?"
            r = expect(m1.get(f"/api/v1/clues{q}per_page=2"), 200).json
            items = list(r["items"])
            added = []
            while r["next"]:
                # rows inserted between pages: before and after the cursor
                added.append(new_clue(m1, t1, f"新线索{len(added)}")["id"])
                added.append(new_clue(m1, t1, "丁")["id"])
                r = expect(m1.get(f"/api/v1/clues{q}per_page=2&cursor={quote(r['next'])}"), 200).json
                items += r["items"]
            ids = [x["id"] for x in items]
            assert len(ids) == len(set(ids)), (sort, "duplicates")
            assert before <= set(ids), (sort, "a row present all along was skipped")
            assert set(ids) <= before | set(added)
            before = {x["id"] for x in walk(m1, "/api/v1/clues")}


@test
def bad_cursor_is_400_naming_cursor():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        m1 = s.client("member1")
        for i in range(4):
            new_clue(m1, t1, f"线索{i}")
        nxt = expect(m1.get("/api/v1/clues?per_page=2&sort=title"), 200).json["next"]
        assert nxt
        payload, tag = nxt.rsplit(".", 1)
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        forged = base64.urlsafe_b64encode(raw.replace(b"\xe7\xba\xbf", b"\xe4\xb8\x80")).decode().rstrip("=")
        bad = ["x", "abc.def", nxt[:-1] + ("0" if nxt[-1] != "0" else "1"), forged + "." + tag,
               "!!!." + tag, "." + tag, nxt + "x"]
        for c in bad:
            r = expect(m1.get(f"/api/v1/clues?per_page=2&sort=title&cursor={quote(c)}"), 400, "invalid_field")
            err = r.json["error"]
            assert err["field"] == "cursor" and "cursor" in err["message"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"])
        # the same cursor under another sort, or on another list, is refused
        expect(m1.get(f"/api/v1/clues?per_page=2&sort=-title&cursor={quote(nxt)}"), 400, "invalid_field")
        expect(m1.get(f"/api/v1/problems?per_page=2&cursor={quote(nxt)}"), 400, "invalid_field")
        # with a page, empty, repeated, too long
        r = expect(m1.get(f"/api/v1/clues?sort=title&page=2&cursor={quote(nxt)}"), 400, "invalid_field")
        assert r.json["error"]["field"] == "cursor"
        expect(m1.get("/api/v1/clues?cursor="), 400, "invalid_field")
        expect(m1.get(f"/api/v1/clues?sort=title&cursor={quote(nxt)}&cursor={quote(nxt)}"), 400,
               "duplicate_param")
        expect(m1.get("/api/v1/clues?cursor=" + "a" * 5000), 400, "invalid_field")
        # the good one still works
        r = expect(m1.get(f"/api/v1/clues?per_page=2&sort=title&cursor={quote(nxt)}"), 200).json
        assert [x["title"] for x in r["items"]] == ["线索2", "线索3"] or len(r["items"]) == 2


@test
def counts_are_bounded_and_offset_only_for_the_first_pages():
    with Server() as s:
        office = s.client("office")
        r = expect(office.get("/api/v1/orgs?per_page=1"), 200).json
        assert r["total"] >= 2 and "total_approx" not in r and r["has_more"] and r["next"]
        # page= keeps working for the first pages; deeper pages follow next
        expect(office.get("/api/v1/orgs?per_page=100&page=101"), 200)
        r = expect(office.get("/api/v1/orgs?per_page=100&page=102"), 400, "invalid_field")
        assert r.json["error"]["field"] == "page"
        # the last page says so
        r = expect(office.get("/api/v1/orgs?per_page=200"), 200).json
        assert r["has_more"] is False and r["next"] is None and len(r["items"]) == r["total"]
        # lists beside the record engine carry the cursor too (audit: keyed by seq)
        a = s.client("auditadmin")
        got = walk(a, "/api/v1/audit", per_page=200, limit=1000)
        seqs = [x["seq"] for x in got]
        assert seqs == sorted(seqs, reverse=True) and len(seqs) == len(set(seqs))
