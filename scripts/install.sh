#!/usr/bin/env bash
# Installs everything the console needs on a fresh Debian 12 machine: system packages (apt),
# the pinned Rust toolchain, the UI's npm packages (from the lockfile), tauri-driver, and the
# RocketMQ artifacts of the test clusters (Maven Central; crates.io for the rocketmq-rust flavour).
#   scripts/install.sh          what the app and the sandbox need
#   scripts/install.sh --tests  plus what the tests need (tauri-driver, all cluster flavours)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

PACKAGES=(build-essential pkg-config curl git python3 libwebkit2gtk-4.1-dev libdbus-1-dev
  openjdk-17-jdk-headless maven nodejs npm
  xvfb xauth imagemagick webkit2gtk-driver xdotool x11-utils fonts-dejavu-core
  dbus-x11 gnome-keyring libsecret-tools openssl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from outside apt on developer machines: only ask apt when absent.
command -v node >/dev/null && missing=("${missing[@]/nodejs/}") && missing=("${missing[@]/npm/}")
command -v mvn >/dev/null && missing=("${missing[@]/maven/}")
command -v java >/dev/null && missing=("${missing[@]/openjdk-17-jdk-headless/}")
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  step "apt: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  step "rustup (pinned toolchain in rust-toolchain.toml)"
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
fi
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install

step "npm ci (ui)"
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

step "RocketMQ $([ "${1:-}" = --tests ] && echo 'test clusters' || echo 'sandbox') artifacts"
tests/cluster prepare java5
if [ "${1:-}" = --tests ]; then
  tests/cluster prepare java4
  tests/cluster prepare rust
  if ! command -v tauri-driver >/dev/null; then
    step "tauri-driver"
    cargo install --locked tauri-driver --version 2.1.0
  fi
fi
