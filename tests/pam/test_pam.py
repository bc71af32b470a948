"""PAM logins end to end: imapd (service "imap") and ipop3d (service "pop")
without --passwd, under tcpserver, with pam_wrapper/pam_matrix and
nss_wrapper (see pamserver.py).  Also closedBox (set chroot-server T).

The accounts have uids that exist only in the nss_wrapper file, so a
session running as them proves the uid came from getpwnam() through NSS.
"""
import imaplib
import os
import poplib
import re
import socket
import subprocess
import time

import pytest

from pamserver import (MATRIX_STACK, PamServer, TIMEOUT, cleanup_module,
                       free_port)

UID, GID = 54321, 54322
PW = "walters pass 1"
USERS = [("walter", UID, GID), ("popper", UID + 1, GID), ("rooty", 0, 0)]
MATRIX = ["walter:%s:imap" % PW, "walter2:%s:pop" % PW,
          "popper:pop-pass:pop", "ghost:ghost-pass:imap",
          "rooty:root-pass:imap"]


@pytest.fixture(scope="module", autouse=True)
def _module_cleanup():
    yield
    cleanup_module()


def imap_server(**kw):
    kw.setdefault("services", {"imap": MATRIX_STACK})
    kw.setdefault("matrix", MATRIX)
    kw.setdefault("users", USERS)
    return PamServer("imapd", **kw)


def pop_server(**kw):
    kw.setdefault("services", {"pop": MATRIX_STACK})
    # pam_matrix uses a user's first line: walter is a POP user here
    kw.setdefault("matrix", ["walter:%s:pop" % PW] + MATRIX[1:])
    kw.setdefault("users", USERS)
    return PamServer("ipop3d", **kw)


def imap_login_fails(srv, user, password):
    m = srv.imaplib()
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login(user, password)
    assert "Login failed" in str(e.value)
    m.logout()


def status_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError("no Uid line for %d" % pid)


# ------------------------------------------------------------ IMAP

def test_imap_login_runs_as_the_nss_user():
    with imap_server() as srv:
        m = srv.imaplib()
        typ, _ = m.login("walter", PW)
        assert typ == "OK"
        pid = srv.wait_session_pid()
        assert status_uid(pid) == [UID] * 4
        typ, _ = m.create("made-by-session")
        assert typ == "OK"
        st = os.stat(os.path.join(srv.homes["walter"], "made-by-session"))
        assert (st.st_uid, st.st_gid) == (UID, GID)
        typ, data = m.select("INBOX")
        assert typ == "OK" and data == [b"0"]
        m.logout()
        log = srv.wait_log("Logout user=walter")
        assert "Login user=walter host=[127.0.0.1]" in log
        assert PW not in log


def test_imap_bad_password_and_unknown_user():
    with imap_server() as srv:
        imap_login_fails(srv, "walter", "wrong " + PW)
        log = srv.wait_log("Login failed user=walter auth=walter host=[127.0.0.1]")
        imap_login_fails(srv, "nobody-known", PW)
        log = srv.wait_log("Login failed user=nobody-known auth=nobody-known "
                           "host=[127.0.0.1]")
        assert PW not in log and "wrong" not in log
        # a wrong password is not a configuration problem
        assert "configuration error" not in log.lower()


def test_imap_pam_user_without_system_account_is_refused():
    with imap_server() as srv:
        imap_login_fails(srv, "ghost", "ghost-pass")
        log = srv.wait_log("Login failed user=ghost")
        assert re.search(r"accepted user ghost, but the system has no such "
                         r"account", log), log
        assert "ghost-pass" not in log


def test_imap_uid_zero_is_refused():
    with imap_server() as srv:
        imap_login_fails(srv, "rooty", "root-pass")
        log = srv.wait_log("Login failed user=rooty")
        assert "Login refused user=rooty: uid 0 never gets a session" in log


def test_service_separation():
    # pam_matrix lets walter2 and popper use "pop" only
    with imap_server() as srv:
        imap_login_fails(srv, "popper", "pop-pass")
        log = srv.wait_log("Login failed user=popper")
        assert "PAM service imap, pam_acct_mgmt" in log
    with pop_server() as srv:
        p = srv.poplib()
        p.user("popper")
        assert p.pass_("pop-pass").startswith(b"+OK")
        p.quit()
        srv.wait_log("user=popper host=[127.0.0.1]")


