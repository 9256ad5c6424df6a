#!/usr/bin/env bash
# The workflow the center documents, one file after another, as a lab runs it:
#   md5=$(openssl md5 -binary FILE | base64)
#   aws s3 cp FILE s3://BUCKET/KEY --metadata content-md5=$md5 --grants full=id=…,id=…
# Usage: documented-workflow.sh ENDPOINT BUCKET PREFIX GRANTS ROOT FILE…
# Keys are PREFIX/ + each FILE's path relative to ROOT (as Labdrop names them).
set -euo pipefail
endpoint=$1 bucket=$2 prefix=$3 grants=$4 root=$5
shift 5
for file in "$@"; do
  md5=$(openssl md5 -binary "$file" | base64)
  /usr/bin/aws s3 cp "$file" "s3://$bucket/$prefix/${file#"$root"/}" \
    --metadata "content-md5=$md5" --grants "full=$grants" \
    --endpoint-url "$endpoint" --only-show-errors --no-progress
done
