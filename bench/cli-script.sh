#!/usr/bin/env bash
# The staging refresh as teams script it by hand today with the AWS CLI: copy the
# newest production snapshot under the shared CMK, share it, copy it again in
# staging under the staging key, restore it, create the instance, each step
# followed by `aws rds wait ...`. Contender (b) of bench/pipeline.ts.
#
# Everything comes from the environment (bench/pipeline.ts sets it):
#   AWS_CLI              the aws executable (Debian's /usr/bin/aws)
#   AWS_ENDPOINT_URL     where AWS is (the local emulator); passed as --endpoint-url
#                        on every call, because AWS CLI < 2.13 ignores the variable
#   AWS_DEFAULT_REGION
#   WEB_IDENTITY_TOKEN_FILE   a GitHub OIDC token, as a workflow would get one
#   SOURCE_ROLE_ARN TARGET_ROLE_ARN SOURCE_CLUSTER TARGET_CLUSTER
#   SHARE_KMS_KEY_ARN (production CMK) TARGET_KMS_KEY_ARN (staging key)
#   TARGET_ACCOUNT_ID TARGET_SUBNET_GROUP TARGET_SECURITY_GROUP
#   ENGINE INSTANCE_CLASS RUN_SUFFIX (makes the ids unique, like a date stamp)
# Lines starting with "::step::" mark the steps for the benchmark's timeline.
set -euo pipefail

aws() {
  "${AWS_CLI:-aws}" ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"} --output text "$@"
}

step() { echo "::step::$*"; }

assume() { # role-arn session-name: export the role's credentials, as configure-aws-credentials does
  local creds
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  creds=$(aws sts assume-role-with-web-identity \
    --role-arn "$1" --role-session-name "$2" \
    --web-identity-token "$(cat "$WEB_IDENTITY_TOKEN_FILE")" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}

SHARE_ID="${SOURCE_CLUSTER}-share-${RUN_SUFFIX}"
STAGING_COPY_ID="${SOURCE_CLUSTER}-staging-${RUN_SUFFIX}"
NEW_CLUSTER="${TARGET_CLUSTER}-${RUN_SUFFIX}"

step "production: credentials"
assume "$SOURCE_ROLE_ARN" staging-refresh-production

step "production: newest snapshot"
SNAPSHOT=$(aws rds describe-db-cluster-snapshots --db-cluster-identifier "$SOURCE_CLUSTER" \
  --query 'reverse(sort_by(DBClusterSnapshots[?Status==`available`], &SnapshotCreateTime))[0].DBClusterSnapshotIdentifier')
echo "newest snapshot: $SNAPSHOT"

step "production: copy under the CMK"
aws rds copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier "$SNAPSHOT" \
  --target-db-cluster-snapshot-identifier "$SHARE_ID" --kms-key-id "$SHARE_KMS_KEY_ARN" \
  --query 'DBClusterSnapshot.Status'
aws rds wait db-cluster-snapshot-available --db-cluster-snapshot-identifier "$SHARE_ID"

step "production: share"
aws rds modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier "$SHARE_ID" \
  --attribute-name restore --values-to-add "$TARGET_ACCOUNT_ID" \
  --query 'DBClusterSnapshotAttributesResult.DBClusterSnapshotIdentifier'
SHARE_ARN=$(aws rds describe-db-cluster-snapshots --db-cluster-snapshot-identifier "$SHARE_ID" \
  --query 'DBClusterSnapshots[0].DBClusterSnapshotArn')

step "staging: credentials"
assume "$TARGET_ROLE_ARN" staging-refresh-staging

step "staging: copy under the staging key"
aws rds copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier "$SHARE_ARN" \
  --target-db-cluster-snapshot-identifier "$STAGING_COPY_ID" --kms-key-id "$TARGET_KMS_KEY_ARN" \
  --query 'DBClusterSnapshot.Status'
aws rds wait db-cluster-snapshot-available --db-cluster-snapshot-identifier "$STAGING_COPY_ID"

step "staging: restore"
aws rds restore-db-cluster-from-snapshot --db-cluster-identifier "$NEW_CLUSTER" \
  --snapshot-identifier "$STAGING_COPY_ID" --engine "$ENGINE" \
  --db-subnet-group-name "$TARGET_SUBNET_GROUP" --vpc-security-group-ids "$TARGET_SECURITY_GROUP" \
  --query 'DBCluster.Status'
aws rds wait db-cluster-available --db-cluster-identifier "$NEW_CLUSTER"

step "staging: create the instance"
aws rds create-db-instance --db-instance-identifier "${NEW_CLUSTER}-1" --db-cluster-identifier "$NEW_CLUSTER" \
  --engine "$ENGINE" --db-instance-class "$INSTANCE_CLASS" --query 'DBInstance.DBInstanceStatus'
aws rds wait db-instance-available --db-instance-identifier "${NEW_CLUSTER}-1"

step "done"
echo "staging cluster $NEW_CLUSTER is available"