def test_imap_module_messages_and_multi_prompt_conversation():
    # one conversation call with four messages: info, visible prompt (the
    # user name), error, hidden prompt (the password)
    svc = ("auth required {module} multi=%s\n"
           "account required {matrix}\n" % PW.replace(" ", "_"))
    pw = PW.replace(" ", "_")
    with imap_server(services={"imap": svc},
                     matrix=["walter:%s:imap" % pw]) as srv:
        m = srv.imaplib()
        assert m.login("walter", pw)[0] == "OK"
        m.logout()
        log = srv.wait_log("Logout user=walter")
        assert "PAM message: bamboo-test info line" in log
        assert "PAM error message: bamboo-test error line" in log
        imap_login_fails(srv, "walter", pw + "x")


def test_imap_unknown_message_style_fails_the_login():
    svc = ("auth required {matrix}\nauth required {module} badstyle\n"
           "account required {matrix}\n")
    with imap_server(services={"imap": svc}) as srv:
        imap_login_fails(srv, "walter", PW)
        log = srv.wait_log("Login failed user=walter")
        assert "unknown message style 4711 refused" in log
        assert "pam_authenticate: Conversation error" in log
        assert "Login user=walter" not in log


def test_imap_module_may_map_the_user_name():
    svc = ("auth required {module} map=walter\n"
           "auth required {matrix}\naccount required {matrix}\n")
    with imap_server(services={"imap": svc}) as srv:
        m = srv.imaplib()
        assert m.login("alias-of-walter", PW)[0] == "OK"
        pid = srv.wait_session_pid()
        assert status_uid(pid)[0] == UID
        m.logout()
        srv.wait_log("Logout user=walter")


def test_imap_expired_password_is_refused_and_logged():
    svc = ("auth required {matrix}\n"
           "account required {lib}/pam_debug.so acct=new_authtok_reqd\n")
    with imap_server(services={"imap": svc}) as srv:
        imap_login_fails(srv, "walter", PW)
        log = srv.wait_log("Login failed user=walter")
        assert re.search(r"Login refused user=walter host=\[127\.0\.0\.1\]: "
                         r"password expired", log), log


