#!/bin/sh
# Creates ./secrets for docker compose once (never commit them; back up the checkpoint key
# offline as docs/deployment.md says). Needs openssl. Files are readable only by the owner:
# run compose as that user, or give the container users read access to these files.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
umask 077
new() { [ -s "secrets/$1" ] || openssl rand -hex 24 > "secrets/$1"; }
new postgres_password
new postgres_replication_password
new minio_root_password
new minio_saksi_secret
new metrics_token
[ -s secrets/minio_root_user ] || echo minio-admin > secrets/minio_root_user
# Both PostgreSQL servers, primary first: connections go to whichever takes writes now, so
# the replicas follow a promotion of the standby on their own.
echo "postgresql://saksi:$(cat secrets/postgres_password)@postgres:5432,postgres-standby:5432/saksi?target_session_attrs=read-write" \
    > secrets/saksi_event_store
echo "s3://saksi:$(cat secrets/minio_saksi_secret)@minio:9000/evidence" > secrets/saksi_object_store
[ -s secrets/session.key ] || openssl rand -hex 32 > secrets/session.key
[ -s secrets/checkpoint.key ] || openssl genpkey -algorithm ed25519 -out secrets/checkpoint.key
echo "secrets written to $(pwd)/secrets"
