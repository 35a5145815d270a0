#!/bin/bash
# Real-Slurm test of `winnow slurm` (issue 11), `make test-slurm`.
#
# Starts a private one-node cluster on this machine (munged on its own socket and key,
# slurmctld and slurmd with a generated slurm.conf, all state under a temp folder), then:
#   1. submits a 4-task pipeline (sample per file -> near-dedup over the corpus -> tokenize):
#      a chain of jobs files, buckets, gather (arrays), clusters (one job), apply (array),
#      finish; checks that documents, token shards and manifest are byte-identical to a local
#      `winnow run`, and that stats.json (merged from all tasks) has the same counts;
#   2. submits again with task 2 of the buckets phase held in its job, cancels it mid-run
#      (scancel), checks that `winnow slurm status` reports it failed and the later phases
#      cancelled, runs `winnow slurm resubmit` (buckets task 2, then gather, clusters, apply and
#      finish in full), and checks the completed output is again identical.
# Stops only the daemons it started (by their pid files). Needs root (SlurmUser=root) and
# Debian's slurmctld, slurmd, slurm-client and munge (`make deps-slurm`).
# Usage: tests/slurm/run.sh [WINNOW]   (default ./winnow; KEEP=1 keeps the temp folder)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
W=$(realpath "${1:-${WINNOW:-$TOP/winnow}}")
SHARED="${SHARED:-$TOP/../shared}"
start=$(date +%s)

for t in munged slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v $t >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
  command -v $t >/dev/null 2>&1 || { echo "SKIP test-slurm: $t not installed (make deps-slurm)"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP test-slurm: needs root (the generated cluster runs SlurmUser=root)"; exit 0; }
[ -x "$W" ] || { echo "FAIL: no winnow binary at $W"; exit 1; }

D=$(mktemp -d /tmp/winnow-slurm.XXXXXX)
chmod 700 "$D"
export SLURM_CONF=$D/slurm.conf
unset SLURM_JOB_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID
NODE=$(hostname -s)
fails=0
log() { echo "[$(( $(date +%s) - start ))s] $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

stop_daemons() {
  for f in slurmd slurmctld munged; do
    [ -s "$D/$f.pid" ] || continue
    pid=$(cat "$D/$f.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
}
finish() {
  stop_daemons
  if [ "$fails" = 0 ]; then log "PASS test-slurm"; [ -n "${KEEP:-}" ] || rm -rf "$D"
  else log "FAIL test-slurm ($fails), logs kept in $D"; fi
}
trap finish EXIT
trap 'exit 1' INT TERM

# ---- the cluster ----
mkdir -p "$D/state" "$D/spool" "$D/munge"
chmod 700 "$D/munge"
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$D/munge/munge.key"
# the daemons run in the foreground as children of this script (which reaps them when
# stopped), each writing its pid file
munged -F --force --socket="$D/munge/munge.sock" --key-file="$D/munge/munge.key" --pid-file="$D/munged.pid" \
  --log-file="$D/munged.log" --seed-file="$D/munge/seed" >"$D/munged.out" 2>&1 &
for _ in $(seq 50); do [ -S "$D/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$D/munge/munge.sock" ] || { bad "munged did not start: $(cat "$D/munged.out")"; exit 1; }
# ports: away from the defaults, so a real Slurm on this host is left alone
PORT=$(( 20000 + $$ % 20000 ))
cat >"$SLURM_CONF" <<EOF
ClusterName=winnowtest
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.sock
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
ReturnToService=2
MinJobAge=3600
InactiveLimit=0
KillWait=5
NodeName=$NODE CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i >"$D/slurmctld.out" 2>&1 &
slurmd -D >"$D/slurmd.out" 2>&1 &
for _ in $(seq 60); do
  st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null)
  case "$st" in idle*|mixed*|allocated*) break ;; esac
  sleep 0.5
done
case "$st" in idle*|mixed*|allocated*) log "cluster up: node $NODE $st" ;; *) bad "node not idle: '$st'"; exit 1 ;; esac

# ---- the data: 8 files of real documents with near-duplicates across files ----
cd "$D" && mkdir -p data
/usr/bin/python3 - "$SHARED/corpora/brown.jsonl.zst" <<'EOF' || { bad "making data"; exit 1; }
import json, subprocess, sys
raw = subprocess.run(["zstd", "-dc", sys.argv[1]], capture_output=True, check=True).stdout.decode()
docs = [json.loads(l) for l in raw.splitlines()[:240]]
files = [[] for _ in range(8)]
for i, d in enumerate(docs):
    files[i % 8].append(d)
