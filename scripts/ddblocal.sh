#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# DynamoDB Local for the test suite, from Maven Central.
#
#   scripts/ddblocal.sh fetch          install Java 17 + Maven if missing (apt-get),
#                                      resolve DynamoDB Local into the cache
#   scripts/ddblocal.sh start [PORT]   start it in memory on 127.0.0.1 (a free port
#                                      unless PORT is given), wait until ListTables
#                                      answers, print local://127.0.0.1:PORT
#   scripts/ddblocal.sh stop           stop the instance this script started
#   scripts/ddblocal.sh status         print its URI if it is running
#
# Typical use:
#   scripts/ddblocal.sh fetch
#   export DYNAMORM_LOCAL_URI=$(scripts/ddblocal.sh start)
#   meson test -C build --suite local
#   scripts/ddblocal.sh stop
#
# Environment:
#   DDBLOCAL_VERSION    DynamoDB Local version (default 3.3.1; 3.3.0 is not on Central)
#   DDBLOCAL_CACHE      where the jars go
#                       (default ${XDG_CACHE_HOME:-$HOME/.cache}/dynamorm/ddblocal-VERSION)
#   DDBLOCAL_STATE_DIR  pid, port and log files of the running instance; use a
#                       different one per instance to run several
#                       (default ${XDG_RUNTIME_DIR:-/tmp}/dynamorm-ddblocal-$(id -u))
#   DDBLOCAL_TIMEOUT    seconds to wait for startup (default 60)

set -eu

VERSION=${DDBLOCAL_VERSION:-3.3.1}
CACHE=${DDBLOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dynamorm/ddblocal-$VERSION}
STATE=${DDBLOCAL_STATE_DIR:-${XDG_RUNTIME_DIR:-/tmp}/dynamorm-ddblocal-$(id -u)}
TIMEOUT=${DDBLOCAL_TIMEOUT:-60}
MAIN_CLASS=software.amazon.dynamodb.services.local.main.ServerRunner
# Pinned: maven 3.8's plugin prefix resolution picks whatever is newest otherwise.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

die () {
    echo "ddblocal: $*" >&2
    exit 1
}

usage () {
    sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

as_root () {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (install openjdk-17-jre-headless and maven yourself)"
    fi
}

java_is_17_or_newer () {
    command -v java >/dev/null 2>&1 || return 1
    major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    [ -n "$major" ] && [ "$major" -ge 17 ]
}

ensure_tools () {
    missing=
    java_is_17_or_newer || missing="$missing openjdk-17-jre-headless"
    command -v mvn >/dev/null 2>&1 || missing="$missing maven"
    if [ -n "$missing" ]; then
        echo "ddblocal: installing$missing" >&2
        command -v apt-get >/dev/null 2>&1 || die "no apt-get: install$missing yourself"
        as_root apt-get update -q >&2
        # shellcheck disable=SC2086
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
    fi
}

is_fetched () {
    [ -f "$CACHE/lib/DynamoDBLocal-$VERSION.jar" ]
}

cmd_fetch () {
    ensure_tools
    if is_fetched; then
        echo "ddblocal: DynamoDB Local $VERSION already in $CACHE" >&2
        return 0
    fi
    mkdir -p "$CACHE"
    cat > "$CACHE/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.dynamorm</groupId><artifactId>ddblocal-runner</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies><dependency>
    <groupId>software.amazon.dynamodb</groupId><artifactId>DynamoDBLocal</artifactId>
    <version>$VERSION</version>
  </dependency></dependencies>
</project>
EOF
    echo "ddblocal: resolving software.amazon.dynamodb:DynamoDBLocal:$VERSION into $CACHE/lib" >&2
    mvn -B -q -f "$CACHE/pom.xml" "$DEPENDENCY_PLUGIN:copy-dependencies" \
        -DoutputDirectory="$CACHE/lib" -DincludeScope=runtime >&2 \
        || die "maven could not resolve DynamoDB Local $VERSION (is Maven Central reachable?)"
    is_fetched || die "DynamoDBLocal-$VERSION.jar is missing from $CACHE/lib after the download"
    echo "ddblocal: fetched into $CACHE" >&2
}

free_port () {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        # Good enough without python: a random high port nobody answers on.
        while :; do
            port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
            [ "$(list_tables "$port")" = 000 ] && { echo "$port"; return; }
        done
    fi
}

# DynamoDB Local wants a signed-looking request with an alphanumeric key id;
# it does not check the signature.
list_tables () {
    curl -s -m 2 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$1/" \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=dynamormlocal/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' \
        -d '{}' 2>/dev/null || true
}

running_pid () {
    [ -f "$STATE/ddblocal.pid" ] || return 1
    pid=$(cat "$STATE/ddblocal.pid")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

cmd_start () {
    command -v curl >/dev/null 2>&1 || die "curl is needed to check that DynamoDB Local answers"
    is_fetched || die "DynamoDB Local $VERSION is not in $CACHE: run '$0 fetch' first"
    java_is_17_or_newer || die "DynamoDB Local $VERSION needs Java 17 or newer: run '$0 fetch'"
    mkdir -p "$STATE"
    if pid=$(running_pid); then
        die "already running (pid $pid, local://127.0.0.1:$(cat "$STATE/ddblocal.port")); '$0 stop' first, or set DDBLOCAL_STATE_DIR"
    fi

    port=${1:-$(free_port)}
    [ "$(list_tables "$port")" = 000 ] || die "port $port is taken"

    # In memory, one database for every key and region, no telemetry.
    (cd "$CACHE" && exec java -Djava.library.path="$CACHE/lib" -Dsqlite4java.library.path="$CACHE/lib" \
        -cp "$CACHE/lib/*" "$MAIN_CLASS" \
        -inMemory -sharedDb -disableTelemetry -port "$port") \
        > "$STATE/ddblocal.log" 2>&1 &
    pid=$!
    echo "$pid" > "$STATE/ddblocal.pid"
    echo "$port" > "$STATE/ddblocal.port"

    waited=0
    while [ "$(list_tables "$port")" != 200 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$STATE/ddblocal.pid" "$STATE/ddblocal.port"
            tail -n 20 "$STATE/ddblocal.log" >&2
            die "DynamoDB Local exited during startup (log: $STATE/ddblocal.log)"
        fi
        if [ "$waited" -ge $((TIMEOUT * 4)) ]; then
            kill "$pid" 2>/dev/null || true
            rm -f "$STATE/ddblocal.pid" "$STATE/ddblocal.port"
            die "DynamoDB Local did not answer ListTables within ${TIMEOUT}s (log: $STATE/ddblocal.log)"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    echo "local://127.0.0.1:$port"
}

cmd_stop () {
    if ! pid=$(running_pid); then
        rm -f "$STATE/ddblocal.pid" "$STATE/ddblocal.port"
        echo "ddblocal: not running" >&2
        return 0
    fi
    kill "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do
        sleep 0.25
        i=$((i + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    rm -f "$STATE/ddblocal.pid" "$STATE/ddblocal.port"
    echo "ddblocal: stopped pid $pid" >&2
}

cmd_status () {
    if pid=$(running_pid); then
        echo "local://127.0.0.1:$(cat "$STATE/ddblocal.port")"
    else
        echo "ddblocal: not running" >&2
        return 1
    fi
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
