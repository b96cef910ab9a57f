# Shared settings of the project's scripts (sourced, not run).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# One target dir for every build (app, CLI, tests), kept under the home cache so a fresh clone on a
# machine that built before starts warm.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rmq-console/target}
export PATH=$HOME/.cargo/bin:$PATH
BIN=$CARGO_TARGET_DIR/debug
step() { printf '\n\033[1;34m==> %s\033[0m (%s)\n' "$*" "$(date +%H:%M:%S)"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
