"""imapd in its preauthenticated test mode (a non-root user on a
non-socket stdin), as nobody through setpriv when we are root, on a scratch
home and spool with --config naming a scratch c-client.cf.  Shared by the
policy suites (test_policy.py, test_policy_inbox.py)."""
import os
import re
import shutil
import subprocess
import tempfile

import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from made import made  # noqa: E402,F401  (tests/lib; also for users of this)

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
IMAPD = os.path.join(BUILDDIR, "imapd")
FIXTURE = os.path.join(TOP, "tests", "fixtures", "demo.mbox")
ROOT = os.geteuid() == 0
NOBODY = 65534


def chown_tree(path):
    if ROOT:
        os.chown(path, NOBODY, NOBODY)
        for base, dirs, files in os.walk(path):
            for n in dirs + files:
                os.chown(os.path.join(base, n), NOBODY, NOBODY)


class PreauthScratch:
    """DIR/home, DIR/spool with INBOX (a copy of the demo mailbox) and
    DIR/c-client.cf (the spool, extra_config(), then config_lines).
    Subclasses add their files in setup()."""

    prefix = "policy."

    def __init__(self, config_lines):
        self.dir = tempfile.mkdtemp(prefix=self.prefix, dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.home = os.path.join(self.dir, "home")
        self.spool = os.path.join(self.dir, "spool")
        os.mkdir(self.home)
        os.mkdir(self.spool)
        self.user = "nobody" if ROOT else __import__("pwd").getpwuid(os.getuid()).pw_name
        self.inbox = os.path.join(self.spool, self.user)
        shutil.copy(FIXTURE, self.inbox)
        self.setup()
        self.cf = os.path.join(self.dir, "c-client.cf")
        with open(self.cf, "w") as f:
            f.write("set mail-spool-directory %s\n" % self.spool)
            for line in list(self.extra_config()) + list(config_lines):
                f.write(line + "\n")
        os.chmod(self.cf, 0o644)
        chown_tree(self.dir)

    def setup(self):
        pass

    def extra_config(self):
        return ()

    def session(self, commands):
        """Tagged commands t1, t2, ... then LOGOUT, on one preauthenticated
        imapd; returns [(untagged lines, tagged line)] per command."""
        text = "".join("t%d %s\r\n" % (i + 1, c) for i, c in enumerate(commands))
        text += "z LOGOUT\r\n"
        argv = [IMAPD, "--config", self.cf]
        if ROOT:
            argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                    "--clear-groups"] + argv
        env = dict(os.environ, HOME=self.home)
        p = subprocess.run(argv, input=text.encode(), capture_output=True,
                           env=env, timeout=60, cwd=self.dir)
        out = p.stdout.decode("utf-8", "replace").split("\r\n")
        assert out[0].startswith("* PREAUTH"), (out[:3], p.stderr[-2000:])
        replies, untagged = {}, []
        for line in out[1:]:
            m = re.match(r"^(t\d+|z) (OK|NO|BAD)\b", line)
            if m:
                replies[m.group(1)] = (untagged, line)
                untagged = []
            elif line:
                untagged.append(line)
        assert "z" in replies, out
        return [replies["t%d" % (i + 1)] for i in range(len(commands))]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def scratch_fixture(cls):
    """A pytest fixture body: make(*config_lines) -> cls, cleaned up after."""
    if not os.access(IMAPD, os.X_OK):
        pytest.fail("%s is not built" % IMAPD)
    if ROOT and shutil.which("setpriv") is None:
        pytest.fail("setpriv missing (util-linux)")
    yield from made(lambda *config_lines: cls(config_lines),
                    lambda s: s.cleanup())


def ok(reply):
    return reply[1].split()[1] == "OK"
