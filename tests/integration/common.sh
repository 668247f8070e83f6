# Shared by the integration scripts: usage `script.sh INFOBOUND SOURCE_DIR`.
set -euo pipefail
INFOBOUND=$1
SOURCE_DIR=$2
CONFIG=$SOURCE_DIR/tests/integration/mini-test.yaml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1   # 3 ranks on 2 cores
export OMPI_MCA_btl=self,vader                # one node: no network probing
WORK=$(mktemp -d "${TMPDIR:-/tmp}/infobound-it.XXXXXX")
cleanup() { [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }

# The reference: one process, no MPI.
reference_run() {
  if [ ! -f "$WORK/reference/metrics.csv" ]; then
    "$INFOBOUND" run --no-analysis --config "$CONFIG" --out "$WORK/reference" > "$WORK/reference.out" 2> "$WORK/reference.err" ||
      { cat "$WORK/reference.err" >&2; fail "reference run failed"; }
  fi
}

complete_units() { find "$1/units" -maxdepth 1 -name '*.h5' | wc -l; }

# The mini-test config with absolute data paths, written to $1 (so it can live anywhere).
absolute_config() { sed "s|\.\./\.\./data|$SOURCE_DIR/data|" "$CONFIG" > "$1"; }
# A field of `infobound status --json` (a jq filter).
status_field() { "$INFOBOUND" status --run "$1" --json | jq -r "$2"; }
