#!/usr/bin/env bash
# Write and read syscalls per 1,000 small frames: framewire's batched
# sendMany vs one awaited send (one write) per frame, counted by strace on the
# sending process only. Goal: <= 2 write syscalls per 1,000 frames in a burst.
#
#   bash benches/syscalls.sh [COUNT]     (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
if ! command -v strace >/dev/null 2>&1; then
  echo "installing strace (Debian package)" >&2
  (apt-get update -qq && apt-get install -y -qq strace) >/dev/null 2>&1 || {
    echo "strace is not available; install it with: apt-get install strace" >&2
    exit 1
  }
fi
free_port() { deno eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 }); console.log(l.addr.port); l.close();'; }
printf '%-10s %8s %12s %18s %12s\n' mode frames write_calls writes_per_1000 read_calls
for mode in batched per-frame; do
  port=$(free_port)
  deno run -A benches/_sink.ts "$port" >/dev/null &
  sink=$!
  sleep 0.5
  trace=$(mktemp)
  strace -f -c -o "$trace" -e trace=write,writev,sendto,sendmsg,read,readv,recvfrom,recvmsg \
    deno run -A benches/_syscall_sender.ts "$mode" "$count" "$port" 2>/dev/null
  wait "$sink"
  # Socket writes show up as sendto/write depending on the runtime's path;
  # count both, minus nothing: the sender writes nothing else in bulk.
  writes=$(awk '$NF ~ /^(write|writev|sendto|sendmsg)$/ { n += $4 } END { print n + 0 }' "$trace")
  reads=$(awk '$NF ~ /^(read|readv|recvfrom|recvmsg)$/ { n += $4 } END { print n + 0 }' "$trace")
  rm -f "$trace"
  per=$(awk -v w="$writes" -v c="$count" 'BEGIN { printf "%.2f", w * 1000 / c }')
  printf '%-10s %8d %12d %18s %12d\n' "$mode" "$count" "$writes" "$per" "$reads"
done
