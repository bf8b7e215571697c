#!/usr/bin/env bash
# Creates the Secrets the dev overlay needs, with fresh random values, in namespace forge-auth (or $1).
# A Secret that already exists is left as it is (the key-encryption key above all: the signing keys
# in the database can only be read with the KEK they were stored under). Prints nothing secret except
# the bootstrap client's credentials, which the operator needs.
#   deploy/k8s/overlays/dev/create-secrets.sh [namespace]
set -euo pipefail
NS="${1:-forge-auth}"
command -v kubectl >/dev/null || { echo "kubectl not found" >&2; exit 1; }

rand() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
rand_url() { head -c "$1" /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'; }

kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"

create() { # name, then --from-literal=... arguments
    local name="$1"
    shift
    if kubectl -n "$NS" get secret "$name" >/dev/null 2>&1; then
        echo "secret $name exists: kept"
    else
        kubectl -n "$NS" create secret generic "$name" "$@" >/dev/null
        echo "secret $name created"
    fi
}

create forge-kek --from-literal=kek="$(rand 32)"
# the introspection service's only key: HMAC-SHA-256(KEK, "forge/secret-hash/v1" 0x01), from the stored KEK
command -v openssl >/dev/null || { echo "openssl not found (needed to derive the secret-hashing key)" >&2; exit 1; }
KEK_HEX="$(kubectl -n "$NS" get secret forge-kek -o jsonpath='{.data.kek}' | base64 -d | base64 -d | od -An -tx1 | tr -d ' \n')"
create forge-secret-hash-key --from-literal=key="$(printf 'forge/secret-hash/v1\001' \
    | openssl dgst -sha256 -mac HMAC -macopt hexkey:"$KEK_HEX" -binary | base64)"
BOOTSTRAP_SECRET="$(rand_url 32)"
create forge-bootstrap --from-literal=client-id=forge-admin --from-literal=client-secret="$BOOTSTRAP_SECRET"
# the gateway's own client, scope introspect only (auth-service seeds it from this Secret): the
# internet-facing gateway never holds the admin client
create forge-gateway-client --from-literal=client-id=forge-gateway --from-literal=client-secret="$(rand_url 32)"
create forge-db-app --from-literal=host=postgres --from-literal=port=5432 --from-literal=dbname=forgeauth \
    --from-literal=username=forgeauth --from-literal=password="$(rand_url 24)"
# dev: the introspection service logs in as the database owner (the dev PostgreSQL has one user);
# production gives it a login of its own in role forge_introspection (deploy/README.md)
if ! kubectl -n "$NS" get secret forge-db-introspection >/dev/null 2>&1; then
    create forge-db-introspection \
        --from-literal=username="$(kubectl -n "$NS" get secret forge-db-app -o jsonpath='{.data.username}' | base64 -d)" \
        --from-literal=password="$(kubectl -n "$NS" get secret forge-db-app -o jsonpath='{.data.password}' | base64 -d)"
else
    echo "secret forge-db-introspection exists: kept"
fi
REDIS_PASSWORD="$(rand_url 24)"
create forge-redis --from-literal=hosts="redis://redis:6379" --from-literal=password="$REDIS_PASSWORD"

echo
echo "bootstrap admin client (scopes admin introspect):"
echo "  client_id     $(kubectl -n "$NS" get secret forge-bootstrap -o jsonpath='{.data.client-id}' | base64 -d)"
echo "  client_secret: kubectl -n $NS get secret forge-bootstrap -o jsonpath='{.data.client-secret}' | base64 -d"
