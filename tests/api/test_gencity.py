#!/usr/bin/env python3
"""tests/api/test_gencity.py -- independent checks of a city written by `tenken gen-city`.

Usage: test_gencity.py DIR [--strict]

Reads DIR/manifest.csv, the profiles, the master data and truth.csv with nothing but the
standard library, and checks:

  * every manifest file exists and holds the stated number of CSV records;
  * the declared encoding is the real one (CP932 files do not decode as UTF-8, BOMs match);
  * each log file matches exactly one profile's match.filename glob and its header holds every
    match.header column;
  * every row parses with its profile (a small interpreter of docs/profiles.md: column lookup,
    time patterns, maps, defaults, transforms, staff and terminal resolution);
  * the baseline is clean: every rule violation found in the events (DOMAIN.md items 1, 2, 3, 4,
    7, 9, 10, 12, 14, 16, 17, 18, 21, 22, 23, 24, 25, 26, 27, 28, 29, and a training account used
    outside its training) is explained by an incident row of truth.csv, and every incident row
    is backed by at least one violation.

Prints a report; exits 1 if a check fails. This is a second implementation of the formats on
purpose: it catches a generator bug and a profile that drifted from its file alike.
"""
import csv
import datetime as dt
import fnmatch
import glob
import io
import json
import os
import re
import sys
from collections import defaultdict

