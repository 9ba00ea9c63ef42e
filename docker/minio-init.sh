#!/bin/sh
# One-shot (compose service minio-init): the evidence bucket, created with object lock (and so
# versioning), and Saksi's own MinIO user, allowed that bucket only (minio-saksi-policy.json).
# Idempotent: safe to run at every `docker compose up`.
set -eu
mc alias set cluster http://minio1:9000 "$(cat /run/secrets/minio_root_user)" \
    "$(cat /run/secrets/minio_root_password)" >/dev/null
mc mb --ignore-existing --with-lock cluster/evidence
mc admin policy create cluster saksi-evidence /docker/minio-saksi-policy.json
mc admin user add cluster saksi "$(cat /run/secrets/minio_saksi_secret)"
mc admin policy attach cluster saksi-evidence --user saksi 2>/dev/null || true
echo "bucket evidence (object lock) and user saksi ready"
