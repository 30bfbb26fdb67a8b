#!/usr/bin/env bash
# Runs bench/bench-encryption with KMS on moto's server: starts moto
# (scripts/moto.sh), makes a KMS key there, runs the benchmark, stops moto.
#   scripts/bench-encryption.sh [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-_build}

export MOTO_STATE_DIR=$PWD/$build/moto-bench
moto=$(scripts/moto.sh start)
trap 'scripts/moto.sh stop >/dev/null 2>&1' EXIT
venv_python=$(ls -d "${DYNAMORM_CACHE:-$HOME/.cache/dynamorm}"/moto-*/bin/python | head -n 1)
key=$(AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench "$venv_python" -c '
import sys, boto3
kms = boto3.client("kms", endpoint_url=sys.argv[1], region_name="us-east-1")
print(kms.create_key()["KeyMetadata"]["KeyId"])' "$moto")

DYNAMORM_BACKEND_PATH=$build/backends/memory:$build/backends/http \
DYNAMORM_MOTO_URL=$moto DYNAMORM_BENCH_KMS_KEY=$key \
  "$build/bench/bench-encryption" "$@"