def test_imap_rhost_tty_and_session():
    svc = ("auth required {matrix}\nauth required {module} record={scratch}/record\n"
           "account required {matrix}\n"
           "session required {module} record={scratch}/record\n")
    # without --pam-session: authentication and account only
    with imap_server(services={"imap": svc}) as srv:
        m = srv.imaplib()
        assert m.login("walter", PW)[0] == "OK"
        m.logout()
        srv.wait_log("Logout user=walter")
        rec = srv.records()
        assert rec == ["auth user=walter rhost=127.0.0.1 tty=imap uid=0"], rec
    # with it: credentials and a session, closed at logout as the user
    with imap_server(services={"imap": svc}, extra_args=["--pam-session"]) as srv:
        m = srv.imaplib()
        assert m.login("walter", PW)[0] == "OK"
        srv.wait_session_pid()
        rec = srv.records()
        assert rec == ["auth user=walter rhost=127.0.0.1 tty=imap uid=0",
                       "establish_cred user=walter rhost=127.0.0.1 tty=imap uid=0",
                       "open_session user=walter rhost=127.0.0.1 tty=imap uid=0"], rec
        m.logout()
        srv.wait_log("Logout user=walter")
        deadline = time.monotonic() + 10
        while len(srv.records()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        rec = srv.records()
        assert rec[3:] == [
            "close_session user=walter rhost=127.0.0.1 tty=imap uid=%d" % UID,
            "delete_cred user=walter rhost=127.0.0.1 tty=imap uid=%d" % UID], rec


def test_failing_session_module_fails_the_login_only_with_pam_session():
    svc = ("auth required {matrix}\naccount required {matrix}\n"
           "session required {lib}/pam_debug.so open_session=session_err\n")
    with imap_server(services={"imap": svc}, extra_args=["--pam-session"]) as srv:
        imap_login_fails(srv, "walter", PW)
        log = srv.wait_log("Login failed user=walter")
        assert "pam_open_session" in log
    with imap_server(services={"imap": svc}) as srv:
        m = srv.imaplib()
        assert m.login("walter", PW)[0] == "OK"
        m.logout()


def test_secrets_file_is_used_instead_of_pam():
    with imap_server() as srv:
        secrets = srv.path("no-secrets")    # the name the server was given
        with open(secrets, "w") as f:
            f.write("walter\tthe secret\n")
        os.chmod(secrets, 0o600)
        m = srv.imaplib()
        assert m.login("walter", "the secret")[0] == "OK"
        assert status_uid(srv.wait_session_pid())[0] == UID
        m.logout()
        srv.wait_log("Logout user=walter")
        imap_login_fails(srv, "walter", PW)     # PAM's password no longer


# ------------------------------------------------------------ POP3

def test_pop_user_pass_good_and_bad():
    with pop_server() as srv:
        p = srv.poplib()
        p.user("walter")
        with pytest.raises(poplib.error_proto):
            p.pass_("not it")
        p.quit()
        srv.wait_log("Login failed user=walter auth=walter host=[127.0.0.1]")
        p = srv.poplib()
        p.user("walter")
        assert p.pass_(PW).startswith(b"+OK")
        assert status_uid(srv.wait_session_pid()) == [UID] * 4
        assert p.stat() == (0, 0)
        p.quit()
        log = srv.wait_log(re.compile(r"Logout user=walter"))
        assert "not it" not in log and PW not in log


def test_pop_uses_service_pop():
    # walter2 is allowed for "pop" only: ipop3d takes him, imapd does not
    users = USERS + [("walter2", UID + 2, GID)]
    with pop_server(users=users) as srv:
        p = srv.poplib()
        p.user("walter2")
        assert p.pass_(PW).startswith(b"+OK")
        p.quit()
    with imap_server(users=users) as srv:
        imap_login_fails(srv, "walter2", PW)


# ------------------------------------------------------------ closedBox

def test_closed_box_chroots_the_session_to_home():
    with imap_server(config=["set chroot-server T"]) as srv:
        m = srv.imaplib()
        assert m.login("walter", PW)[0] == "OK"
        pid = srv.wait_session_pid()
        assert os.readlink("/proc/%d/root" % pid) == srv.homes["walter"]
        assert os.readlink("/proc/%d/cwd" % pid) == srv.homes["walter"]
        assert status_uid(pid) == [UID] * 4
        # the system's files are out of reach
        typ, _ = m.select("/etc/passwd")
        assert typ == "NO"
        m.logout()


def test_closed_box_without_home_ends_the_session():
    users = USERS + [("lost", UID + 3, GID, "/tmp/pam-test-no-such-home")]
    matrix = MATRIX + ["lost:lost-pass:imap"]
    with imap_server(users=users, matrix=matrix,
                     config=["set chroot-server T"]) as srv:
        s = socket.create_connection(("127.0.0.1", srv.port), TIMEOUT)
        s.settimeout(TIMEOUT)
        f = s.makefile("rb")
        assert f.readline().startswith(b"* OK")
        s.sendall(b"a LOGIN lost lost-pass\r\n")
        rest = f.read()          # the server ends without "a OK"
        assert b"a OK" not in rest
        s.close()
        log = srv.wait_log("chroot-server: chroot to the home directory "
                           "failed user=lost")
        assert "Login user=lost" not in log


def test_closed_box_needs_root():
    # a non-root server cannot confine a session: it refuses to serve one
    scratch_uid = UID + 10
    with imap_server(config=["set chroot-server T"]) as srv:
        home = srv.path("home", "self")
        os.mkdir(home)
        os.chown(home, scratch_uid, GID)
        h = subprocess.run([srv.program, "--make-password"], input="pw\n",
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert h.returncode == 0, h.stderr
        accounts = srv.path("accounts")
        with open(accounts, "w") as f:
            f.write("self:%s:%d:%d::%s\n" % (h.stdout.strip(), scratch_uid,
                                             GID, home))
        os.chmod(accounts, 0o644)
        port = free_port()
        log_path = srv.path("nonroot.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                ["setpriv", "--reuid=%d" % scratch_uid, "--regid=%d" % GID,
                 "--clear-groups", "tcpserver", "-v", "-R", "-H", "-l", "0",
                 "127.0.0.1", str(port), srv.program, "--config",
                 srv.config_file, "--passwd", accounts, "--syslog-stderr",
                 "--secrets", srv.path("no-secrets")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            deadline = time.monotonic() + 10
            while "status: 0/" not in open(log_path).read():
                assert proc.poll() is None and time.monotonic() < deadline, \
                    open(log_path).read()
                time.sleep(0.02)
            m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
            with pytest.raises((imaplib.IMAP4.abort, EOFError, OSError)):
                m.login("self", "pw")
            deadline = time.monotonic() + 10
            while "cannot chroot without root" not in open(log_path).read():
                assert time.monotonic() < deadline, open(log_path).read()
                time.sleep(0.02)
            assert "Login user=self" not in open(log_path).read()
        finally:
            proc.terminate()
            proc.wait(10)
