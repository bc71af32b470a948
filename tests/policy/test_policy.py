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
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from preauth import PreauthScratch, ok, scratch_fixture  # noqa: E402


class Scratch(PreauthScratch):
    """home, spool (INBOX: a copy of the demo mailbox), an #ftp/ tree"""

    def setup(self):
        self.ftp = os.path.join(self.dir, "ftp")
        os.mkdir(self.ftp)
        os.mkdir(os.path.join(self.ftp, "pub"))

    def extra_config(self):
        return ("set ftp-export-directory %s" % self.ftp,)


@pytest.fixture
def scratch_factory():
    yield from scratch_fixture(Scratch)


def lists(untagged):
    return [l for l in untagged if l.startswith("* LIST ")]




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
