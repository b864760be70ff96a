#!/bin/sh
# Entrypoint of the compose ingress: runs nginx and reloads it when an upstream container comes back at another
# address (nginx resolves upstream names only when it loads its configuration; a restarted container may get a
# new one). Stops nginx gracefully on SIGTERM/SIGQUIT.
set -u
hosts="${INGRESS_UPSTREAMS:-gateway-1 gateway-2 api}"
count=$(echo $hosts | wc -w)

# one line per upstream name: its addresses (empty while the container is down)
snapshot() {
  for h in $hosts; do
    printf '%s %s\n' "$h" "$(getent hosts "$h" | awk '{print $1}' | sort | tr '\n' ' ')"
  done
}
resolved() { printf '%s\n' "$1" | awk 'NF > 1' | wc -l; }

# nginx refuses to start with an upstream name that does not resolve yet
until [ "$(resolved "$(snapshot)")" -eq "$count" ]; do sleep 1; done

nginx -g 'daemon off;' &
pid=$!
trap 'kill -QUIT $pid 2>/dev/null; wait $pid; exit 0' TERM INT QUIT
last=$(snapshot)
while kill -0 $pid 2>/dev/null; do
  sleep 2 &
  wait $!
  now=$(snapshot)
  # why: reload only when every name resolves (nginx keeps its old configuration when one does not)
  if [ "$now" != "$last" ] && [ "$(resolved "$now")" -eq "$count" ]; then
    echo "ingress: upstream addresses changed; reloading nginx: $(echo $now | tr '\n' ' ')" >&2
    nginx -s reload && last=$now
  fi
done
wait $pid