HOURS_FROM = 8 * 60 + 30
HOURS_TO = 17 * 60 + 15
LOOKUPS = {"lookup", "search"}
PROCESS = {"add", "update", "delete", "issue"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def read_text(path, enc):
    raw = open(path, "rb").read()
    if enc in ("cp932", "shift_jis", "sjis", "windows-31j"):
        return raw.decode("cp932")
    if enc == "utf-8-bom":
        if not raw.startswith(b"\xef\xbb\xbf"):
            raise ValueError("no byte order mark")
        return raw[3:].decode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def records(path, enc):
    return list(csv.reader(io.StringIO(read_text(path, enc), newline="")))


# --- time patterns (the subset of docs/time-formats.md the generator writes) ------------------

ERAS = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018,
        "明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
TOKENS = [("YYYY", r"(?P<Y>\d{4})"), ("GGG", r"(?P<G>明治|大正|昭和|平成|令和)"),
          ("SSS", r"(?P<S>\d{3})"), ("YY", r"(?P<y>\d{2})"), ("MM", r"(?P<M>\d{2})"),
          ("DD", r"(?P<D>\d{2})"), ("hh", r"(?P<h>\d{2})"), ("mm", r"(?P<m>\d{2})"),
          ("ss", r"(?P<s>\d{2})"), ("ee", r"(?P<e>\d{2}|元)"), ("G", r"(?P<G>[MTSHR])"),
          ("M", r"(?P<M>\d{1,2})"), ("D", r"(?P<D>\d{1,2})"), ("e", r"(?P<e>\d{1,2}|元)")]
_compiled = {}


def time_regex(pattern):
    if pattern in _compiled:
        return _compiled[pattern]
    if pattern.lower() == "iso8601":
        rx = re.compile(r"(?P<Y>\d{4})-(?P<M>\d{2})-(?P<D>\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2}):"
                        r"(?P<s>\d{2})(?:[.,]\d+)?(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?$")
    else:
        out, i = "", 0
        while i < len(pattern):
            for tok, rx in TOKENS:
                if pattern.startswith(tok, i):
                    out += rx
                    i += len(tok)
                    break
            else:
                out += re.escape(pattern[i])
                i += 1
        rx = re.compile(out + "$")
    _compiled[pattern] = rx
    return rx


def parse_time(value, pattern):
    m = time_regex(pattern).match(value.strip())
    if not m:
        raise ValueError("time %r does not match %r" % (value, pattern))
    g = m.groupdict()
    out = {}
    if g.get("Y"):
        out["date"] = (int(g["Y"]), int(g["M"]), int(g["D"]))
    elif g.get("y"):
        out["date"] = (2000 + int(g["y"]), int(g["M"]), int(g["D"]))
    elif g.get("G"):
        ey = 1 if g["e"] == "元" else int(g["e"])
        out["date"] = (ERAS[g["G"]] + ey, int(g["M"]), int(g["D"]))
    if g.get("h") is not None:
        out["time"] = int(g["h"]) * 3600 + int(g["m"]) * 60 + int(g["s"])
    if g.get("z") not in (None, "+09:00", "+0900", "+09"):
        raise ValueError("unexpected zone in %r" % value)
    if "date" in out:
        dt.date(*out["date"])  # validates the calendar date
    return out


# --- profiles ------------------------------------------------------------------------------

def apply_transforms(value, steps):
    for st in steps or []:
        if st.get("trim"):
            value = value.strip(" \u3000")
        if st.get("strip_domain"):
            value = value.rsplit("\\", 1)[-1]
        if "strip_prefix" in st and value.startswith(st["strip_prefix"]):
            value = value[len(st["strip_prefix"]):]
        if "regex" in st:
            m = re.search(st["regex"], value)
            if not m:
                raise ValueError("value %r does not match regex %r" % (value, st["regex"]))
            value = m.group(1) if m.groups() else m.group(0)
    return value


class Resolver:
    def __init__(self, staff, terminals, training=()):
        self.staff_ids = set(staff)
        self.accounts = {}
        for sid, row in staff.items():
            for acc in filter(None, row["アカウント"].split(";")):
                self.accounts[acc] = sid
        for acc in training:  # training accounts resolve to themselves, after staff accounts
            self.accounts.setdefault(acc, acc)
        self.term_names = set(terminals)
        self.ips = {}
        for name, row in terminals.items():
            for ip in filter(None, row["ip"].split(";")):
                self.ips[ip] = name

    def user(self, v):
        if v in self.staff_ids:
            return v, True
        if v in self.accounts:
            return self.accounts[v], True
        return v, False

    def terminal(self, v):
        if v in self.term_names:
            return v, True
        if v in self.ips:
            return self.ips[v], True
        return v, False


def field_value(spec, row, col_index, canon):
    """Returns the mapped value of one field spec for one record (None if absent)."""
    if "value" in spec:
        return spec["value"]
    col = spec["column"]
    raw = row[col_index[col]] if isinstance(col, str) else row[col - 1]
    raw = apply_transforms(raw, spec.get("transform"))
    if raw == "":
        if "default" in spec:
            raw = spec["default"]
        elif spec.get("optional"):
            return None
        elif canon in ("time", "user", "operation"):
            raise ValueError("empty %s" % canon)
        else:
            raise ValueError("empty %s without default or optional" % canon)
    # as src/profile.c does: the default stands in for the empty cell and is then mapped
    if "map" in spec and raw in spec["map"]:
        return spec["map"][raw]
    if "map" in spec:
        um = spec.get("unmapped", "error")
        if um == "error":
            raise ValueError("value %r of %s is not in the map" % (raw, canon))
        return raw if um == "keep" else um
    return raw


def parse_file(path, enc, prof, resolver, stats):
    """Yields canonical events of one log file; counts problems in stats."""
    recs = records(path, enc)
    header = recs[0]
    col_index = {c: i for i, c in enumerate(header)}
    fields = prof["fields"]
    for spec in list(fields.values()) + [prof["system"]]:
        for part in (spec, spec.get("date"), spec.get("time")):
            if isinstance(part, dict) and isinstance(part.get("column"), str):
                if part["column"] not in col_index:
                    raise ValueError("%s: column %r missing" % (path, part["column"]))
    for n, row in enumerate(recs[1:], start=2):
        try:
            if len(row) != len(header):
                raise ValueError("record has %d fields, header %d" % (len(row), len(header)))
            tspec = fields["time"]
            if "date" in tspec:
                d = parse_time(row[col_index[tspec["date"]["column"]]], tspec["date"]["format"])
                t = parse_time(row[col_index[tspec["time"]["column"]]], tspec["time"]["format"])
                date, sec = d["date"], t["time"]
            else:
                p = parse_time(row[col_index[tspec["column"]]], tspec["format"])
                date, sec = p["date"], p["time"]
            ev = {"day": dt.date(*date), "sec": sec, "file": path}
            ev["system"] = field_value(prof["system"], row, col_index, "system")
            for canon, spec in fields.items():
                if canon != "time":
                    ev[canon] = field_value(spec, row, col_index, canon)
            ev["user"], ok = resolver.user(ev["user"])
            if not ok:
                stats["unresolved_user"].add(ev["user"])
            if ev.get("terminal") is not None:
                ev["terminal"], ok = resolver.terminal(ev["terminal"])
                if not ok:
                    stats["unresolved_terminal"].add(ev["terminal"])
            ev["count"] = int(ev.get("count") or 1)
            yield ev
        except (ValueError, KeyError) as e:
            stats["row_problems"] += 1
            if stats["row_problems"] <= 5:
                fail("%s record %d: %s" % (path, n, e))


# --- master data ---------------------------------------------------------------------------

def d8(s):
    return dt.date(*map(int, re.split("[/-]", s))) if s else None


def load_master(root):
    m = {}
    staff = {}
    for r in csv.DictReader(io.StringIO(read_text(os.path.join(root, "master/staff.csv"), "cp932"))):
        staff[r["職員ID"]] = r
    m["staff"] = staff
    prof = json.load(open(os.path.join(root, "master/terminals.map.json"), encoding="utf-8"))
    terms = {}
    path = os.path.join(root, "master/terminals.csv")
    recs = records(path, prof.get("encoding", "auto"))
    idx = {c: i for i, c in enumerate(recs[0])}
    for row in recs[1:]:
        t = {k: field_value(spec, row, idx, k) for k, spec in prof["fields"].items()}
        if t.get("registered_on"):
            t["registered_on"] = dt.date(*parse_time(t["registered_on"],
                                                     prof["fields"]["registered_on"]["format"])["date"])
        terms[t["terminal"]] = t
    m["terminals"] = terms

    def rows(name):
        return list(csv.DictReader(io.StringIO(read_text(os.path.join(root, "master", name), "auto"))))

    m["auth"] = {(r["所属"], r["システム"]): r for r in rows("authorizations.csv")}
    m["assign"] = rows("assignments.csv")
    ot = defaultdict(list)
    for r in rows("overtime.csv"):
        h1, m1 = map(int, r["開始時刻"].split(":"))
        h2, m2 = map(int, r["終了時刻"].split(":"))
        ot[(r["職員ID"], d8(r["日付"]))].append((h1 * 60 + m1, h2 * 60 + m2))
    m["overtime"] = ot
    m["media"] = {r["シリアル番号"]: r for r in rows("media.csv")}
    m["watch"] = defaultdict(list)
    for r in rows("watchlist.csv"):
        m["watch"][r["宛名番号"]].append(r)
    m["residents"] = {r["宛名番号"]: r for r in rows("residents.csv")}
    m["training"] = defaultdict(list)
    for r in rows("training.csv"):
        m["training"][r["研修用アカウント"]].append((d8(r["開始日"]), d8(r["終了日"])))
    cal = {}
    for r in rows("calendar.csv"):
        cal[d8(r["日付"])] = r["区分"]
    m["calendar"] = cal
    return m


def is_closed(m, day):
    k = m["calendar"].get(day)
    if k == "開庁":
        return False
    if k == "閉庁":
        return True
    return day.weekday() >= 5 or (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def dept_on(m, user, day):
    s = m["staff"].get(user)
    if s is None:
        return None
    t = d8(s["異動日"])
    if t and day < t and s["前所属"]:
        return s["前所属"]
    return s["所属"]


def in_training(m, user, day):
    return any(a <= day and (b is None or day <= b) for a, b in m["training"].get(user, []))


def on_leave(s, day):
    for span in filter(None, s["休職期間"].split(";")):
        a, b = span.split("-")
        if d8(a) <= day <= d8(b):
            return True
    return False


# --- checks ------------------------------------------------------------------------------

def main():
    root = sys.argv[1]
    manifest = list(csv.DictReader(open(os.path.join(root, "manifest.csv"), encoding="utf-8")))
    profiles = {}
    for p in glob.glob(os.path.join(root, "profiles/*.json")):
        j = json.load(open(p, encoding="utf-8"))
        profiles[j["profile"]] = j
        if os.path.basename(p) != j["profile"] + ".json":
            fail("%s: file name differs from profile name %s" % (p, j["profile"]))
    m = load_master(root)
    resolver = Resolver(m["staff"], m["terminals"], m["training"])
    stats = {"row_problems": 0, "unresolved_user": set(), "unresolved_terminal": set()}
    encs = defaultdict(int)
    events = []
    for row in manifest:
        path = os.path.join(root, row["file"])
        if not os.path.exists(path):
            fail("%s listed in manifest.csv does not exist" % row["file"])
            continue
        raw = open(path, "rb").read()
        enc = row["encoding"]
        encs[enc] += 1
        if enc == "cp932":
            try:
                raw.decode("utf-8")
                fail("%s: declared cp932 but decodes as utf-8" % row["file"])
            except UnicodeDecodeError:
                pass
            raw.decode("cp932")
        if (enc == "utf-8-bom") != raw.startswith(b"\xef\xbb\xbf"):
            fail("%s: byte order mark does not match %s" % (row["file"], enc))
        recs = records(path, enc)
        if len(recs) - 1 != int(row["rows"]):
            fail("%s: %d records, manifest says %s" % (row["file"], len(recs) - 1, row["rows"]))
        base = os.path.basename(path)
        matching = [n for n, p in profiles.items() if fnmatch.fnmatchcase(base, p["match"]["filename"])]
        if matching != [row["profile"]]:
            fail("%s: matched by profiles %s, manifest says %s" % (base, matching, row["profile"]))
            continue
        prof = profiles[row["profile"]]
        if prof["encoding"] != enc:
            fail("%s: profile encoding %s, manifest %s" % (base, prof["encoding"], enc))
        missing = [c for c in prof["match"]["header"] if c not in recs[0]]
        if missing:
            fail("%s: header lacks %s" % (base, missing))
        events.extend(parse_file(path, enc, prof, resolver, stats))
    n_cp932 = encs["cp932"]
    print("files: %d (%s), events parsed: %d, row problems: %d" %
          (len(manifest), dict(encs), len(events), stats["row_problems"]))
    if n_cp932 * 3 < len(manifest):
        fail("fewer than a third of the log files are cp932")
    if stats["unresolved_user"]:
        fail("unresolved users: %s" % sorted(stats["unresolved_user"])[:5])
    truth = list(csv.DictReader(open(os.path.join(root, "truth.csv"), encoding="utf-8")))
    check_truth(m, events, truth, stats["unresolved_terminal"])
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


def check_truth(m, events, truth, unresolved_terms):
    incidents = [t for t in truth if t["label"] == "incident"]
    for t in truth:
        t["_from"], t["_to"] = d8(t["day_from"]), d8(t["day_to"])

    def explained(rule, kind_set, entity, day):
        """Incident rows covering entity on day; those naming the rule first."""
        found = [t for t in incidents if t["kind"] in kind_set and t["_from"] <= day <= t["_to"]
                 and (t["entity_id"] == entity or entity in t["description"])]
        named = [t for t in found if str(rule) in t["rule_hint"].split(";")]
        return named or found

    backed = set()
    violations = defaultdict(list)

    def violation(rule, kinds, entity, day, what):
        found = explained(rule, kinds, entity, day)
        if not found:
            violations[rule].append((entity, str(day), what))
        backed.update(t["incident_id"] for t in found)

    ANY = {t["kind"] for t in incidents}
    business = [e for e in events if e["system"] != "端末"]
    terminal = [e for e in events if e["system"] == "端末"]
    logons = [e for e in terminal if e["operation"] in ("logon", "logoff", "logon_failure")]
    media = [e for e in terminal if e["operation"].startswith(("media", "device"))]

    # sessions per terminal and per user
    sessions = defaultdict(list)  # terminal -> [(start, end, user)]
    open_s = {}
    for e in sorted(logons, key=lambda e: (e["day"], e["sec"])):
        key = (e["terminal"], e["user"])
        ts = (e["day"], e["sec"])
        if e["operation"] == "logon":
            open_s[key] = ts
        elif e["operation"] == "logoff" and key in open_s:
            sessions[e["terminal"]].append((open_s.pop(key), ts, e["user"]))
    by_user = defaultdict(list)
    for term, ss in sessions.items():
        for a, b, u in ss:
            by_user[u].append((a, b, term))
    for u, ss in by_user.items():
        ss.sort()
        for (a1, b1, t1), (a2, b2, t2) in zip(ss, ss[1:]):
            if a2 < b1 and t1 != t2:
                violation(18, ANY, u, a2[0], "logged on at %s and %s" % (t1, t2))
        for a, b, t in ss:
            if a[0] == b[0] and b[1] - a[1] > 10 * 3600 and not m["overtime"].get((u, a[0])):
                violation(19, ANY, u, a[0], "session of %.1f h on %s" % ((b[1] - a[1]) / 3600, t))

    ops = defaultdict(int)
    for e in business:
        day, sec, user = e["day"], e["sec"], e["user"]
        minute = sec // 60
        st = m["staff"].get(user)
        dept = dept_on(m, user, day)
        ops[(e["system"], day)] += 1
        if is_closed(m, day):
            violation(2, ANY, user, day, "%s on a closed day" % e["system"])
        elif minute < HOURS_FROM or minute >= HOURS_TO:
            covered = any(a <= minute < b for a, b in m["overtime"].get((user, day), []))
            if not covered:
                violation(1, ANY, user, day, "%s at %02d:%02d" % (e["system"], minute // 60, minute % 60))
        if st and st["退職日"] and day > d8(st["退職日"]):
            violation(14, ANY, user, day, "after retirement")
        if st and on_leave(st, day):
            violation(16, ANY, user, day, "during leave")
        auth = m["auth"].get((dept, e["system"]))
        kenmu = any(a["職員ID"] == user and a["システム"] == e["system"] and
                    d8(a["開始日"]) <= day <= d8(a["終了日"]) for a in m["assign"])
        trainee = st is None and user in m["training"]
        if trainee and not in_training(m, user, day):
            violation(31, ANY, user, day, "training account outside its training")
        if auth is None and not kenmu and not trainee:
            violation(12, ANY, user, day, "%s not authorised for %s" % (e["system"], dept))
        if e.get("mynumber") == "1" and (auth is None or auth["個人番号利用"] != "可"):
            violation(26, ANY, user, day, "個人番号 shown in %s" % dept)
        if e["operation"] in ("print", "export") and e["count"] >= 100:
            violation(24, ANY, user, day, "%s of %d records" % (e["operation"], e["count"]))
        if e["operation"] == "extract" and e["count"] >= 1000:
            violation(25, ANY, user, day, "extract of %d records" % e["count"])
        term = e.get("terminal")
        if term in unresolved_terms:
            violation(21, ANY, term, day, "unregistered terminal")
        elif term is not None:
            t = (day, sec)
            if not any(a <= t <= b for a, b, _ in sessions.get(term, [])):
                violation(28, ANY, term, day, "%s by %s without a logon session" % (e["system"], user))
        subj = e.get("subject")
        if subj:
            for w in m["watch"].get(subj, []):
                if (w["開始日"] and day < d8(w["開始日"])) or (w["終了日"] and day > d8(w["終了日"])):
                    continue
                if dept not in w["担当所属"].split(";"):
                    violation(9 if w["区分"] == "著名人" else 10, ANY, user, day, "watch-list " + subj)
                elif w["区分"] == "支援措置" and e["operation"] == "issue":
                    violation(10, ANY, user, day, "issue for protected " + subj)
            if st and (subj == st["本人宛名番号"] or subj in st["世帯宛名番号"].split(";")):
                violation(7, ANY, user, day, "own household " + subj)
            if trainee and in_training(m, user, day) and subj in m["residents"]:
                violation(27, ANY, user, day, "real resident %s in training" % subj)

    # item 3 and 4: distinct subjects per day and in 10 minutes
    per_day = defaultdict(set)
    stream = defaultdict(list)
    for e in business:
        if e.get("subject") and e["operation"] in LOOKUPS:
            per_day[(e["user"], e["day"])].add(e["subject"])
            stream[(e["user"], e["day"])].append((e["sec"], e["subject"]))
    for (u, d), subs in per_day.items():
        if len(subs) > 200:
            violation(3, ANY, u, d, "%d residents in a day" % len(subs))
    for (u, d), lst in stream.items():
        lst.sort()
        j = 0
        for i in range(len(lst)):
            while lst[i][0] - lst[j][0] > 600:
                j += 1
            if len({s for _, s in lst[j:i + 1]}) >= 30:
                violation(4, ANY, u, d, "30 residents in 10 minutes")
                break

    # item 17: failed logons
    fails = defaultdict(list)
    fails_t = defaultdict(list)
    for e in logons:
        if e["operation"] == "logon_failure":
            fails[e["user"]].append((e["day"], e["sec"]))
            fails_t[e["terminal"]].append((e["day"], e["sec"], e["user"]))
    for u, lst in fails.items():
        lst.sort()
        for i in range(len(lst) - 4):
            if lst[i][0] == lst[i + 4][0] and lst[i + 4][1] - lst[i][1] <= 600:
                violation(17, ANY, u, lst[i][0], "5 failed logons in 10 minutes")
                break
    for t, lst in fails_t.items():
        lst.sort()
        for i in range(len(lst)):
            users = {x[2] for x in lst[i:] if x[0] == lst[i][0] and x[1] - lst[i][1] <= 600}
            if len(users) >= 10:
                violation(17, ANY, t, lst[i][0], "10 users failed on one terminal")
                break

    # items 22 and 23: removable media
    for e in media:
        if e["operation"] == "device_connect" and e.get("serial") not in m["media"]:
            violation(23, ANY, e["terminal"], e["day"], "unapproved device " + (e.get("device") or ""))
        if e["operation"] in ("media_copy", "media_move"):
            minute = e["sec"] // 60
            covered = any(a <= minute < b for a, b in m["overtime"].get((e["user"], e["day"]), []))
            if is_closed(m, e["day"]) or (not covered and not HOURS_FROM <= minute < HOURS_TO):
                violation(22, ANY, e["terminal"], e["day"], "copy to removable media after hours")

    # item 29: a system without rows on an open weekday
    systems = {e["system"] for e in business}
    days = sorted({e["day"] for e in events})
    d = days[0]
    while d <= days[-1]:
        if not is_closed(m, d) and d.weekday() < 5:
            for s in systems:
                if ops[(s, d)] == 0:
                    violation(29, ANY, s, d, "no rows")
        d += dt.timedelta(days=1)

    total = 0
    for rule in sorted(violations):
        v = violations[rule]
        total += len(v)
        fail("item %d: %d unexplained violation(s), e.g. %s" % (rule, len(v), v[:3]))
    print("rule violations explained by truth.csv: %d incident rows backed" % len(backed))
    # every incident of a rule-checked kind is backed by a violation found above
    checked = {"after_hours", "night_access", "closed_day", "bulk_lookup", "lookup_burst",
               "self_lookup", "family_lookup", "watchlist", "dv_lookup", "dv_issue",
               "out_of_role", "retired_account", "transfer_old_system", "leave_account",
               "failed_logon_burst", "failed_logon_spray", "concurrent_logon", "shared_id",
               "unregistered_terminal", "usb_after_hours", "export_usb_chain",
               "unapproved_device", "bulk_print", "mass_extract", "mynumber_shown",
               "no_logon_session", "log_gap", "training_real_resident"}
    for t in incidents:
        if t["kind"] in checked and t["incident_id"] not in backed:
            fail("incident %s (%s, %s) is not visible in the logs" %
                 (t["incident_id"], t["kind"], t["entity_id"]))
    # hard negatives never coincide with a one-day incident on the same entity
    for h in (t for t in truth if t["label"] == "hard_negative"):
        for t in incidents:
            if t["entity_id"] == h["entity_id"] and t["_from"] == t["_to"] and \
                    h["_from"] <= t["_from"] <= h["_to"] and \
                    h["kind"] not in ("busy_season", "transfer_new_system"):
                fail("hard negative %s overlaps incident %s" % (h["incident_id"], t["incident_id"]))


if __name__ == "__main__":
    main()
