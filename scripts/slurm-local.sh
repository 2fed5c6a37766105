#!/usr/bin/env bash
# A one-node Slurm on this machine, for trying `hetmem sweep --slurm` and for its test: munge,
# slurmctld and slurmd started directly (no systemd), with their own configuration, state, logs and
# pid files in one folder, so a real cluster's /etc/slurm is never read or touched.
#
#   scripts/slurm-local.sh install   apt-get install slurm-wlm munge (Debian/Ubuntu), only if missing
#   scripts/slurm-local.sh start     start munged (unless one answers already), slurmctld and slurmd;
#                                    wait until sinfo shows the node idle; print `export SLURM_CONF=…`
#   scripts/slurm-local.sh status    which daemons of this folder run, and sinfo
#   scripts/slurm-local.sh stop      stop the daemons this script started, by their pids
#
# Usage on a laptop (as root, e.g. under sudo):  eval "$(sudo scripts/slurm-local.sh start)"
# `start` installs nothing: run `install` first (CI's .ci/run does). Needs root: SlurmUser=root and
# munged runs as the munge user.
#
# Environment: HETMEM_SLURM_DIR (the folder, default /tmp/hetmem-slurm), HETMEM_SLURM_PORT (slurmctld
# port, default 6817; slurmd uses the next one), HETMEM_SLURM_CPUS (the node's CPUs, default 2),
# HETMEM_SLURM_WAIT (seconds to wait for an idle node, default 60).
set -euo pipefail

DIR="${HETMEM_SLURM_DIR:-/tmp/hetmem-slurm}"
PORT="${HETMEM_SLURM_PORT:-6817}"
CPUS="${HETMEM_SLURM_CPUS:-2}"
WAIT="${HETMEM_SLURM_WAIT:-60}"
CONF="$DIR/slurm.conf"
export SLURM_CONF="$CONF"
PATH="$PATH:/usr/sbin:/sbin"

say() { echo "slurm-local: $*" >&2; }
die() { say "$*"; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (SlurmUser=root; munged runs as the munge user): sudo $0 $1"; }

missing_packages() {
  local m=()
  command -v slurmctld >/dev/null 2>&1 || m+=(slurmctld)
  command -v slurmd >/dev/null 2>&1 || m+=(slurmd)
  command -v sbatch >/dev/null 2>&1 || m+=(sbatch)
  command -v munged >/dev/null 2>&1 || m+=(munged)
  echo "${m[*]:-}"
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

munge_answers() { command -v munge >/dev/null 2>&1 && munge -n </dev/null >/dev/null 2>&1; }

write_conf() {
  local host mem
  host="$(hostname -s)"
  # 90 % of the machine's memory: slurmd drains a node whose configured memory exceeds what it finds
  mem=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 * 9 / 10 ))
  mkdir -p "$DIR/state" "$DIR/spool"
  cat >"$CONF" <<EOF
# written by scripts/slurm-local.sh: one node on 127.0.0.1, no accounting, no cgroups
ClusterName=hetmem-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  if munge_answers; then return; fi
  [ -s /etc/munge/munge.key ] || die "/etc/munge/munge.key is missing (Debian's munge package creates it; or run: mungekey --create as the munge user)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge_answers && break; sleep 0.1; done
  munge_answers || die "munged did not start (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$DIR/munged.pid"
}

cmd_install() {
  local m
  m="$(missing_packages)"
  if [ -z "$m" ]; then say "slurm and munge are installed"; return; fi
  need_root install
  say "installing slurm-wlm munge (missing: $m)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge
}

cmd_start() {
  local m
  m="$(missing_packages)"
  [ -z "$m" ] || die "not installed: $m (run: $0 install)"
  need_root start
  mkdir -p "$DIR"
  if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid"; then
    say "already running ($DIR)"
  else
    start_munge
    write_conf
    # -c: start from empty state (no jobs or node states left from an earlier start)
    alive "$DIR/slurmctld.pid" || slurmctld -c -f "$CONF"
    alive "$DIR/slurmd.pid" || slurmd -f "$CONF"
  fi
  local state=""
  for _ in $(seq $((WAIT * 4))); do
    state="$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)"
    [ "$state" = idle ] && break
    sleep 0.25
  done
  if [ "$state" != idle ]; then
    say "the node is not idle after ${WAIT}s (state: ${state:-none}); logs: $DIR/slurmctld.log $DIR/slurmd.log"
    cmd_stop
    exit 1
  fi
  say "node $(hostname -s) idle; clients need SLURM_CONF=$CONF"
  echo "export SLURM_CONF=$CONF"
}

stop_pid() {
  local file="$1" name="$2" pid
  alive "$file" || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$name ($pid) did not stop on TERM; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$file"
  say "stopped $name ($pid)"
}

cmd_stop() {
  stop_pid "$DIR/slurmd.pid" slurmd
  stop_pid "$DIR/slurmctld.pid" slurmctld
  # munged only when this script started it (one that was running before is left alone)
  stop_pid "$DIR/munged.pid" munged
}

cmd_status() {
  local f
  for f in slurmctld slurmd munged; do
    if alive "$DIR/$f.pid"; then echo "$f: running (pid $(cat "$DIR/$f.pid"))"; else echo "$f: not started here"; fi
  done
  if [ -f "$CONF" ]; then sinfo -N 2>&1 || true; fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
