#!/usr/bin/env bash
# Installs every Debian package infobound needs. Idempotent: packages already present are skipped.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git libssl-dev zlib1g-dev
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libboost-program-options-dev libboost-math-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev nlohmann-json3-dev libeigen3-dev libpcre2-dev libicu-dev
  slurm-wlm munge
  gnuplot-nox
  python3-statsmodels python3-numpy python3-h5py jq
  clang libclang-rt-14-dev libomp-dev clang-format clang-tidy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present"
fi
