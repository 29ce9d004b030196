"""The xunji command line: subcommands, --help, exit codes, one-line errors,
settings from flags, environment and a config file; the docs cover every route."""
import json
import os
import re
import shutil
import tempfile
import unicodedata

import lib
from lib import BIN, Server, expect, run_cli, test


@test
def help_version_and_exit_codes():
    p = run_cli("--help")
    assert "用法" in p.stdout and "serve" in p.stdout
    for sub in ("init", "serve", "user", "audit"):
        p = run_cli(sub, "--help")
        assert p.returncode == 0 and "用法" in p.stdout, sub
    p = run_cli("version")
    assert p.stdout.startswith("xunji ") and "SQLite" in p.stdout
    assert run_cli("frobnicate", check=False).returncode == 2
    assert run_cli(check=False).returncode == 2
    assert run_cli("user", "dance", check=False).returncode == 2
    assert run_cli("serve", "--nope", check=False).returncode == 2
    p = run_cli("audit", "verify", "--db", "/nonexistent/dir/x.db", check=False)
    assert p.returncode == 3 and p.stderr.count("\n") == 1 and "密钥" in p.stderr
    p = run_cli("serve", "--set", "threads=abc", check=False)
    assert p.returncode == 2 and "threads" in p.stderr
    p = run_cli("serve", "--set", "nosuch=1", check=False)
    assert p.returncode == 2 and "nosuch" in p.stderr


@test
def one_word_for_password():
    """Issue 17: one term per concept, 密码 (not 口令) in the CLI's words and the
    route table; 动态口令 (the one-time code of 双因素认证) is another concept."""
    bare = re.compile(r"(?<!动态)口令")
    texts = [run_cli(*a).stdout for a in (("--help",), ("init", "--help"), ("user", "--help"), ("routes",))]
    for t in texts:
        assert not bare.findall(t), bare.findall(t)
    assert "一次性密码" in texts[2] and "修改密码" in texts[3]


