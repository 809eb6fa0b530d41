/**
 * A complete, valid set of action inputs for an Aurora cluster sync with both
 * roles given (the accounts come from the role ARNs): what the skeleton tests
 * and bench/bundle.ts start the action with before overriding single inputs.
 */
export const VALID_INPUTS: Readonly<Record<string, string>> = {
  'aws-region': 'ap-northeast-1',
  'source-role-arn': 'arn:aws:iam::111111111111:role/rds-sync-production',
  'target-role-arn': 'arn:aws:iam::222222222222:role/rds-sync-staging',
  'source-cluster': 'app-production',
  'target-cluster': 'app-staging',
  'kms-key-id': 'arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'
};
