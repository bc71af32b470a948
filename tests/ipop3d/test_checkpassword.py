"""Logins through a checkpassword program (qmail protocol), as vpopmail's
vchkpw does it for virtual domains: ipop3d --checkpassword PROG.

The test program knows two virtual users of example.org.  It reads
user\\0password\\0timestamp\\0 on fd 3, records what it was given (the
environment vchkpw needs: TCPREMOTEIP, TCPLOCALIP, TCPLOCALPORT), becomes
the mail user (nobody when we are root), sets HOME and runs its arguments:
ipop3d's --checkpassword-reply, which tells the server who it now is.
"""
import imaplib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from popserver import IMAPD, IPOP3D, PASSWORD, ROOT, Server, free_port, message

NOBODY = 65534

SCRIPT = r'''#!/usr/bin/python3
import json, os, sys
data = b""
while True:
    chunk = os.read(3, 4096)
    if not chunk:
        break
    data += chunk
user, password, stamp = data.split(b"\0")[:3]
with open(%(log)r, "a") as f:
    f.write(json.dumps({"user": user.decode(), "stamp": stamp.decode(),
                        "env": {k: os.environ.get(k) for k in
                                ("TCPREMOTEIP", "TCPLOCALIP", "TCPLOCALPORT")},
                        "nul_password": b"\0" in password}) + "\n")
users = {b"alice@example.org": b"wonder land", b"temp@example.org": None}
if user not in users:
    sys.exit(1)
if users[user] is None:
    sys.exit(111)              # qmail: temporary failure
if password != users[user]:
    sys.exit(1)
if os.getuid() == 0:
    os.setgroups([])
    os.setgid(%(gid)d)
    os.setuid(%(uid)d)
os.environ["HOME"] = %(home)r
os.environ["USER"] = user.decode()
os.execv(sys.argv[1], sys.argv[1:])
'''


@pytest.fixture
def checkpw():
    """(program path, its log, the virtual user's home) in a scratch dir."""
    tmp = tempfile.mkdtemp(prefix="checkpw-test.", dir="/tmp")
    os.chmod(tmp, 0o755)
    uid, gid = (NOBODY, NOBODY) if ROOT else (os.getuid(), os.getgid())
    prog = os.path.join(tmp, "checkpw")
    log = os.path.join(tmp, "checkpw.log")
    home = os.path.join(tmp, "alice")
    os.mkdir(home)
    with open(prog, "w") as f:
        f.write(SCRIPT % {"log": log, "uid": uid, "gid": gid, "home": home})
    os.chmod(prog, 0o755)
    open(log, "w").close()
    os.chmod(log, 0o666)
    if ROOT:
        os.chown(home, uid, gid)
    yield prog, log, home
    shutil.rmtree(tmp, ignore_errors=True)


def read_log(log):
    with open(log) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_checkpassword_virtual_user(checkpw):
    prog, log, home = checkpw
    with Server(accounts=[], mailboxes={"alice@example.org": [message(1), message(2)]},
                extra_args=["--checkpassword", prog]) as srv:
        p = srv.poplib("alice@example.org", "wonder land")
        assert p.stat()[0] == 2
        p.quit()
        srv.wait_log(re.compile(r"Login user=alice@example\.org host=\[127\.0\.0\.1\] "
                                r"nmsgs=2/2"))
        calls = read_log(log)
        assert len(calls) == 1, calls
        c = calls[0]
        assert c["user"] == "alice@example.org"
        assert c["stamp"].startswith("<") and c["stamp"].endswith(">")
        assert c["env"]["TCPREMOTEIP"] == "127.0.0.1"
        assert c["env"]["TCPLOCALIP"] == "127.0.0.1"
        assert c["env"]["TCPLOCALPORT"] == str(srv.port)

        # a wrong password, an unknown user: -ERR [AUTH], the program asked
        s = srv.connect()
        assert s.cmd("USER alice@example.org").startswith("+OK")
        assert s.cmd("PASS wonder") == "-ERR [AUTH] Bad login"
        assert s.cmd("USER nobody@example.org").startswith("+OK")
        assert s.cmd("PASS wonder land") == "-ERR [AUTH] Bad login"
        s.close()
        s = srv.connect()
        # a temporary failure is a failed login for the client, logged
        assert s.cmd("USER temp@example.org").startswith("+OK")
        assert s.cmd("PASS x") == "-ERR [AUTH] Bad login"
        s.close()
        srv.wait_log("exit status 111 (temporary failure)")
        assert len(read_log(log)) == 4
        assert "wonder" not in srv.log_text()      # never a password


