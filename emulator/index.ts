/** Programmatic entry: start the emulator in-process (tests) or from the CLI. */
import type { AddressInfo } from 'node:net';
import { loadDatabaseFactory, type DatabaseFactory } from './databases';
import { Faults, type FaultSpec } from './faults';
import { createMysqlDatabaseFactory } from './mysql';
import { buildWorld, loadScenarioFile, type ScenarioObject } from './scenario';
import { createEmulatorServer } from './server';
import { RequestLog, snapshotOfWorld, type EmulatorState } from './state';
import type { World } from './world';

export type { EmulatorState } from './state';
export type { FaultSpec } from './faults';
export type { ScenarioObject } from './scenario';

export interface StartOptions {
  /** A scenario file path, or the scenario itself. */
  scenario: string | ScenarioObject;
  /** 0 (default) = any free port. */
  port?: number;
  postgresUrl?: string;
  /** Databases behind endpoints; default: emulator/postgres.ts if present, else none. Pass `null` for none. */
  databases?: DatabaseFactory | null;
  /**
   * A MariaDB/MySQL server URL whose user may create databases and users (CREATE USER, GRANT OPTION):
   * MySQL and MariaDB instances then get a database there (emulator/mysql.ts). Without it they have none.
   */
  mysqlUrl?: string;
  /** Databases behind MySQL/MariaDB endpoints (overrides mysqlUrl); `null` = none. */
  mysqlDatabases?: DatabaseFactory | null;
}

export interface RunningEmulator {
  url: string;
  port: number;
  state(): EmulatorState;
  inject(fault: FaultSpec): void;
  /** Resolves once a call is held by a `pause` fault of this name. */
  paused(name: string): Promise<void>;
  /** Lets the calls a `pause` fault of this name holds through. */
  release(name: string): void;
  /** Moves the simulated clock forward. */
  advance(simSeconds: number): void;
  world: World;
  close(): Promise<void>;
}

export async function startEmulator(options: StartOptions): Promise<RunningEmulator> {
  const scenario = typeof options.scenario === 'string' ? loadScenarioFile(options.scenario) : options.scenario;
  const databases = options.databases === null ? undefined : (options.databases ?? (await loadDatabaseFactory(options.postgresUrl)));
  const mysqlDatabases = options.mysqlDatabases === null ? undefined : (options.mysqlDatabases ?? (options.mysqlUrl ? createMysqlDatabaseFactory(options.mysqlUrl) : undefined));
  const { world, faults: initialFaults } = buildWorld(scenario, databases);
  world.mysqlDatabases = mysqlDatabases;
  const faults = new Faults();
  for (const f of initialFaults) faults.add(f);
  const log = new RequestLog();
  const server = createEmulatorServer({ world, log, faults });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    world,
    // A copy, as the HTTP endpoint gives it: later changes in the world never show through an old answer.
    state: () => JSON.parse(JSON.stringify(snapshotOfWorld(world, log, faults))) as EmulatorState,
    inject: fault => faults.add(fault),
    paused: name => faults.paused(name),
    release: name => faults.release(name),
    advance: s => {
      world.clock.advance(s);
      world.tick();
    },
    close: async () => {
      faults.releaseAll();
      server.closeAllConnections();
      await new Promise<void>(r => server.close(() => r()));
      for (const account of world.accounts.values()) {
        for (const cluster of account.clusters.values()) await cluster.server?.then(s => s.close()).catch(() => undefined);
        for (const instance of account.dbInstances.values()) await instance.server?.then(s => s.close()).catch(() => undefined);
      }
      await databases?.close();
      await mysqlDatabases?.close();
    }
  };
}
