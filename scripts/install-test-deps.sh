#!/usr/bin/env bash
# Installs what the test suite needs from Debian (Prosody with its Lua DNS module, Redis) and the npm
# packages. The tests start their own Prosody and Redis on free loopback ports; no service is started here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v prosody >/dev/null 2>&1 || missing+=(prosody)
dpkg -s lua-unbound >/dev/null 2>&1 || missing+=(lua-unbound)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
npm ci --no-audit --no-fund
