/**
 * The IAM / KMS policy document shape, as written by the generator and read by
 * the analyzer, and the one way it is printed (so an annotation shows exactly
 * the JSON that `mode: policies` writes).
 */

export type PolicyEffect = 'Allow' | 'Deny';

/** `"*"` or `{ "AWS": ..., "Service": ..., "Federated": ... }`. */
export type PolicyPrincipal = '*' | Record<string, string | string[]>;

/** Operator -> condition key -> value(s), e.g. `{ "Bool": { "kms:GrantIsForAWSResource": "true" } }`. */
export type PolicyCondition = Record<string, Record<string, string | boolean | Array<string | boolean>>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: PolicyEffect;
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[], id?: string): PolicyDocument {
  return id ? { Version: '2012-10-17', Id: id, Statement: statements } : { Version: '2012-10-17', Statement: statements };
}

/** Two-space JSON: what annotations, the summary and the policies file all show. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function asList<T>(v: T | T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
