#!/usr/bin/env python3
"""Drive one imapd transcript case over a pipe and print the transcript.

usage: driver.py CASE.in -- IMAPD-COMMAND...

CASE.in holds client lines.  Each line is sent with CRLF appended, after
these expansions:
  %{CRLF} %{CR} %{LF} %{NUL} %{SP} %{xHH}   the byte(s) named
  %{repeat:N:TEXT}                          TEXT N times (TEXT may not hold '}')
  {{TEXT}}      a synchronising literal: "{len}" CRLF, wait for "+", TEXT
  {{+TEXT}}     a LITERAL+ literal "{len+}" CRLF TEXT (no wait)
  ~{{TEXT}}     a literal8 "~{len}" (and ~{{+TEXT}})
  {{@FILE}}     the literal is FILE (relative to the case dir), LF -> CRLF
After a command line the driver waits for the tagged reply of its tag (the
first word), or for "* BYE"/EOF.  Lines starting with "#" are comments,
blank lines are ignored.  Directives:
  !send TEXT      send TEXT (expanded) + CRLF; do not wait
  !raw TEXT       send TEXT (expanded) without CRLF; do not wait
  !cont TEXT      send TEXT + CRLF, then wait for a "+" continuation
  !wait TAG       wait for the tagged reply TAG
  !waitline RE    wait for an untagged response matching the regex RE
  !sleep SECS     sleep
  !shell CMD      run CMD with sh in the case's scratch dir (env SCRATCH,
                  SPOOL, INBOX, HOME, and IMAPD, CONFIG to start a second
                  session), as the user imapd runs as; its
                  output is shown as "!> " lines
  !waitany        wait for any one response
  !eof            close imapd's stdin, read to EOF, wait for its exit
At the end stdin is closed and the output is read until EOF.

The transcript: "C: " client lines, "S: " server lines (split at CRLF;
bytes outside printable ASCII shown as %{xHH}; a piece without CRLF at the
end of a chunk ends in "%{no-CRLF}"), "X: exit N" for the exit status.
"""
import os
import re
import select
import subprocess
import sys
import time

TIMEOUT = float(os.environ.get("IMAPD_CASE_TIMEOUT", "10"))


def expand_bytes(text):
    """%{...} escapes -> bytes"""
    out = bytearray()
    i = 0
    while i < len(text):
        if text.startswith("%{", i):
            j = text.index("}", i)
            tok = text[i + 2:j]
            i = j + 1
            if tok == "CRLF":
                out += b"\r\n"
            elif tok == "CR":
                out += b"\r"
            elif tok == "LF":
                out += b"\n"
            elif tok == "NUL":
                out += b"\0"
            elif tok == "SP":
                out += b" "
            elif re.fullmatch(r"x[0-9a-fA-F]{2}", tok):
                out.append(int(tok[1:], 16))
            elif tok.startswith("repeat:"):
                _, n, what = tok.split(":", 2)
                out += expand_bytes(what) * int(n)
            else:
                raise SystemExit("driver: unknown escape %{" + tok + "}")
        else:
            out += text[i].encode("utf-8")
            i += 1
    return bytes(out)


def split_literals(text):
    """Split a line into plain text and ~{{...}} literal macros (a literal
    ends at the first "}}" that is not the end of a %{...} escape)."""
    parts = []
    i = 0
    start = 0
    while i < len(text):
        if text.startswith("{{", i) or text.startswith("~{{", i):
            parts.append(text[start:i])
            j = i + (3 if text[i] == "~" else 2)
            while j < len(text) and not text.startswith("}}", j):
                if text.startswith("%{", j):
                    j = text.index("}", j) + 1
                else:
                    j += 1
            if j >= len(text):
                raise SystemExit("driver: unterminated {{ in: " + text)
            parts.append(text[i:j + 2])
            i = start = j + 2
        else:
            i += 1
    parts.append(text[start:])
    return parts


def render(data):
    s = []
    for b in data:
        if 0x20 <= b < 0x7F or b == 0x09:
            s.append(chr(b))
        else:
            s.append("%%{x%02x}" % b)
    return "".join(s)


