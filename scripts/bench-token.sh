#!/usr/bin/env bash
# Load figures of the s2s token endpoint: starts a release build of hazel on free ports with the
# bench policy, runs `hazel-bench token` against it, and stops it. Once on SQLite with in-memory
# sessions, once on PostgreSQL with Redis (skipped when they do not answer).
#   scripts/bench-token.sh [requests] [concurrency] [jwt_vp|ldp_vp]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-4000}
concurrency=${2:-32}
format=${3:-jwt_vp}
cargo build --release --locked --bin hazel --bin hazel-bench
hazel=${HAZEL:-$PWD/target/release/hazel}
bench=${HAZEL_BENCH:-$PWD/target/release/hazel-bench}

run() {
    local label=$1; shift
    local dir; dir=$(mktemp -d)
    local public=$((20000 + RANDOM % 20000)) internal=$((40000 + RANDOM % 20000))
    local flags=(--url "http://127.0.0.1:$public" --strictmode false
        --http.public.address "127.0.0.1:$public" --http.internal.address "127.0.0.1:$internal"
        --policy.directory "$PWD/policies/bench"
        --auth.presentationmaxvalidity 10m --auth.dpop.maxage 10m --verbosity warn "$@")
    (cd "$dir" && exec "$hazel" server "${flags[@]}") >"$dir/log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$internal/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    echo "== $label"
    (cd "$dir" && "$bench" token --requests "$requests" --concurrency "$concurrency" --format "$format" "${flags[@]}") || {
        tail -20 "$dir/log"; kill "$pid"; return 1; }
    kill "$pid"; wait "$pid" || true
    rm -rf "$dir"
}

run "SQLite + in-memory sessions"
if pg_isready -h 127.0.0.1 -q 2>/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    schema="bench_$RANDOM"
    psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $schema"
    run "PostgreSQL + Redis" \
        --storage.sql.connection "postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D$schema" \
        --storage.session.redis.address 127.0.0.1:6379 --storage.session.redis.database "$schema"
    psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
else
    echo "== PostgreSQL + Redis: not reachable, skipped"
fi
echo "== openssl speed ecdsap256 (for comparison across machines)"
openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -2
