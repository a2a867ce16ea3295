#!/usr/bin/env bash
# Determinism guard for the reducer (src/engine), run by .ci/run beside clippy.
# clippy.toml lists the forbidden clocks, threads, I/O and unordered maps, and
# src/engine/mod.rs denies them for the whole module tree; this script checks that the
# deny is still in place and that nothing slips past clippy by another name.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
if ! grep -q '^#!\[deny(clippy::disallowed_methods, clippy::disallowed_types)\]' src/engine/mod.rs; then
  echo "src/engine/mod.rs no longer denies clippy::disallowed_methods/types" >&2
  fail=1
fi
# Names clippy's lists cannot see (macros, other crates, aliases).
pattern='thread_rng|rand::|getrandom|HashMap|HashSet|Instant|SystemTime|tokio::|std::thread|std::fs|std::net|std::env|println!|eprintln!|clock::'
if hits=$(grep -rnE "$pattern" src/engine --include='*.rs' | grep -v 'determinism: allowed'); then
  echo "forbidden in the reducer (src/engine):" >&2
  echo "$hits" >&2
  fail=1
fi
exit $fail
