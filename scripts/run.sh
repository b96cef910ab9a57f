#!/usr/bin/env bash
# Installs everything, builds the console and launches it. With no other cluster configured
# (no saved connection and no RMQ_NAMESRV), it starts a local Apache RocketMQ 5 sandbox (one name
# server, two brokers), seeds it with topics, keyed and tagged messages and a consumer group with a
# backlog, and saves it as the "Local sandbox" connection.
#   RMQ_NAMESRV=host:port scripts/run.sh   use your own cluster instead of the sandbox
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
scripts/install.sh

step "build UI and app"
(cd ui && npm run --silent build)
cargo build -p rmq-console -p rmq-console-cli --features tauri/custom-protocol

DATA_DIR=${RMQ_CONSOLE_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/org.rmqconsole.app}
export RMQ_CONSOLE_DATA_DIR=$DATA_DIR
if [ -n "${RMQ_NAMESRV:-}" ]; then
  step "saving your cluster $RMQ_NAMESRV as 'My cluster'"
  "$BIN/rmq-console-cli" connections save --name "My cluster" --namesrv "$RMQ_NAMESRV" >/dev/null
elif [ "$("$BIN/rmq-console-cli" connections list | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["name"] != "Local sandbox"))')" = 0 ]; then
  step "local sandbox cluster (Apache RocketMQ 5)"
  NS=$(tests/cluster start java5 sandbox)
  "$BIN/rmq-console-cli" seed-sandbox --namesrv "$NS" >/dev/null
  "$BIN/rmq-console-cli" connections save --name "Local sandbox" --namesrv "$NS" \
    --env-label sandbox --env-color '#22c55e' >/dev/null
  echo "sandbox name server: $NS (stop it with: tests/cluster stop sandbox)"
fi

step "launch"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "no display: starting a virtual one (Xvfb :99)"
  Xvfb :99 -screen 0 1440x900x24 >/dev/null 2>&1 &
  export DISPLAY=:99
fi
exec "$BIN/rmq-console"
