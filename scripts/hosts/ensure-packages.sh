#!/usr/bin/env bash
# Installs what the host harness needs on the runner, from Debian's packages, when it is missing:
# mmdebstrap (builds the hosts' root file system), systemd-container (systemd-nspawn boots them),
# apt-cacher-ng (the hosts' only way to packages), socat (carries that proxy into the Jenkins host's
# network namespace), iproute2 (namespaces and veth pairs), openssh-client, e2fsprogs (the data disk).
# The apt-cacher-ng package would start a system-wide proxy of its own: a policy-rc.d keeps it from
# starting during the install, the harness runs its own instance and stops it again.
set -euo pipefail

declare -A wanted=(
  [mmdebstrap]=mmdebstrap
  [systemd-nspawn]=systemd-container
  [apt-cacher-ng]=apt-cacher-ng
  [socat]=socat
  [ip]=iproute2
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
  [mkfs.ext4]=e2fsprogs
  [losetup]=mount
)
missing=()
for command in "${!wanted[@]}"; do
  if ! command -v "$command" >/dev/null && ! [[ -x "/usr/sbin/$command" ]]; then
    missing+=("${wanted[$command]}")
  fi
done
(( ${#missing[@]} == 0 )) && exit 0

if (( EUID != 0 )); then
  echo "ensure-packages: missing ${missing[*]}; run as root (apt-get install ${missing[*]}), or set SKIP_HOST_TESTS=1 to skip the host tests" >&2
  exit 1
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "ensure-packages: installing ${missing[*]} (apt-get)" >&2
policy=/usr/sbin/policy-rc.d
had_policy=false
[[ -e "$policy" ]] && had_policy=true
if ! $had_policy; then
  printf '#!/bin/sh\n# Written by scripts/hosts/ensure-packages.sh during an install: start no services.\nexit 101\n' > "$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
