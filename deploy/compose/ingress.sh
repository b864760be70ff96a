#!/bin/sh
# Entrypoint of the compose ingress: runs nginx with the gateways that are up and reloads it when one stops, comes
# back, or comes back at another address. Stops nginx gracefully on SIGTERM/SIGQUIT.
# why: nginx resolves upstream names only when it loads its configuration, and the address of a stopped container
# drops packets: nginx would wait out proxy_connect_timeout there on every handshake before trying the next one.
set -u
gateways="${INGRESS_GATEWAYS:-gateway-1 gateway-2}"
api="${INGRESS_API:-api}"
gateway_port="${INGRESS_GATEWAY_PORT:-6001}"
# included by the sockudo_gateways upstream of conf.d/default.conf (deploy/compose/nginx.conf)
servers=/etc/nginx/sockudo-gateways.conf

# one line per name: the name, then its addresses (none while its container is down)
snapshot() {
  for h in $gateways $api; do
    printf '%s %s\n' "$h" "$(getent hosts "$h" | awk '{print $1}' | sort | tr '\n' ' ')"
  done
}
# the api's name must resolve: nginx refuses to load an upstream name that does not
api_up() { printf '%s\n' "$1" | awk -v api="$api" '$1 == api && NF > 1 { found = 1 } END { exit !found }'; }
# servers prints one server line per address of a gateway in a snapshot; with none up, a placeholder marked down
# (nginx wants a server in every upstream) makes handshakes fail fast with 502 until one comes back.
servers() {
  printf '%s\n' "$1" | awk -v names=" $gateways " -v port="$gateway_port" '
    index(names, " " $1 " ") > 0 { for (i = 2; i <= NF; i++) { a = $i ~ /:/ ? "[" $i "]" : $i; print "server " a ":" port " max_fails=0;"; n++ } }
    END { if (!n) print "server 127.0.0.1:" port " down;" }'
}
render() { servers "$1" > "$servers.new" && mv "$servers.new" "$servers"; }
# describe prints a snapshot on one line (the unquoted expansion joins its lines and spaces)
describe() { echo $1; }

# `ingress.sh servers` prints the server lines of the snapshot on stdin (the compose test checks them)
if [ "${1:-}" = servers ]; then servers "$(cat)"; exit 0; fi

last=$(snapshot)
until api_up "$last"; do sleep 1; last=$(snapshot); done
render "$last"
echo "ingress: starting nginx: $(describe "$last")" >&2
nginx -g 'daemon off;' &
pid=$!
trap 'kill -QUIT $pid 2>/dev/null; wait $pid; exit 0' TERM INT QUIT
while kill -0 $pid 2>/dev/null; do
  sleep 2 &
  wait $!
  now=$(snapshot)
  if [ "$now" != "$last" ] && api_up "$now"; then
    echo "ingress: upstream addresses changed; reloading nginx: $(describe "$now")" >&2
    render "$now"
    nginx -s reload && last=$now
  fi
done
wait $pid