def test_checkpassword_through_imapd(checkpw):
    """imapd takes the same option; LOGIN goes to the program."""
    prog, log, home = checkpw
    with Server(accounts=[], mailboxes={"alice@example.org": [message(1)]}) as srv:
        port = free_port()
        t = subprocess.Popen(["tcpserver", "-R", "-H", "-l", "0", "127.0.0.1",
                              str(port), IMAPD, "--config", srv.config_file,
                              "--checkpassword", prog],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "imapd did not listen"
                    time.sleep(0.05)
            m = imaplib.IMAP4("127.0.0.1", port)
            m.login("alice@example.org", "wonder land")
            typ, data = m.select("INBOX")
            assert typ == "OK" and data == [b"1"], (typ, data)
            m.logout()
            m = imaplib.IMAP4("127.0.0.1", port)
            try:
                m.login("alice@example.org", "wrong")
                raise AssertionError("a wrong password logged in")
            except imaplib.IMAP4.error as e:
                assert "Login failed" in str(e)
            m.logout()
            assert [c["user"] for c in read_log(log)] == ["alice@example.org"] * 2
        finally:
            os.killpg(t.pid, 15)
            t.wait(timeout=10)


def test_checkpassword_from_c_client_cf(checkpw):
    """"set checkpassword PROG" in c-client.cf does what the option does;
    the command line wins over it."""
    prog, log, home = checkpw
    with Server(accounts=["alice@example.org"],
                mailboxes={"alice@example.org": [message(1)]}) as srv:
        # the account file alone: its password works, the program's does not
        p = srv.poplib("alice@example.org")
        p.quit()
        with open(srv.config_file, "a") as f:
            f.write("set checkpassword %s\n" % prog)
        p = srv.poplib("alice@example.org", "wonder land")   # read per session
        assert p.stat()[0] == 1
        p.quit()
        assert [c["user"] for c in read_log(log)] == ["alice@example.org"]
        s = srv.connect()
        assert s.cmd("USER alice@example.org").startswith("+OK")
        assert s.cmd("PASS " + PASSWORD) == "-ERR [AUTH] Bad login"
        s.close()
    missing = os.path.join(os.path.dirname(prog), "no-such-program")
    with Server(accounts=["alice@example.org"],
                mailboxes={"alice@example.org": [message(1)]},
                extra_args=["--checkpassword", prog]) as srv:
        with open(srv.config_file, "a") as f:
            f.write("set checkpassword %s\n" % missing)
        p = srv.poplib("alice@example.org", "wonder land")
        p.quit()


def test_checkpassword_under_inetd(checkpw):
    """Started the inetd way (the connection on stdin/stdout, no tcpserver
    variables), ipop3d still gives the program TCPREMOTEIP, TCPLOCALIP and
    TCPLOCALPORT, taken from the socket."""
    prog, log, home = checkpw
    with Server(accounts=[], mailboxes={"alice@example.org": [message(1)]}) as srv:
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        port = lsock.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port), 10)
        conn, _ = lsock.accept()
        lsock.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TCP")}
        proc = subprocess.Popen([IPOP3D, "--config", srv.config_file,
                                 "--checkpassword", prog],
                                stdin=conn.fileno(), stdout=conn.fileno(),
                                stderr=subprocess.DEVNULL, env=env)
        conn.close()
        try:
            client.settimeout(10)
            f = client.makefile("rb")
            assert f.readline().startswith(b"+OK POP3 ")
            client.sendall(b"USER alice@example.org\r\nPASS wonder land\r\nQUIT\r\n")
            assert f.readline().startswith(b"+OK User name accepted")
            assert f.readline() == b"+OK Mailbox open, 1 messages\r\n"
            assert f.readline() == b"+OK Sayonara\r\n"
            assert proc.wait(timeout=10) == 0
        finally:
            client.close()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        env = read_log(log)[0]["env"]
        assert env == {"TCPREMOTEIP": "127.0.0.1", "TCPLOCALIP": "127.0.0.1",
                       "TCPLOCALPORT": str(port)}, env
