"""pg_fixture.py — what the several-servers tests share (pg_anchor.py,
pg_sched.py; issue 16): another `xunji serve` on the database of a first
Server, with the same key, files and settings."""
import os
import tempfile

from lib import Server


class SecondServer(Server):
    """Another `xunji serve` on the database of `first`; own_anchor gives it
    its own anchor file (as a server on another host has)."""

    def __init__(self, first, own_anchor=False):  # noqa: super().__init__ would make a new database
        self.bin = first.bin
        self.dir = tempfile.mkdtemp(prefix="xunji-api-")
        self.env = dict(first.env)
        if own_anchor:
            self.env["XUNJI_AUDIT_ANCHOR"] = os.path.join(self.dir, "own.audit-anchor")
        self.db = first.db
        self.pg_name = None  # the first server's database: it drops it
        self.settings = dict(first.settings)
        self.proc = None
        self.port = None
        self.cleanup = True
        self.accounts, self.ids, self.passwords = first.accounts, first.ids, first.passwords
        self.production_kdf = False
