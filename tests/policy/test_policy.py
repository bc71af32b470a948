"""Mailbox-name policy through imapd: restrict-mailbox-access and
chroot-server (CONFIG, "Mailbox name policy").

imapd runs on a pipe in its preauthenticated test mode (a non-root user on
a non-socket stdin), as nobody through setpriv when we are root, with
--config naming a scratch c-client.cf.  The test mode does not chroot, so
the chroot-server cases check the environment's side of it: INBOX is
~/INBOX, no shared or other-user namespaces, nothing outside home.
The C side (every rule, anonymous sessions) is c-client/os/test-env.c.
"""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
IMAPD = os.path.join(BUILDDIR, "imapd")
ROOT = os.geteuid() == 0
NOBODY = 65534


class Scratch:
    """home, spool (INBOX: a copy of the demo mailbox), an #ftp/ tree"""

    def __init__(self, config_lines):
        self.dir = tempfile.mkdtemp(prefix="policy.", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.home = os.path.join(self.dir, "home")
        self.spool = os.path.join(self.dir, "spool")
        self.ftp = os.path.join(self.dir, "ftp")
        for d in (self.home, self.spool, self.ftp, os.path.join(self.ftp, "pub")):
            os.mkdir(d)
        self.user = "nobody" if ROOT else __import__("pwd").getpwuid(os.getuid()).pw_name
        self.inbox = os.path.join(self.spool, self.user)
        shutil.copy(os.path.join(TOP, "tests", "fixtures", "demo.mbox"), self.inbox)
        self.cf = os.path.join(self.dir, "c-client.cf")
        with open(self.cf, "w") as f:
            f.write("set mail-spool-directory %s\n" % self.spool)
            f.write("set ftp-export-directory %s\n" % self.ftp)
            for line in config_lines:
                f.write(line + "\n")
        os.chmod(self.cf, 0o644)
        if ROOT:
            os.chown(self.dir, NOBODY, NOBODY)
            for base, dirs, files in os.walk(self.dir):
                for n in dirs + files:
                    os.chown(os.path.join(base, n), NOBODY, NOBODY)

    def session(self, commands):
        """Run tagged commands (t1, t2, ...); returns {tag: (untagged, tagged)}."""
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
        assert out[0].startswith("* PREAUTH"), out[:3]
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


@pytest.fixture
def scratch_factory():
    if not os.access(IMAPD, os.X_OK):
        pytest.fail("%s is not built" % IMAPD)
    if ROOT and shutil.which("setpriv") is None:
        pytest.fail("setpriv missing (util-linux)")
    made = []

    def make(*config_lines):
        s = Scratch(config_lines)
        made.append(s)
        return s
    yield make
    for s in made:
        s.cleanup()


def lists(untagged):
    return [l for l in untagged if l.startswith("* LIST ")]


def ok(reply):
    return reply[1].split()[1] == "OK"


def test_unrestricted_offers_other_users(scratch_factory):
    # the control case: the same setup without policy shows "~"
    s = scratch_factory()
    (ns, _), = s.session(["NAMESPACE"])
    assert ns == ['* NAMESPACE (("" "/")) (("~" "/")) (("#ftp/" "/"))'], ns


def test_restrict_all(scratch_factory):
    s = scratch_factory("set restrict-mailbox-access all")
    inside = os.path.join(s.home, "sub")
    r = s.session([
        "NAMESPACE",
        "SELECT /etc/passwd",
        "SELECT ~root/x",
        "CREATE a/../b",
        'LIST "" "/%"',
        'LIST "" "~%"',
        'LIST "" "~root/%"',
        "CREATE " + inside,
        "CREATE " + s.home + "x",         # a sibling that shares the prefix
        "EXAMINE " + s.inbox,              # the spool INBOX itself
        'LIST "" "*"',
        'LIST "" "%s/%%"' % s.home,
        "CREATE x//y",
    ])
    assert r[0][0] == ['* NAMESPACE (("" "/")) NIL (("#ftp/" "/"))'], r[0]
    for i in (1, 2, 3):
        assert not ok(r[i]), r[i]
    assert lists(r[4][0]) == [] and ok(r[4])
    assert lists(r[5][0]) == [] and lists(r[6][0]) == []
    assert ok(r[7]) and os.path.exists(inside), r[7]
    assert not ok(r[8]) and not os.path.exists(s.home + "x"), r[8]
    assert ok(r[9]) and "* 7 EXISTS" in r[9][0], r[9]
    names = [l.split()[-1] for l in lists(r[10][0])]
    assert sorted(names) == ["INBOX", "sub"], names
    names = [l.split()[-1] for l in lists(r[11][0])]
    assert inside in names and all(n.startswith(s.home) for n in names), names
    assert not ok(r[12])


def test_restrict_otherusers_only(scratch_factory):
    s = scratch_factory("set restrict-mailbox-access otherusers")
    r = s.session(["NAMESPACE", "SELECT ~root/x", "CREATE " + os.path.join(s.dir, "abs")])
    assert r[0][0] == ['* NAMESPACE (("" "/")) NIL (("#ftp/" "/"))'], r[0]
    assert not ok(r[1])
    # absolute names are RESTRICTROOT's business, not this one's
    assert ok(r[2]) and os.path.exists(os.path.join(s.dir, "abs")), r[2]


def test_chroot_server(scratch_factory):
    s = scratch_factory("set chroot-server yes")
    home_inbox = os.path.join(s.home, "INBOX")
    r = s.session([
        "NAMESPACE",
        'APPEND INBOX {21}\r\nSubject: hi\r\n\r\nhello',
        "SELECT INBOX",
        "SELECT #ftp/pub",
        'LIST "" "#ftp/*"',
        "SELECT ~root/x",
        "EXAMINE " + s.inbox,              # the spool is outside the box
        "CREATE " + os.path.join(s.home, "inside"),
        "CREATE " + os.path.join(s.dir, "outside"),
        "CREATE ../escape",
    ])
    assert r[0][0] == ['* NAMESPACE (("" "/")) NIL NIL'], r[0]
    assert ok(r[1]) and os.path.exists(home_inbox), r[1]
    # INBOX is ~/INBOX: the one new message, not the 7 in the spool
    assert ok(r[2]) and "* 1 EXISTS" in r[2][0], r[2]
    assert not ok(r[3])
    assert lists(r[4][0]) == []
    assert not ok(r[5]) and not ok(r[6])
    assert ok(r[7]) and os.path.exists(os.path.join(s.home, "inside"))
    assert not ok(r[8]) and not os.path.exists(os.path.join(s.dir, "outside"))
    assert not ok(r[9]) and not os.path.exists(os.path.join(s.dir, "escape"))
    with open(s.inbox, "rb") as f:
        assert b"Subject: hi" not in f.read()
