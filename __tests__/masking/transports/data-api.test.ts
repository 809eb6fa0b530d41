import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, StatementTimeoutException } from '@aws-sdk/client-rds-data';
import { EnableHttpEndpointCommand, RDSClient } from '@aws-sdk/client-rds';
import { dataApiExecutor, enableDataApi, toNamedParameters, toSqlParameter } from '../../../src/masking/transports/data-api';

const target = {
  engine: 'postgres' as const,
  resourceArn: 'arn:aws:rds:ap-northeast-1:222222222222:cluster:tmp',
  secretArn: 'arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:rds!cluster-x',
  database: 'app'
};
const data = mockClient(RDSDataClient);
const rds = mockClient(RDSClient);
afterEach(() => {
  data.reset();
  rds.reset();
});

describe('toNamedParameters', () => {
  it.each([
    ['postgres', "SELECT decode($1, 'hex') || $2 || $1", "SELECT decode(:p1, 'hex') || :p2 || :p1"],
    ['postgres', 'SELECT \'$1\' AS "$2", $10', 'SELECT \'$1\' AS "$2", :p10'],
    ['mysql', "SET @a = UNHEX(?), @b = UNHEX(?) -- '?'", "SET @a = UNHEX(:p1), @b = UNHEX(:p2) -- '?'"],
    ['mysql', 'SELECT `a?` FROM t WHERE x = ?', 'SELECT `a?` FROM t WHERE x = :p1']
  ] as const)('%s: %s', (engine, sql, expected) => {
    expect(toNamedParameters(sql, engine)).toBe(expected);
  });

  it('types parameters', () => {
    expect(toSqlParameter('p1', 'aa')).toEqual({ name: 'p1', value: { stringValue: 'aa' } });
    expect(toSqlParameter('p2', 3)).toEqual({ name: 'p2', value: { longValue: 3 } });
    expect(toSqlParameter('p3', null)).toEqual({ name: 'p3', value: { isNull: true } });
    expect(() => toSqlParameter('p4', {})).toThrow(/unsupported/);
  });
});

describe('dataApiExecutor', () => {
  it('runs statements with named parameters and JSON records', async () => {
    data.on(ExecuteStatementCommand).resolves({ formattedRecords: '[{"n":3}]', numberOfRecordsUpdated: 0 });
    const ex = dataApiExecutor(new RDSDataClient({ region: 'ap-northeast-1' }), target);
    const r = await ex.query('SELECT count(*) AS n FROM t WHERE a = $1', ['x']);
    expect(r).toEqual({ rows: [{ n: 3 }], affected: 0 });
    expect(data.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toEqual({
      resourceArn: target.resourceArn,
      secretArn: target.secretArn,
      database: 'app',
      sql: 'SELECT count(*) AS n FROM t WHERE a = :p1',
      parameters: [{ name: 'p1', value: { stringValue: 'x' } }],
      transactionId: undefined,
      formatRecordsAs: 'JSON'
    });
  });

  it('commits a transaction and passes its id to every statement', async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
    data.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 42 });
    data.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
    const ex = dataApiExecutor(new RDSDataClient({ region: 'ap-northeast-1' }), target);
    const n = await ex.transaction(async tx => (await tx.query('UPDATE t SET a = NULL')).affected);
    expect(n).toBe(42);
    expect(data.commandCalls(BeginTransactionCommand)[0]!.args[0].input).toEqual({ resourceArn: target.resourceArn, secretArn: target.secretArn, database: 'app' });
    expect(data.commandCalls(ExecuteStatementCommand)[0]!.args[0].input.transactionId).toBe('tx-1');
    expect(data.commandCalls(CommitTransactionCommand)[0]!.args[0].input).toEqual({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: 'tx-1' });
    expect(data.commandCalls(RollbackTransactionCommand)).toHaveLength(0);
  });

  it('rolls back when a statement fails and rethrows the error', async () => {
    data.on(BeginTransactionCommand).resolves({ transactionId: 'tx-2' });
    data.on(ExecuteStatementCommand).rejects(new StatementTimeoutException({ message: 'Statement timed out', $metadata: {} }));
    data.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
    const ex = dataApiExecutor(new RDSDataClient({ region: 'ap-northeast-1' }), target);
    await expect(ex.transaction(tx => tx.query('UPDATE big SET a = NULL'))).rejects.toThrow('Statement timed out');
    expect(data.commandCalls(RollbackTransactionCommand)[0]!.args[0].input.transactionId).toBe('tx-2');
    expect(data.commandCalls(CommitTransactionCommand)).toHaveLength(0);
  });
});

describe('enableDataApi', () => {
  it('calls EnableHttpEndpoint on the cluster ARN', async () => {
    rds.on(EnableHttpEndpointCommand).resolves({ ResourceArn: target.resourceArn, HttpEndpointEnabled: true });
    await expect(enableDataApi(new RDSClient({ region: 'ap-northeast-1' }), target.resourceArn)).resolves.toEqual({ enabled: true });
    expect(rds.commandCalls(EnableHttpEndpointCommand)[0]!.args[0].input).toEqual({ ResourceArn: target.resourceArn });
  });
});
