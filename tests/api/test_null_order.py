"""NULLs in a sorted list sit where SQLite puts them, on every backend: first
in ascending order, last in descending (docs/api.md "Lists"). PostgreSQL's
default is the reverse; the list's ORDER BY states the placement
(src/api/paging.c list_order), so that the order, the cursor's "rows after"
and the export's order are one on SQLite and on PostgreSQL. Runs on both
(the PostgreSQL tier: tests/api/pg_modules.txt)."""
from urllib.parse import quote

import xlsxio
from lib import Server, expect, test, today_shanghai


def new_clue(c, target, title):
    body = {"target_id": target, "title": title, "subject_name": "王某某", "subject_post": "会计",
            "source": "records", "discovered_on": today_shanghai(), "allegation": "反映的问题内容"}
    return expect(c.post("/api/v1/clues", body), 201).json["id"]


def walk(c, path, per_page):
    """Every item by following `next` from the first page."""
    r = expect(c.get(f"{path}&per_page={per_page}"), 200).json
    items = list(r["items"])
    while r["next"]:
        r = expect(c.get(f"{path}&per_page={per_page}&cursor={quote(r['next'])}"), 200).json
        items += r["items"]
        assert len(items) < 500
    return items


@test
def nulls_first_ascending_last_descending_in_lists_cursors_and_exports():
    with Server() as s:
        m1, l1, office = s.client("member1"), s.client("leader1"), s.client("office")
        t1 = s.ids["targets"]["u1"]
        # five clues of one team: three handed over (handover_at set), two drafts (NULL)
        ids = [new_clue(m1, t1, f"空值排序线索{i}") for i in range(5)]
        for cid in ids[1:4]:
            expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
            expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
        mine = "/api/v1/clues?target_id=" + t1
        every = expect(m1.get(mine + "&per_page=100"), 200).json["items"]
        assert {x["id"] for x in every} >= set(ids)
        nulls = sorted(x["id"] for x in every if x["handover_at"] is None)
        handed = [x for x in every if x["handover_at"] is not None]
        assert len(nulls) >= 2 and len(handed) >= 3, every
        asc_handed = [x["id"] for x in sorted(handed, key=lambda x: (x["handover_at"], x["id"]))]

        # ascending: the NULLs first (ties by id, in the same direction), then the times
        asc = [x["id"] for x in expect(m1.get(mine + "&sort=handover_at&per_page=100"), 200).json["items"]]
        assert asc == nulls + asc_handed, asc
        # descending: the times newest first, the NULLs last
        desc = [x["id"] for x in expect(m1.get(mine + "&sort=-handover_at&per_page=100"), 200).json["items"]]
        assert desc == list(reversed(asc_handed)) + list(reversed(nulls)), desc

        # a cursor taken on a NULL row or across the NULLs' edge goes on in the same order:
        # every row once, none skipped (the cursor's "after" agrees with the ORDER BY)
        for sort, want in (("handover_at", asc), ("-handover_at", desc)):
            for per_page in (1, 2, 3):
                got = [x["id"] for x in walk(m1, mine + "&sort=" + sort, per_page)]
                assert got == want, (sort, per_page, got, want)

        # the export of the list (every row, in chunks of the same query) has the list's order
        titles = {x["id"]: x["title"] for x in every}
        for sort, want in (("handover_at", asc), ("-handover_at", desc)):
            r = expect(m1.get(f"/api/v1/exports/records/clue?target_id={t1}&sort={sort}"), 200)
            rows = xlsxio.read(r.raw).rows
            head = rows[2]
            col = head.index("标题")
            got = [row[col] for row in rows[3:]]
            assert got == [titles[i] for i in want], (sort, got)