for k in range(0, len(docs), 8):              # a one-word edit of every 8th document elsewhere
    d = dict(docs[k]); w = d["text"].split(" ")
    w[len(w) // 2] = "CHANGED"; d["text"] = " ".join(w); d["id"] += "-dup"
    files[(k + 3) % 8].append(d)
with open("text.txt", "w") as t:
    for d in docs: t.write(d["text"] + "\n")
for i, f in enumerate(files):
    with open(f"data/in{i}.jsonl", "w") as o:
        for d in f: o.write(json.dumps(d) + "\n")
EOF
for f in data/*.jsonl; do zstd -q --rm "$f"; done
"$W" bpe train --text text.txt --vocab-size 600 --special '<|endoftext|>' -o tok.json 2>/dev/null || { bad "bpe train"; exit 1; }
cat >p.yaml <<'EOF'
input: [data/*.jsonl.zst]
workers: 1
seed: 7
steps:
  - sample: {fraction: 0.9}
  - dedup: {mode: near}
output: {dir: out, compress: zstd}
tokenize: {tokenizer: tok.json, dir: shards, val_fraction: 0.1}
EOF
# the local reference (absolute path: the manifest records the command)
"$W" run -q "$D/p.yaml" 2>local.err || { bad "local run: $(cat local.err)"; exit 1; }
mv out ref.out && mv shards ref.shards
counts() { /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps([[x["step"], {k: v for k, v in x["stats"].items() if k not in ("seconds", "peak_rss_kb")}] for x in s["steps"]]))' "$1"; }

same_as_local() { # $1: label
  ok=1
  for f in ref.out/part-*; do cmp -s "$f" "out/${f#ref.out/}" || { bad "$1: out/${f#ref.out/} differs from the local run"; ok=0; }; done
  [ "$(ls out/part-* 2>/dev/null | wc -l)" = "$(ls ref.out/part-* | wc -l)" ] || { bad "$1: part count differs"; ok=0; }
  diff -r ref.shards shards >/dev/null || { bad "$1: shards differ: $(diff -rq ref.shards shards | head -3)"; ok=0; }
  [ "$(counts ref.out/stats.json)" = "$(counts out/stats.json 2>/dev/null)" ] || { bad "$1: merged stats.json counts differ"; ok=0; }
  [ $ok = 1 ] && log "$1: output, shards and stats counts identical to the local run"
}

# ---- 1. a clean 4-task run ----
"$W" slurm submit p.yaml --tasks 4 --cpus-per-task 1 >submit1.out 2>&1 || { bad "submit: $(cat submit1.out)"; exit 1; }
[ "$(grep -c '^submitted ' submit1.out)" = 6 ] || bad "submit did not chain 6 jobs: $(cat submit1.out)"
log "submitted $(sed -n 's/^submitted \([a-z]*\) job \([0-9]*\).*/\1 \2/p' submit1.out | tr '\n' ' ')"
timeout 180 "$W" slurm status out --wait --interval 1 >status1.out 2>&1 || { bad "run 1 did not complete: $(cat status1.out)"; }
grep -q "^17 done, 0 pending, 0 running, 0 failed, 0 missing; finish done" status1.out || bad "status after run 1: $(tail -1 status1.out)"
same_as_local "4-task Slurm run"

# ---- 2. task 2 of the buckets phase cancelled mid-run, then resubmitted ----
rm -rf out shards
cat >hold.sh <<EOF
#!/bin/bash
# task 2 of the first buckets job hangs (until cancelled); everything else runs winnow
case " \$* " in *" --phase buckets "*)
  if [ "\${SLURM_ARRAY_TASK_ID:-}" = 2 ] && [ -e "$D/hold" ]; then rm -f "$D/hold"; touch "$D/held"; sleep 600; fi ;;
esac
exec "$W" "\$@"
EOF
chmod +x hold.sh && touch hold
"$W" slurm submit p.yaml --tasks 4 --winnow hold.sh >submit2.out 2>&1 || { bad "submit 2: $(cat submit2.out)"; exit 1; }
job=$(sed -n 's/^submitted buckets job \([0-9]*\).*/\1/p' submit2.out)
for _ in $(seq 240); do [ -e held ] && break; sleep 0.5; done
[ -e held ] || bad "buckets task 2 never started: $("$W" slurm status out 2>&1)"
scancel "${job}_2"
log "cancelled buckets task ${job}_2 while it ran"
timeout 180 "$W" slurm status out --wait --interval 1 >status2.out 2>&1 && bad "status --wait says complete with a task cancelled"
grep -qE "^buckets +2 +failed +0/4 .*CANCELLED" status2.out || bad "buckets task 2 not reported failed: $(cat status2.out)"
grep -qE "^clusters +- +failed .*CANCELLED" status2.out || bad "the clusters job was not cancelled after it: $(cat status2.out)"
grep -q "^7 done, 0 pending, 0 running, 10 failed, 0 missing; finish failed" status2.out || bad "status after the cancel: $(cat status2.out)"
"$W" slurm resubmit out >resubmit.out 2>&1 || bad "resubmit: $(cat resubmit.out)"
grep -qE "^submitted buckets job [0-9]+ \(tasks 2 of 4\)" resubmit.out && grep -qE "^submitted gather job [0-9]+ \(tasks 0-3 of 4, afterok:" resubmit.out &&
  grep -qE "^submitted finish job " resubmit.out || bad "resubmit did not pick buckets task 2 and the later phases: $(cat resubmit.out)"
log "resubmitted $(sed -n 's/^submitted \([a-z]*\) job \([0-9]*\).*/\1 \2/p' resubmit.out | tr '\n' ' ')"
timeout 180 "$W" slurm status out --wait --interval 1 >status3.out 2>&1 || bad "resubmitted jobs did not complete: $(cat status3.out)"
same_as_local "after cancel + resubmit"
"$W" slurm resubmit out | grep -q "nothing to resubmit" || bad "a complete job resubmitted something"
[ "$fails" = 0 ]
