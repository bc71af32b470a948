#!/usr/bin/env python3
"""Normalise an imapd transcript (stdin -> stdout) so that it does not
depend on the host, the time, the build's version or the scratch dir.

Environment: NORM_HOSTS (space-separated host names), NORM_USER,
NORM_VERSION, NORM_SCRATCH.
  - host names and the user name, in greeting/BYE lines and syslog (E:)
    lines only (a short host name could be a word in a message);
  - "Bamboo <version>", "version" "<version>" in ID;
  - dates within two days of now (RFC 5322 and INTERNALDATE forms) -> <now>
    (mailbox fixtures are dated years ago and stay as they are);
  - UIDVALIDITY values (SELECT, STATUS, APPENDUID, COPYUID) -> <uv>;
  - pids in syslog lines; the scratch dir -> <scratch>.
"""
import datetime
import os
import re
import sys

hosts = [h for h in os.environ.get("NORM_HOSTS", "").split() if h]
hosts.sort(key=len, reverse=True)
user = os.environ.get("NORM_USER", "")
version = os.environ.get("NORM_VERSION", "")
scratch = os.environ.get("NORM_SCRATCH", "")
now = datetime.datetime.now(datetime.timezone.utc)
MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def near_now(dt):
    return abs((dt - now).total_seconds()) < 2 * 86400


def zone(z):
    sign = -1 if z[0] == "-" else 1
    return datetime.timezone(sign * datetime.timedelta(hours=int(z[1:3]),
                                                       minutes=int(z[3:5])))


def a_date(m):
    """Groups: day, month name, year, hh, mm, ss, zone (both date forms)."""
    try:
        dt = datetime.datetime(int(m.group(3)), MON.index(m.group(2)) + 1,
                               int(m.group(1)), int(m.group(4)),
                               int(m.group(5)), int(m.group(6)),
                               tzinfo=zone(m.group(7)))
    except (ValueError, IndexError):
        return m.group(0)
    return "<now>" if near_now(dt) else m.group(0)


RX_5322 = re.compile(r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) "
                     r"(\d\d):(\d\d):(\d\d) ([+-]\d{4})(?: \([A-Za-z ]+\))?")
RX_IDATE = re.compile(r"( ?\d{1,2})-([A-Z][a-z]{2})-(\d{4}) (\d\d):(\d\d):(\d\d) "
                      r"([+-]\d{4})")

for line in sys.stdin:
    if scratch:
        line = line.replace(scratch, "<scratch>")
    special = line.startswith(("S: * PREAUTH", "S: * OK", "S: * BYE", "E: "))
    if special:
        for h in hosts:
            line = re.sub(r"(?<![\w.-])" + re.escape(h) + r"(?![\w-])", "<host>", line)
        if user:
            line = re.sub(r"(?<![\w.-])" + re.escape(user) + r"(?![\w-])", "<user>", line)
    if version:
        line = line.replace("Bamboo " + version, "Bamboo <version>")
        line = re.sub(r'("version" )"' + re.escape(version) + '"',
                      r'\1"<version>"', line, flags=re.I)
    line = RX_5322.sub(a_date, line)
    line = RX_IDATE.sub(a_date, line)
    line = re.sub(r"\bUIDVALIDITY \d+", "UIDVALIDITY <uv>", line)
    line = re.sub(r"\b(APPENDUID|COPYUID) \d+", r"\1 <uv>", line)
    if line.startswith("E: "):
        line = re.sub(r"\[\d+\]:", "[<pid>]:", line)
    sys.stdout.write(line)