def columns(text):
    """Terminal columns of text: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def assert_accounts_table(out):
    """The demo accounts table: a header and one row per account, its columns
    (登录名, 姓名 (岗位), 一次性密码) starting at the same terminal column in
    every line although the names are Chinese."""
    lines = out.split("演示账号", 1)[1].split("\n")[1:]
    rows = lines[:lines.index("")]
    assert len(rows) == 19 and rows[0].split() == ["登录名", "姓名", "(岗位)", "一次性密码"], rows
    starts = set()
    for row in rows:
        login, rest = row[2:].split(" ", 1)
        name = rest.strip().rsplit(" ", 1)[0]
        pw = row.split()[-1]
        starts.add((columns(row[:row.index(login)]), columns(row[:row.index(name)]),
                    columns(row[:row.rindex(pw)])))
    assert len(starts) == 1, f"columns not aligned: {starts}"


@test
def init_is_idempotent_and_keys_are_private():
    d = tempfile.mkdtemp()
    db = os.path.join(d, "x.db")
    key = db + ".key"
    if lib.PG:  # a new PostgreSQL database; its key file beside the test's files
        _, db = lib.pg_new_database()
        lib._pg_files[db] = lib._pg_files_env(d)
        key = lib._pg_files[db]["XUNJI_KEY_FILE"]
    run_cli("init", db=db)
    run_cli("init", db=db)
    st = os.stat(key)
    assert st.st_mode & 0o777 == 0o400
    if not lib.PG:  # the SQLite file (PostgreSQL's files are the database server's)
        assert os.stat(db).st_mode & 0o077 == 0, oct(os.stat(db).st_mode)  # names of officials: owner-only
    p = run_cli("init", "--demo", db=db)
    assert "演示账号" in p.stdout
    assert_accounts_table(p.stdout)
    assert run_cli("init", "--demo", db=db, check=False).returncode == 1  # not twice
    os.chmod(key, 0o644)
    p = run_cli("audit", "verify", db=db, check=False)
    assert p.returncode == 3 and "权限" in p.stderr
    shutil.rmtree(d)


@test
def user_commands():
    s = Server(demo=False)
    s.cleanup = False
    p = run_cli("user", "add", "Admin1", "--name", "系统管理员甲", "--role", "sysadmin", db=s.db)
    assert "一次性密码" in p.stdout
    pw = p.stdout.split("一次性密码: ")[1].split()[0]
    p = run_cli("user", "add", "auditor", "--name", "审计员", "--role", "auditadmin", "--role", "sysadmin",
                db=s.db, check=False)
    assert p.returncode == 1 and "三员" in p.stderr
    assert "auditor" not in run_cli("user", "list", db=s.db).stdout  # nothing half-created
    p = run_cli("user", "add", "admin1", "--name", "重复", db=s.db, check=False)
    assert p.returncode == 1 and "已存在" in p.stderr
    p = run_cli("user", "add", "x", "--name", "太短", db=s.db, check=False)
    assert p.returncode == 1
    assert run_cli("user", "add", "bob", db=s.db, check=False).returncode == 2  # --name missing
    out = run_cli("user", "list", db=s.db).stdout
    assert "admin1" in out and "sysadmin" in out
    p = run_cli("user", "passwd", "admin1", db=s.db)
    pw2 = p.stdout.split("一次性密码: ")[1].split()[0]
    assert pw2 != pw
    p = run_cli("user", "grant", "admin1", "case_mgmt", db=s.db, check=False)
    assert p.returncode == 1 and "三员" in p.stderr
    run_cli("user", "disable", "admin1", db=s.db)
    assert "[停用]" in run_cli("user", "list", db=s.db).stdout
    run_cli("user", "enable", "admin1", db=s.db)
    assert run_cli("user", "passwd", "ghost", db=s.db, check=False).returncode == 1
    with s:
        c = s.client()
        r = expect(c.post("/api/v1/auth/login", {"login": "admin1", "password": pw2}), 200)
        assert r.json["must_change_password"] is True
    acts = [r[0] for r in s.sql("SELECT action FROM audit WHERE actor_login LIKE 'cli:%' ORDER BY seq")]
    assert acts[:2] == ["user.create", "role.grant"] and "user.disable" in acts
    assert run_cli("audit", "verify", db=s.db).returncode == 0
    shutil.rmtree(s.dir)


@test
def token_scope_is_not_taken_for_a_setting():
    # `--set` (a setting, every command) and `user token --scope` once shared one
    # option code: a `--set` given after `--scope` replaced the token's scope
    s = Server()
    s.cleanup = False
    p = run_cli("user", "token", "office", "--name", "脚本", "--scope", "round.write",
                "--set", "max_body=1048576", db=s.db, check=False)
    assert p.returncode == 0, p.stderr
    token = p.stdout.strip()
    assert token.startswith("xj_")
    with s:
        c = s.client()
        c.bearer = token
        expect(c.post("/api/v1/rounds", {"name": "脚本创建的轮次", "term": "八届", "seq": 8}), 201)
    shutil.rmtree(s.dir)


@test
def settings_from_environment_and_config_file():
    s = Server(demo=False)
    conf = os.path.join(s.dir, "xunji.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("# 测试配置\nmax_body = 2048\n docno_handover = 襄巡移 \n")
    env = {**s.env, "XUNJI_DB": s.db, "XUNJI_CONFIG": conf}  # s.env: PostgreSQL's key and files
    p = run_cli("audit", "verify", env=env)
    assert p.stdout.startswith("OK")
    with open(conf, "a", encoding="utf-8") as f:
        f.write("bogus line\n")
    p = run_cli("audit", "verify", env=env, check=False)
    assert p.returncode == 3 and "xunji.conf:4" in p.stderr
    p = run_cli("audit", "verify", env={**s.env, "XUNJI_DB": s.db, "XUNJI_MAX_BODY": "12"}, check=False)
    assert p.returncode == 3 and "max_body" in p.stderr
    shutil.rmtree(s.dir)


@test
def docs_cover_every_route():
    import glob
    here = os.path.dirname(os.path.abspath(__file__))
    doc = ""
    for path in sorted(glob.glob(os.path.join(here, "../../docs/api*.md"))):
        with open(path, encoding="utf-8") as f:
            doc += f.read()
    missing = [f"{r['method']} {r['pattern']}" for r in json.loads(run_cli("routes").stdout)
               if f"### {r['method']} {r['pattern']}" not in doc]
    assert not missing, f"docs/api*.md lack: {missing}"
    assert os.path.exists(BIN)
