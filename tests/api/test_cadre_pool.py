"""The cadre pool (巡察人才库): CSV import (all or nothing, row numbers and
reasons), expertise tags, training records, the 十五严禁 pledge per round, and
the profile that gathers a person's history."""
from lib import Server, expect, test, today_shanghai, days_from_today

CSV_BAD = ("姓名,单位,职务,职级,党员,专长\n"
           "张三,中共枣阳市委组织部,科员,一级科员,是,财务、审计\n"
           "李四,中共枣阳市委组织部,科员,,不知道,\n"
           "王五,不存在的单位,科员,,是,\n"
           "赵六,,科员,,是,炼丹\n")
CSV_OK = ("\ufeff姓名,单位,职务,职级,党员,专长\r\n"
          "张三,中共枣阳市委组织部,科员,一级科员,是,财务、审计\r\n"
          "\"李四, 小\",枣阳市审计局,\"审计员 \"\"骨干\"\"\",,否,审计;工程\r\n"
          "\r\n"
          "王五,,,,,\r\n")


@test
def csv_import_tags_trainings_pledges_profile():
    with Server() as s:
        office, member = s.client("office"), s.client("member1")
        r = expect(office.post("/api/v1/persons/import", {"csv": CSV_BAD}), 400, "invalid_rows")
        assert [(e["row"]) for e in r.json["error"]["rows"]] == [3, 4, 5]
        assert "第 3 行" in r.json["error"]["message"] and "党员" in r.json["error"]["rows"][0]["message"]
        assert "炼丹" in r.json["error"]["rows"][2]["message"]
        assert s.sql("SELECT count(*) FROM persons WHERE name='张三'")[0][0] == 0
        r = expect(office.post("/api/v1/persons/import", {"csv": "名字,单位\n张三,x\n"}), 400, "invalid_rows")
        assert r.json["error"]["rows"][0]["row"] == 1
        expect(office.post("/api/v1/persons/import", {"csv": "姓名\n\"未闭合\n"}), 400, "invalid_rows")
        expect(member.post("/api/v1/persons/import", {"csv": CSV_OK}), 403)

        r = expect(office.post("/api/v1/persons/import", {"csv": CSV_OK}), 201)
        assert r.json["imported"] == 3
        ids = r.json["ids"]
        p = expect(office.get(f"/api/v1/persons/{ids[1]}/profile"), 200).json
        assert p["name"] == "李四, 小" and p["post"] == '审计员 "骨干"' and p["party_member"] is False
        assert p["tags"] == sorted(["审计", "工程"]) and p["org_name"] == "枣阳市审计局"
        p0 = expect(office.get(f"/api/v1/persons/{ids[0]}/profile"), 200).json
        assert set(p0["tags"]) == {"财务", "审计"} and p0["party_member"] is True
        assert len(s.sql("SELECT * FROM audit WHERE action='person.import' AND result='ok'")) == 3

        # tags replace the set; bad tags are refused naming the field
        expect(office.post(f"/api/v1/persons/{ids[2]}/tags", {"tags": ["法律", "炼丹"]}), 400)
        r = expect(office.post(f"/api/v1/persons/{ids[2]}/tags", {"tags": ["法律", "纪检"]}), 200)
        assert r.json["tags"] == ["法律", "纪检"]
        expect(member.post(f"/api/v1/persons/{ids[2]}/tags", {"tags": ["法律"]}), 403)
        # training records
        expect(office.post(f"/api/v1/persons/{ids[2]}/trainings",
                           {"title": "全市巡察干部业务培训班", "organizer": "市委巡察办",
                            "start_date": "2026-03-01", "end_date": "2026-02-01"}), 400)
        expect(office.post(f"/api/v1/persons/{ids[2]}/trainings",
                           {"title": "全市巡察干部业务培训班", "organizer": "市委巡察办",
                            "start_date": "2026-03-01", "end_date": "2026-03-03", "hours": 24}), 201)
        assert expect(office.get(f"/api/v1/persons/{ids[2]}/trainings"), 200).json["total"] == 1

        # the 十五严禁 pledge, per round, only for members of the round
        rnd = expect(office.post("/api/v1/rounds", {"name": "八届市委第八轮巡察", "term": "八届", "seq": 8}), 201).json
        team = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "name": "第一巡察组"}), 201).json["id"]
        expect(office.post(f"/api/v1/rounds/{rnd['id']}/pledges",
                           {"person_id": ids[2], "signed_on": today_shanghai()}), 400)
        expect(office.post(f"/api/v1/teams/{team}/members",
                           {"person_id": ids[2], "role": "member", "origin": "commission"}), 201)
        expect(office.post(f"/api/v1/teams/{team}/members",
                           {"person_id": ids[0], "role": "leader", "origin": "seconded",
                            "source_unit_id": s.ids["orgs"]["orgdept"]}), 201)
        expect(office.post(f"/api/v1/rounds/{rnd['id']}/pledges",
                           {"person_id": ids[2], "signed_on": days_from_today(3)}), 400)
        expect(office.post(f"/api/v1/rounds/{rnd['id']}/pledges",
                           {"person_id": ids[2], "signed_on": today_shanghai()}), 201)
        expect(office.post(f"/api/v1/rounds/{rnd['id']}/pledges",
                           {"person_id": ids[2], "signed_on": today_shanghai()}), 409, "conflict")
        r = expect(office.get(f"/api/v1/rounds/{rnd['id']}/pledges"), 200).json
        assert r["total"] == 2 and r["unsigned"] == 1
        p2 = expect(office.get(f"/api/v1/persons/{ids[2]}/profile"), 200).json
        assert p2["rounds"][0]["round_name"] == "八届市委第八轮巡察"
        assert p2["rounds"][0]["pledge_signed_on"] == today_shanghai()
        assert p2["trainings"][0]["hours"] == 24 and p2["tags"] == ["法律", "纪检"]
        expect(member.get(f"/api/v1/persons/{ids[2]}/profile"), 403)
