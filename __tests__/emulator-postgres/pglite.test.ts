import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createDatabaseFactory, imageFromSql, type DatabaseFactory } from '../../emulator/postgres';
import { SEED, connect, factoryContract, portIsFree, query, refusal } from './contract';

describe('PGlite mode (default)', () => {
  factoryContract(() => createDatabaseFactory({}), 'pglite');
});

describe('PGlite mode: the front', () => {
  let factory: DatabaseFactory;
  beforeAll(() => {
    factory = createDatabaseFactory({});
  });
  afterAll(async () => {
    await factory.close();
  });

  const make = () =>
    factory.create({ name: 'front', image: imageFromSql(SEED), masterUsername: 'admin', masterPassword: 'pw-1', databaseName: 'appdb' }).then(s => s as typeof s & { username: string; database: string });

  test('refuses another user, another database, and frees its port on close', async () => {
    const s = await make();
    const { host, port } = s;
    expect(await refusal(connect(s, 'pw-1', { user: 'postgres' }))).toBe('28P01');
    expect(await refusal(connect(s, 'pw-1', { database: 'postgres' }))).toBe('3D000');
    const open = await connect(s, 'pw-1');
    const dropped = new Promise<Error>(resolve => open.on('error', resolve));
    expect(await portIsFree(host, port)).toBe(false);
    await s.close();
    expect(await portIsFree(host, port)).toBe(true);
    expect((await dropped).message).toMatch(/terminated/);
    expect(await refusal(connect({ ...s, host, port }, 'pw-1'))).toBe('ECONNREFUSED');
  });

  test('factory.close() closes every server still open', async () => {
    const f = createDatabaseFactory({});
    const s = (await f.create({ name: 'a', masterUsername: 'admin', masterPassword: 'pw', databaseName: 'postgres' })) as Awaited<ReturnType<typeof make>>;
    expect(await query<{ one: number }>(s, 'pw', 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await f.close();
    expect(await portIsFree(s.host, s.port)).toBe(true);
  });

  test('bad seed SQL is reported with a fix', async () => {
    await expect(factory.create({ name: 'bad', image: imageFromSql('CREATE TABLE ('), masterUsername: 'a', masterPassword: 'b', databaseName: 'appdb' })).rejects.toThrow(/Seed SQL failed.*Fix:/s);
  });
});
