#!/usr/bin/env bash
# Installs everything and runs every test: formatting, lints, UI typecheck/lint/unit tests,
# the IPC bindings drift check, core unit tests (property tests included), integration tests
# against real Apache RocketMQ 5.x (plain, TLS enforcing, brokers behind an address rewrite),
# 4.9.x (with ACL) and rocketmq-rust clusters, the keychain test in a private Secret
# Service, the end-to-end test of the real app under Xvfb, the broker-failure test and a short
# benchmark run. Clusters started here are stopped at the end.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
START=$(date +%s)
scripts/install.sh --tests

export RMQ_HARNESS_DIR=${RMQ_HARNESS_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rmq-console-test.XXXXXX")}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rmq-console-work.XXXXXX")
XVFB_PID=""
cleanup() {
  # Every cluster started under this run's harness dir, including those the tests started themselves.
  for d in "$RMQ_HARNESS_DIR"/*/; do
    [ -d "$d" ] && tests/cluster stop "$(basename "$d")" >/dev/null 2>&1 || true
  done
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$RMQ_HARNESS_DIR" "$WORK"
}
trap cleanup EXIT

step "start clusters in the background: java5, java4 (with and without ACL), rust"
(tests/cluster start java5 java5 >"$WORK/java5.out" 2>"$WORK/java5.err"; echo $? >"$WORK/java5.rc") &
(tests/cluster start java4 java4acl --acl >"$WORK/java4.out" 2>"$WORK/java4.err"; echo $? >"$WORK/java4.rc") &
(tests/cluster start rust rust >"$WORK/rust.out" 2>"$WORK/rust.err"; echo $? >"$WORK/rust.rc") &
(tests/cluster start java4 java4 >"$WORK/java4open.out" 2>"$WORK/java4open.err"; echo $? >"$WORK/java4open.rc") &
# The dialer's variants: TLS enforcing, mutual TLS, brokers advertising unresolvable names, brokers
# advertising an address nothing listens on (started here to overlap; stopped after their test).
(tests/cluster start java5 java5tls --tls >"$WORK/java5tls.out" 2>"$WORK/java5tls.err"; echo $? >"$WORK/java5tls.rc") &
(tests/cluster start java5 java5mtls --mtls >"$WORK/java5mtls.out" 2>"$WORK/java5mtls.err"; echo $? >"$WORK/java5mtls.rc") &
(tests/cluster start java5 java5inv --advertise-invalid >"$WORK/java5inv.out" 2>"$WORK/java5inv.err"; echo $? >"$WORK/java5inv.rc") &
(tests/cluster start java5 java5unb --advertise-unbound >"$WORK/java5unb.out" 2>"$WORK/java5unb.err"; echo $? >"$WORK/java5unb.rc") &

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "ui: typecheck, lint, unit tests"
(cd ui && npm run --silent typecheck && npm run --silent lint && npm run --silent test)

step "IPC bindings drift, the shell's unit tests and its ACL check"
cargo test -p rmq-console --lib --test bindings --test acl
if ! git diff --exit-code -- ui/src/bindings.ts; then
  echo "ui/src/bindings.ts is out of date: commit the regenerated file" >&2
  exit 1
fi

step "core unit tests"
cargo test -p rmq-console-core --lib

wait
for c in java5 java4 java4open rust java5tls java5mtls java5inv java5unb; do
  if [ "$(cat "$WORK/$c.rc")" != 0 ]; then
    cat "$WORK/$c.err" >&2
    echo "cluster $c failed to start" >&2
    exit 1
  fi
done

step "integration tests against real clusters"
# The dead-letter tests run the CLI in a process they kill midway.
cargo build -p rmq-console-cli --bin rmq-console-cli
RMQ_CLI="$CARGO_TARGET_DIR/debug/rmq-console-cli" \
cargo test -p rmq-console-core --test real_cluster --test topic_admin --test offset_reset --test group_admin --test message_lookup --test message_actions --test dialer --test trace --test dlq -- --test-threads=2
for c in java5inv java5mtls; do tests/cluster stop "$c" >/dev/null; done

step "keychain test (gnome-keyring in a private D-Bus session)"
dbus-run-session -- bash -c '
  set -e
  export XDG_DATA_HOME='"$WORK"'/keyring-home XDG_RUNTIME_DIR='"$WORK"'/keyring-run
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  eval "$(printf "rmq-console-test" | gnome-keyring-daemon --unlock --components=secrets)"
  cargo test -p rmq-console-core --test real_cluster -- --ignored saved_secret_is_in_the_keychain_and_not_in_sqlite
'

step "end-to-end: the real app under Xvfb through tauri-driver"
# The sandbox seed gives java5 a consumer group with a backlog (sandbox-billing) for the reset flow.
cargo build -p rmq-console-cli
"$BIN/rmq-console-cli" seed-sandbox --namesrv "$(tests/cluster addr java5)" >/dev/null
# Traced messages (the official Java client with tracing on: each consumed after one failed attempt)
# for the trace timeline.
TRACED_ID=$(tests/cluster traced java5 SandboxTraced 2 | awk '$1 == "sent" && !id { id = $2 } END { print id }')
# Dead letters of a group for the dead-letter screens and the replay.
tests/cluster deadletters java5 SandboxRefunds refunds-dlq 12 >/dev/null
(cd ui && npm run --silent build)
cargo build -p rmq-console --features tauri/custom-protocol
Xvfb :97 -screen 0 1440x900x24 >/dev/null 2>&1 &
XVFB_PID=$!
DISPLAY=:97 RMQ_APP="$BIN/rmq-console" RMQ_NAMESRV="$(tests/cluster addr java5)" RMQ_CLUSTER=java5 RMQ_CLI="$BIN/rmq-console-cli" \
  RMQ_CONSOLE_DATA_DIR="$WORK/e2e-data" RMQ_CONSOLE_LOG_DIR="$WORK/e2e-logs" RMQ_CONSOLE_NO_KEYCHAIN=1 \
  RMQ_TLS_NAMESRV="$(tests/cluster addr java5tls)" RMQ_TLS_CA="$(tests/cluster env java5tls | grep '^TLS_CA=' | cut -d= -f2)" \
  RMQ_UNBOUND_NAMESRV="$(tests/cluster addr java5unb)" RMQ_TRACED_ID="$TRACED_ID" RMQ_DLQ_GROUP=refunds-dlq \
  SCREENSHOT_DIR="${SCREENSHOT_DIR:-$WORK/screenshots}" node tests/e2e/app.e2e.mjs
for c in java5tls java5unb; do tests/cluster stop "$c" >/dev/null; done

step "restart java5 (the e2e test killed one of its brokers)"
tests/cluster start java5 java5 >/dev/null

step "benchmark at 1,000 topics (short run): ours vs the Java admin client"
# 16 queues in all: 8 on each of the two brokers.
tests/cluster mqadmin java5 updateTopic -c java5-cluster -t BenchDetail16 -r 8 -w 8 >/dev/null
tests/cluster seed-topics java5 1000
cargo build -p rmq-console-cli --release --bin rmq-bench --bin rmq-console-cli
"$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr java5)" --iterations 30 \
  --ops cluster-overview,topic-list,topic-detail --detail-topic BenchDetail16 \
  --java-classpath "$(tests/cluster classpath java5)"

step "benchmark of consumer groups at 100 and 1,000 groups (8 queues each): ours vs the Java admin client"
cargo build -p rmq-console-cli --bin rmq-console-cli
for count in 100 1000; do
  "$BIN/rmq-console-cli" seed-groups --namesrv "$(tests/cluster addr java5)" --count "$count" --fill BenchDetail16 >/dev/null
  "$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr java5)" --iterations 20 \
    --ops group-lag,group-list,group-activity,group-lag-wide,group-detail,offset-reset --detail-topic BenchDetail16 --detail-group BenchG00000 \
    --java-classpath "$(tests/cluster classpath java5)"
done
"$BIN/rmq-console-cli" seed-groups --namesrv "$(tests/cluster addr rust)" --count 1000 >/dev/null
echo "the same 1,000 groups on the rocketmq-rust broker:"
"$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr rust)" --iterations 20 \
  --ops group-lag,group-list,group-activity,group-lag-wide --java-classpath "$(tests/cluster classpath java5)"

step "benchmark of messages: key lookup (200 hits), scan of 1,000,000 with a body filter vs a raw pull loop and the Java client, export of 100,000"
# 16 queues (8 per broker); 200 messages sharing a key, sent over ten seconds.
tests/cluster mqadmin java5 updateTopic -c java5-cluster -t BenchScan -r 8 -w 8 >/dev/null
tests/cluster mqadmin java5 updateTopic -c java5-cluster -t BenchKey -r 4 -w 4 >/dev/null
sleep 3 # the brokers register the new routes with the name server
"$CARGO_TARGET_DIR/release/rmq-console-cli" seed-messages --namesrv "$(tests/cluster addr java5)" --topic BenchScan \
  --count 1000000 --body-size 100 --prefix scan >/dev/null
for i in 0 1 2 3 4 5 6 7 8 9; do
  "$CARGO_TARGET_DIR/release/rmq-console-cli" seed-messages --namesrv "$(tests/cluster addr java5)" --topic BenchKey \
    --count 20 --body-size 100 --prefix "k$i" --key bench-key >/dev/null
  sleep 1
done
"$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr java5)" --iterations 20 --heavy-iterations 3 \
  --ops key-lookup,scan,raw-pull,export --java-classpath "$(tests/cluster classpath java5)"

step "benchmark of trace and dead letters: trace lookup vs mqadmin's way, replay of 10,000 dead letters (messages/s, lost, duplicated)"
BENCH_TRACE_ID=$(tests/cluster traced java5 BenchTraced 1 | awk '$1 == "sent" && !id { id = $2 } END { print id }')
tests/cluster deadletters java5 BenchDlq bench-dlq 10000 >/dev/null
"$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr java5)" --iterations 20 --heavy-iterations 1 \
  --ops trace-lookup,dlq-replay --trace-id "$BENCH_TRACE_ID" --dlq-group bench-dlq \
  --java-classpath "$(tests/cluster classpath java5)"

step "1,000 groups on java5: complete, broker-wide lag equals per-group lag"
cargo test -p rmq-console-core --test offset_reset -- --ignored thousand_groups_are_listed_with_lag_matching_per_group_stats

step "10,000 topics on java5: the list is complete and typed"
cargo test -p rmq-console-core --test topic_admin -- --ignored ten_thousand_topics_are_listed_complete_and_typed

step "benchmark at 10,000 topics (short run)"
"$CARGO_TARGET_DIR/release/rmq-bench" --namesrv "$(tests/cluster addr java5)" --iterations 20 \
  --ops topic-list --java-classpath "$(tests/cluster classpath java5)"

step "broker failure: a master killed between an offset reset's preview and its apply"
cargo test -p rmq-console-core --test offset_reset -- --ignored reset_with_a_master_killed_after_the_preview_is_partial_and_undoable
tests/cluster start java5 java5 >/dev/null

step "broker failure: a master killed mid-scan, the other broker's queues finish"
cargo test -p rmq-console-core --test message_actions -- --ignored a_broker_killed_mid_scan_fails_its_queues_only
tests/cluster start java5 java5 >/dev/null

step "broker failure: a dead master's topics stay listed, flagged"
cargo test -p rmq-console-core --test real_cluster -- --ignored topics_of_a_dead_master_stay_listed_with_a_warning
tests/cluster start java5 java5 >/dev/null

step "broker failure: kill one java5 broker, the overview marks it down"
cargo test -p rmq-console-core --test real_cluster -- --ignored kill_broker_marks_it_down_on_the_next_refresh

step "all tests passed in $(( ($(date +%s) - START) / 60 )) min"
