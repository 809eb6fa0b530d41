/**
 * The fault-alias table against the SDK's own service models: every entry is
 * an exception the SDK defines (or a documented common error), its aliases are
 * exactly the wire code the model gives it, and isFault matches every spelling
 * of a fault and nothing else.
 */
import * as kms from '@aws-sdk/client-kms';
import * as ram from '@aws-sdk/client-ram';
import * as rds from '@aws-sdk/client-rds';
import * as secrets from '@aws-sdk/client-secrets-manager';
import * as sts from '@aws-sdk/client-sts';
import { FAULTS, faultName, isFault, isFaultCode, type FaultName } from '../src/errors';

/** Errors every AWS service may answer, in no service model. */
const COMMON = new Set<string>(['AccessDeniedException', 'ExpiredToken', 'InvalidParameterCombination']);

const models: [string, Record<string, unknown>][] = [
  ['rds', rds],
  ['sts', sts],
  ['kms', kms],
  ['ram', ram],
  ['secrets-manager', secrets]
];

/** The model's error schema of an exception: [-3, namespace, name, traits, ...]; traits.awsQueryError[0] is the query wire code. */
function schemaOf(name: string): { service: string; wire?: string } | undefined {
  for (const [service, mod] of models) {
    const schema = mod[`${name}$`] as [number, string, string, { awsQueryError?: [string, number] }] | undefined;
    if (Array.isArray(schema) && schema[0] === -3 && schema[2] === name) return { service, wire: schema[3]?.awsQueryError?.[0] };
  }
  return undefined;
}

const awsError = (name: string) => Object.assign(new Error(`${name}: test`), { name, $metadata: {} });
const names = Object.keys(FAULTS) as FaultName[];

describe('FAULTS, the fault-alias table', () => {
  it.each(names.filter(n => !COMMON.has(n)))('%s is an SDK exception whose aliases are the wire codes its model gives it', name => {
    const schema = schemaOf(name);
    expect(schema).toBeDefined();
    // A JSON-protocol service (KMS, RAM, Secrets Manager) answers the shape name itself.
    const queryProtocol = schema!.service === 'rds' || schema!.service === 'sts';
    const expected = queryProtocol && schema!.wire && schema!.wire !== name ? [schema!.wire] : [];
    expect([...FAULTS[name]]).toEqual(expected);
  });

  it('spells the faults most often confused as the model does', () => {
    // The two spellings most often confused: the SDK's name and the code RDS sends.
    expect(FAULTS.DBInstanceNotFoundFault).toEqual(['DBInstanceNotFound']);
    expect(FAULTS.DBClusterNotFoundFault).toEqual([]);
    expect(FAULTS.SnapshotQuotaExceededFault).toEqual(['SnapshotQuotaExceeded']);
  });

  it.each(names)('isFault matches %s under every spelling', name => {
    for (const spelling of [name, ...FAULTS[name]]) {
      expect(isFault(awsError(spelling), name)).toBe(true);
      expect(isFault(awsError(spelling), [name])).toBe(true);
      expect(isFaultCode(spelling, name)).toBe(true);
      expect(faultName(spelling)).toBe(name);
    }
  });

  it('no spelling belongs to two faults', () => {
    const spellings = names.flatMap(n => [n, ...FAULTS[n]]);
    expect(new Set(spellings).size).toBe(spellings.length);
  });

  it('does not match another fault, an unknown code, or an error that is not from AWS', () => {
    expect(isFault(awsError('DBClusterNotFoundFault'), 'DBInstanceNotFoundFault')).toBe(false);
    expect(isFault(awsError('DBInstanceNotFound'), ['DBClusterNotFoundFault', 'DBSnapshotNotFoundFault'])).toBe(false);
    expect(isFault(awsError('DBInstanceNotFoundFaultX'), 'DBInstanceNotFoundFault')).toBe(false);
    expect(isFault(awsError('NotFound'), 'NotFoundException')).toBe(false);
    expect(faultName('SomethingElse')).toBeUndefined();
    expect(faultName(undefined)).toBeUndefined();
    // No $metadata: a plain Error named like a fault is not an AWS answer.
    expect(isFault(Object.assign(new Error('x'), { name: 'DBInstanceNotFoundFault' }), 'DBInstanceNotFoundFault')).toBe(false);
    expect(isFault(undefined, 'DBInstanceNotFoundFault')).toBe(false);
    expect(isFault(awsError('SnapshotQuotaExceeded'), ['DBSnapshotNotFoundFault', 'SnapshotQuotaExceededFault'])).toBe(true);
    expect(isFault(awsError('SnapshotQuotaExceeded'), 'DBSnapshotNotFoundFault')).toBe(false);
  });

  it('matches what the SDK throws for a fault RDS answers with its wire code', async () => {
    const client = new rds.RDSClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: 404,
            headers: { 'content-type': 'text/xml' },
            body: new TextEncoder().encode(
              '<ErrorResponse><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance db-1 not found.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>'
            )
          }
        })
      } as never
    });
    const e = await client.send(new rds.DescribeDBInstancesCommand({ DBInstanceIdentifier: 'db-1' })).catch((x: unknown) => x);
    expect((e as Error).name).toBe('DBInstanceNotFoundFault');
    expect(isFault(e, 'DBInstanceNotFoundFault')).toBe(true);
    expect(isFault(e, 'DBClusterNotFoundFault')).toBe(false);
  });
});
