#!/bin/sh
# conformance — the JSONL codec against JSONTestSuite (test_parsing), through `winnow cat FILE`.
#   sh tests/conformance.sh /path/to/winnow        (make conformance)
# Expectations:
#   n_*  rejected: exit 1 with a message "winnow cat: FILE:LINE[:COL]: reason"; never a signal.
#   y_*  whose value is an object: accepted (exit 0) and re-emitted as one line that is the same
#        JSON value (compared with /usr/bin/python3's json module);
#   y_*  whose value is not an object: rejected with "not an object";
#   i_*  (implementation-defined): exit 0 or 1, never a crash or a hang.
# Two adaptations, because winnow reads documents, one object per line:
#   - a newline outside strings is whitespace in JSON but a record separator in JSONL, so each
#     file is read with such newlines turned into spaces (a newline inside a string is left:
#     it is invalid there and must stay invalid);
#   - a document needs "text": when the value starts with '{' and has no "text" member,
#     "text":"" is inserted as its first member (y_ objects are compared without it). For n_
#     files this never makes a file valid; and a rejection whose only reason is the missing
#     text would count as a failure.
# A second pass reads every file as the value of a member, {"text":"","v":<file>}: y_ files
# must be accepted with "v" equal to the file's value, n_ files rejected, i_ files not crash.
# One exception, from JSONL rather than JSON: a file with no value at all (empty, or whitespace
# only: n_structure_no_data, n_single_space) is an empty JSONL stream (blank lines are skipped),
# so it is expected to be accepted with no output; the tally counts these apart.
# Prints one FAIL line per failed expectation and a tally; exit 1 if any failed.
# VERBOSE=1 also prints the reason given for every rejected file.
W=${1:?usage: sh tests/conformance.sh /path/to/winnow}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${SUITE:-$TOP/../shared/conformance/JSONTestSuite/test_parsing}
if [ ! -d "$SUITE" ]; then echo "SKIP conformance: $SUITE not found"; exit 0; fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if [ -z "$PY" ]; then
    # Without Python: statuses only (no newline joining, no semantic comparison).
    echo "conformance: python3 not found; checking exit statuses only"
    fail=0; n=0
    for f in "$SUITE"/*.json; do
        b=$(basename "$f"); n=$((n + 1))
        "$W" cat "$f" >/dev/null 2>/tmp/wn_conf_err.$$; st=$?
        case "$b" in
        n_*) [ $st = 1 ] || { echo "FAIL $b: exit $st, expected 1"; fail=$((fail + 1)); } ;;
        i_*) [ $st -le 1 ] || { echo "FAIL $b: exit $st"; fail=$((fail + 1)); } ;;
        y_*) [ $st -le 1 ] || { echo "FAIL $b: exit $st"; fail=$((fail + 1)); } ;;
        esac
    done
    rm -f /tmp/wn_conf_err.$$
    echo "conformance: $n files, $fail failed"
    [ $fail = 0 ]; exit
fi
exec "$PY" - "$W" "$SUITE" <<'EOF'
import json, os, subprocess, sys, tempfile, shutil

W, suite = sys.argv[1], sys.argv[2]
verbose = bool(os.environ.get("VERBOSE"))
tmp = tempfile.mkdtemp(prefix="wn_conf_")
WS = b" \t\r\n"

def join_lines(b):
    out = bytearray()
    ins = esc = False
    for ch in b:
        if ins:
            if esc: esc = False
            elif ch == 0x5C: esc = True
            elif ch == 0x22: ins = False
        elif ch == 0x22: ins = True
        elif ch == 0x0A: ch = 0x20
        out.append(ch)
    return bytes(out)

def inject_text(b):
    i = 0
    while i < len(b) and b[i] in WS: i += 1
    if i >= len(b) or b[i] != 0x7B: return b, False
    j = i + 1
    while j < len(b) and b[j] in WS: j += 1
    ins = b'"text":""' if j < len(b) and b[j] == 0x7D else b'"text":"",'
    return b[:i + 1] + ins + b[i + 1:], True

def run(path):
    try:
        p = subprocess.run([W, "cat", path], capture_output=True, timeout=20)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""

fails = []
tally = {"y_obj": [0, 0], "y_non": [0, 0], "n": [0, 0], "n_empty": 0, "i_acc": 0, "i_rej": 0, "i_bad": 0, "w": [0, 0]}
for name in sorted(os.listdir(suite)):
    if not name.endswith(".json"): continue
    raw = open(os.path.join(suite, name), "rb").read()
    kind = name[0]
    value = None
    if kind == "y":
        try: value = json.loads(raw)
        except Exception as e: value = e
    data = join_lines(raw)
    injected = False
    if not (kind == "y" and isinstance(value, dict) and "text" in value):
        data, injected = inject_text(data)
    path = os.path.join(tmp, name)
    open(path, "wb").write(data)
    st, out, err = run(path)
    def fail(why):
        fails.append("FAIL %s: %s" % (name, why))
    if verbose and st != 0: print("%s: %s" % (name, err))
    if st == "timeout" or not isinstance(st, int) or st < 0 or st > 1:
        fail("crashed or hung (status %s) %s" % (st, err))
        if kind == "i": tally["i_bad"] += 1
        continue
    if kind == "n" and not raw.strip(WS):
        tally["n_empty"] += 1
        if st != 0 or out: fail("empty stream: expected exit 0 and no output, got %s %r" % (st, out[:100]))
    elif kind == "n":
        tally["n"][1] += 1
        if st != 1: fail("accepted; expected rejection")
        elif "winnow cat: " not in err or not ("invalid JSON" in err or "invalid UTF-8" in err):
            fail("rejected without a JSON or UTF-8 reason: %s" % err)
        else: tally["n"][0] += 1
    elif kind == "i":
        tally["i_acc" if st == 0 else "i_rej"] += 1
    elif isinstance(value, dict):
        tally["y_obj"][1] += 1
        if st != 0: fail("rejected: %s" % err); continue
        lines = out.split(b"\n")
        if len(lines) != 2 or lines[1] != b"": fail("output is not one line: %r" % out[:200]); continue
        try: got = json.loads(lines[0])
        except Exception as e: fail("output is not JSON (%s): %r" % (e, out[:200])); continue
        want = json.loads(data)
        if injected: got.pop("text", None); want.pop("text", None)
        if "id" not in want:        # a missing id is generated as "<file>:<line>"
            if got.pop("id", "") != path + ":1": fail("generated id is not FILE:1: %r" % out[:200]); continue
        if got != want: fail("re-emitted value differs: %r" % out[:200]); continue
        tally["y_obj"][0] += 1
    else:
        tally["y_non"][1] += 1
        if st == 1 and "not an object" in err: tally["y_non"][0] += 1
        else: fail("expected 'not an object', got status %s: %s" % (st, err))

# second pass: every file as the value of an unknown member
for name in sorted(os.listdir(suite)):
    if not name.endswith(".json"): continue
    raw = open(os.path.join(suite, name), "rb").read()
    kind = name[0]
    data = b'{"text":"","v":' + join_lines(raw) + b'}'
    path = os.path.join(tmp, "v_" + name)
    open(path, "wb").write(data)
    st, out, err = run(path)
    def fail(why):
        fails.append("FAIL %s (as a member): %s" % (name, why))
    if st == "timeout" or not isinstance(st, int) or st < 0 or st > 1:
        fail("crashed or hung (status %s) %s" % (st, err)); continue
    tally["w"][1] += 1
    if kind == "n":
        if st == 1 and ("invalid JSON" in err or "invalid UTF-8" in err): tally["w"][0] += 1
        else: fail("expected rejection, got status %s: %s" % (st, err))
    elif kind == "y":
        try:
            if st != 0: raise ValueError("rejected: " + err)
            got = json.loads(out)["v"]
            if got != json.loads(raw): raise ValueError("differs: %r" % out[:200])
            tally["w"][0] += 1
        except Exception as e: fail(str(e))
    else:
        tally["w"][0] += 1

shutil.rmtree(tmp, ignore_errors=True)
for f in fails: print(f)
t = tally
print("conformance: y_ objects %d/%d accepted and equal; y_ non-objects %d/%d rejected as not an object; "
      "n_ %d/%d rejected (+%d empty streams accepted); i_ %d accepted, %d rejected, %d crashed; "
      "as a member: %d/%d as expected; %d failed"
      % (t["y_obj"][0], t["y_obj"][1], t["y_non"][0], t["y_non"][1], t["n"][0], t["n"][1], t["n_empty"],
         t["i_acc"], t["i_rej"], t["i_bad"], t["w"][0], t["w"][1], len(fails)))
sys.exit(1 if fails else 0)
EOF