class Session:
    def __init__(self, argv, env, scratch_env, user_prefix):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
        self.buf = b""          # unparsed server output
        self.done = []          # complete responses not yet examined
        self.eof = False
        self.stderr = b""
        self.lines = []
        self.scratch_env = scratch_env
        self.user_prefix = user_prefix
        self.stdin_open = True
        self.failed = False
        self.rc = None

    # ---------------------------------------------------------- output
    def emit_client(self, data):
        if data.endswith(b"\r\n"):
            for piece in data[:-2].split(b"\r\n"):
                self.lines.append("C: " + render(piece))
        else:
            for piece in data.split(b"\r\n"):
                self.lines.append("C: " + render(piece))
            self.lines[-1] += "%{no-CRLF}"

    def emit_server(self, resp):
        pieces = resp.split(b"\r\n")
        if pieces and pieces[-1] == b"":
            pieces.pop()
            for p in pieces:
                self.lines.append("S: " + render(p))
        else:
            for p in pieces[:-1]:
                self.lines.append("S: " + render(p))
            self.lines.append("S: " + render(pieces[-1]) + "%{no-CRLF}")

    # ------------------------------------------------------------- I/O
    def send(self, data, show=True):
        # What the server has already said comes before this in the
        # transcript (e.g. a RECENT that followed an awaited EXISTS).
        while self.pump(time.monotonic() + 0.005):
            pass
        while self.done:
            self.emit_server(self.done.pop(0))
        if show:
            self.emit_client(data)
        if not self.stdin_open:
            return
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stdin_open = False
            self.lines.append("T: write failed (imapd closed its input)")

    def close_stdin(self):
        if self.stdin_open:
            self.stdin_open = False
            try:
                self.p.stdin.close()
            except OSError:
                pass

    def pump(self, deadline):
        """Read what is available (waiting until deadline); False on timeout."""
        fds = []
        if not self.eof:
            fds.append(self.p.stdout)
        if self.p.stderr is not None:
            fds.append(self.p.stderr)
        if not fds:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select(fds, [], [], left)
        if not r:
            return False
        for f in r:
            chunk = os.read(f.fileno(), 65536)
            if f is self.p.stdout:
                if chunk:
                    self.buf += chunk
                else:
                    self.eof = True
            else:
                if chunk:
                    self.stderr += chunk
                else:
                    self.p.stderr.close()
                    self.p.stderr = None
        self.parse()
        return True

    def parse(self):
        """Split self.buf into complete responses (literals included)."""
        while True:
            pos = 0
            while True:
                nl = self.buf.find(b"\r\n", pos)
                if nl < 0:
                    return
                m = re.search(rb"~?\{(\d+)\}$", self.buf[pos:nl])
                if not m:
                    end = nl + 2
                    break
                n = int(m.group(1))
                if len(self.buf) < nl + 2 + n:
                    return
                pos = nl + 2 + n
            self.done.append(self.buf[:end])
            self.buf = self.buf[end:]

    def wait_for(self, pred, what, timeout=None):
        """Emit responses until pred(resp) is true.  Returns the response,
        None on EOF/timeout (noted in the transcript)."""
        deadline = time.monotonic() + (timeout or TIMEOUT)
        while True:
            while self.done:
                r = self.done.pop(0)
                self.emit_server(r)
                if r.startswith(b"* BYE"):
                    self.bye_seen = True
                if pred(r):
                    if self.bye_seen:
                        # the server is leaving: nothing more is sent, so
                        # the transcript does not depend on timing
                        self.failed = True
                    return r
            if self.eof:
                if self.buf:
                    self.emit_server(self.buf)
                    self.buf = b""
                self.lines.append("T: EOF while waiting for " + what)
                self.failed = True      # the session is over
                return None
            if not self.pump(deadline):
                if self.eof:
                    continue
                if self.buf:
                    self.emit_server(self.buf)
                    self.buf = b""
                self.lines.append("T: timeout waiting for " + what)
                self.failed = True
                return None

    def wait_tag(self, tag):
        t = tag.encode() + b" "
        return self.wait_for(lambda r: r.startswith(t), "tagged " + tag)

    def drain(self):
        """Close imapd's input, read its output until EOF, wait for exit."""
        if self.rc is not None:
            return
        self.close_stdin()
        deadline = time.monotonic() + TIMEOUT
        while not self.eof or self.p.stderr is not None:
            if not self.pump(deadline):
                if time.monotonic() >= deadline:
                    self.lines.append("T: imapd did not exit at EOF")
                    self.p.kill()
                    break
        while self.done:
            self.emit_server(self.done.pop(0))
        if self.buf:
            self.emit_server(self.buf)
            self.buf = b""
        try:
            rc = self.p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            self.lines.append("T: imapd did not exit")
        self.rc = rc
        self.lines.append("X: exit %d" % rc)

    def finish(self):
        self.drain()
        for ln in self.stderr.decode("utf-8", "replace").splitlines():
            self.lines.append("E: " + ln)

    # --------------------------------------------------------- commands
    def command(self, text):
        """A client command line with possible {{literal}} macros."""
        parts = split_literals(text)
        tag = expand_bytes(text.split(" ", 1)[0]).decode("latin-1")
        pending = b""
        for part in parts:
            m = re.fullmatch(r"(~?)\{\{(\+?)(.*)\}\}", part, re.S)
            if not m:
                pending += expand_bytes(part)
                continue
            tilde, plus, body = m.groups()
            if body.startswith("@"):
                path = os.path.join(self.casedir, body[1:])
                with open(path, "rb") as f:
                    data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            else:
                data = expand_bytes(body)
            pending += ("%s{%d%s}\r\n" % (tilde, len(data), plus)).encode()
            self.send(pending)
            pending = b""
            if not plus:
                t = tag.encode() + b" "
                r = self.wait_for(lambda r: r.startswith(b"+") or r.startswith(t),
                                  "continuation")
                if r is None or not r.startswith(b"+"):
                    return
            self.send(data)
        self.send(pending + b"\r\n")
        self.wait_tag(tag)

    def run(self, lines):
        for raw in lines:
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if self.failed:
                break
            if line.startswith("!"):
                word, _, arg = line.partition(" ")
                if word == "!send":
                    self.send(expand_bytes(arg) + b"\r\n")
                elif word == "!raw":
                    self.send(expand_bytes(arg))
                elif word == "!cont":
                    self.send(expand_bytes(arg) + b"\r\n")
                    self.wait_for(lambda r: r.startswith(b"+"), "continuation")
                elif word == "!wait":
                    self.wait_tag(arg)
                elif word == "!waitline":
                    rx = re.compile(arg.encode())
                    # news comes at the server's pace (IDLE polls every
                    # few seconds): allow more time than for a reply
                    self.wait_for(lambda r: rx.search(r), "/" + arg + "/",
                                  3 * TIMEOUT)
                elif word == "!sleep":
                    time.sleep(float(arg))
                elif word == "!shell":
                    self.lines.append("!: " + arg)
                    cmd = self.user_prefix + ["sh", "-c", arg]
                    r = subprocess.run(cmd, cwd=self.scratch_env["SCRATCH"],
                                       env=dict(os.environ, **self.scratch_env),
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, check=False)
                    for ln in r.stdout.decode("utf-8", "replace").splitlines():
                        self.lines.append("!> " + ln)
                elif word == "!waitany":
                    self.wait_for(lambda r: True, "any response")
                elif word == "!eof":
                    self.lines.append("C: <EOF>")
                    self.drain()
                else:
                    raise SystemExit("driver: unknown directive " + word)
                continue
            if not self.stdin_open:
                break
            self.command(line)
        self.finish()


def main():
    args = sys.argv[1:]
    if "--" not in args or len(args) < 3:
        raise SystemExit(__doc__)
    k = args.index("--")
    case = args[0]
    argv = args[k + 1:]
    scratch_env = {k2: os.environ[k2]
                   for k2 in ("SCRATCH", "SPOOL", "INBOX", "HOME", "IMAPD", "CONFIG")
                   if k2 in os.environ}
    prefix = os.environ.get("AS_USER", "").split()
    s = Session(argv, dict(os.environ), scratch_env, prefix)
    s.casedir = os.path.dirname(os.path.abspath(case))
    s.bye_seen = False
    # The greeting comes first.
    s.wait_for(lambda r: True, "greeting")
    with open(case, encoding="utf-8") as f:
        s.run(f.readlines())
    sys.stdout.write("\n".join(s.lines) + "\n")


if __name__ == "__main__":
    main()
