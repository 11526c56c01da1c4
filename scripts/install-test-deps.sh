#!/usr/bin/env bash
# Installs what the test suite needs: from Debian, Prosody (+ its Lua DNS module and prosody-modules for
# mod_vjud), ejabberd (interoperability tests: test/helpers/ejabberd.ts runs its own node), redis-server and redis-cli, openssl, docker-compose (to validate docker-compose.yml),
# chromium (the demo page's browser test, driven by playwright-core: no browser download) and prometheus
# (promtool checks /metrics and the scrape example); then the npm packages. The tests start their own Prosody and Redis on free loopback ports: no system
# service is started or used here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="false"; fi
fi

installed() { dpkg -s "$1" >/dev/null 2>&1; }

missing=()
for pkg in prosody lua-unbound prosody-modules ejabberd redis-server redis-tools openssl docker-compose chromium prometheus; do
  installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}"
  # Keep the packages' maintainer scripts from starting system services the tests do not use.
  policy_rc_d=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy_rc_d" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy_rc_d" >/dev/null
    $SUDO chmod 755 "$policy_rc_d"
    added_policy=1
  fi
  trap 'if [ -n "$added_policy" ]; then $SUDO rm -f "$policy_rc_d"; fi' EXIT
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -n "$added_policy" ]; then $SUDO rm -f "$policy_rc_d"; added_policy=""; fi
fi

echo "install-test-deps: node $(node --version), npm $(npm --version), $(dpkg-query -W -f='prosody ${Version}' prosody), $(dpkg-query -W -f='ejabberd ${Version}' ejabberd), $(redis-server --version | cut -d' ' -f1-3)"
npm ci --no-audit --no-fund
