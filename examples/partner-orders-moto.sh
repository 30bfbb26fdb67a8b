#!/bin/sh
# Runs examples/partner-orders against moto's server (DynamoDB, STS and KMS
# in one), as the test command does: DYNAMORM_MOTO_URL names the server
# (scripts/moto.sh start prints it); exits 77 (skipped) without it.
#   partner-orders-moto.sh PATH-TO-partner-orders
set -eu
[ -n "${DYNAMORM_MOTO_URL:-}" ] || exit 77
moto=$DYNAMORM_MOTO_URL
export AWS_ACCESS_KEY_ID=AKIDSERVICE AWS_SECRET_ACCESS_KEY=service-secret AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_KMS=$moto
key=$(curl -s --noproxy '*' -X POST "$moto/" \
  -H 'X-Amz-Target: TrentService.CreateKey' -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDSERVICE/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0' \
  -d '{}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["KeyMetadata"]["KeyId"])')
exec "$1" --seed "aws://us-east-1?endpoint=$moto&sts_endpoint=$moto" acme \
  arn:aws:iam::111122223333:role/OrdersReader acme-7f3a "$key"
