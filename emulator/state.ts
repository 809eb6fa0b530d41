/** The request log and the JSON view of the world served at GET /_emulator/state. */
import type { Faults } from './faults';
import type { DatabaseServer } from './databases';
import { progressPercent, snapshotShape } from './rds/shapes';
import { secretsView } from './secretsmanager';
import type { World } from './world';

export interface RequestRecord {
  service: string;
  operation: string;
  account?: string;
  principal?: string;
  status: number;
  errorCode?: string;
  at: string;
}

export class RequestLog {
  readonly requests: RequestRecord[] = [];
  readonly counts: Record<string, number> = {};
  readonly countsByAccount: Record<string, Record<string, number>> = {};

  record(entry: RequestRecord): void {
    this.requests.push(entry);
    const key = `${entry.service}:${entry.operation}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    const account = entry.account ?? 'anonymous';
    const perAccount = (this.countsByAccount[account] ??= {});
    perAccount[key] = (perAccount[key] ?? 0) + 1;
  }
}

function parsePolicy(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** host/port of a running database (and the login/database names a shared server needs), or its start error. */
function databaseView(server: DatabaseServer | undefined, error: string | undefined): Record<string, unknown> | undefined {
  if (server) {
    const named = server as DatabaseServer & { username?: string; database?: string };
    return { host: server.host, port: server.port, username: named.username, database: named.database };
  }
  return error ? { error } : undefined;
}

/** An Aurora cluster as GET /_emulator/state shows it (one entry of an account's `clusters`). */
export interface ClusterView {
  id: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion: string;
  kmsKeyId?: string;
  storageEncrypted: boolean;
  deletionProtection: boolean;
  securityGroups: string[];
  subnetGroup: string;
  parameterGroup: string;
  manageMasterUserPassword: boolean;
  tags: Array<{ Key: string; Value: string }>;
  crossAccountClone: boolean;
  cloneGroupId?: string;
  database?: { host: string; port: number } | { error: string };
  instances: Array<{ id: string; status: string; class: string }>;
}

export interface EmulatorState {
  region: string;
  now: string;
  accounts: Record<string, unknown>[];
  requests: RequestRecord[];
  counts: Record<string, number>;
  countsByAccount: Record<string, Record<string, number>>;
  faults: unknown[];
  /** AWS RAM resource shares and invitations, across accounts. */
  ram?: { shares: Record<string, unknown>[]; invitations: Record<string, unknown>[] };
}

export function snapshotOfWorld(world: World, log: RequestLog, faults: Faults): EmulatorState {
  world.tick();
  const accounts = [...world.accounts.values()].map(a => ({
    id: a.id,
    name: a.name,
    roles: [...a.roles.values()].map(r => r.arn),
    users: [...a.users.values()].map(u => u.arn),
    keys: [...a.keys.values()].map(k => ({
      id: k.id,
      arn: k.arn,
      aliases: [...a.aliases.entries()].filter(([, id]) => id === k.id).map(([name]) => name),
      keyManager: k.manager,
      enabled: k.enabled,
      keyState: k.deletionDate ? 'PendingDeletion' : k.enabled ? 'Enabled' : 'Disabled',
      policy: parsePolicy(k.policy),
      grants: k.grants
    })),
    clusters: [...a.clusters.values()].map((c): ClusterView => ({
      id: c.id,
      arn: world.clusterArn(a.id, c.id),
      status: c.status,
      engine: c.engine,
      engineVersion: c.engineVersion,
      kmsKeyId: c.kmsKeyArn,
      storageEncrypted: c.kmsKeyArn !== undefined,
      deletionProtection: c.deletionProtection,
      securityGroups: c.securityGroups,
      subnetGroup: c.subnetGroup,
      parameterGroup: c.parameterGroup,
      manageMasterUserPassword: c.manageMasterUserPassword,
      tags: c.tags,
      crossAccountClone: c.crossAccountClone ?? false,
      cloneGroupId: c.cloneGroupId,
      database: c.serverReady ? { host: c.serverReady.host, port: c.serverReady.port } : c.serverError ? { error: c.serverError } : undefined,
      instances: [...a.instances.values()].filter(i => i.clusterId === c.id).map(i => ({ id: i.id, status: i.status, class: i.instanceClass }))
    })),
    instances: [
      ...[...a.instances.values()].map(i => ({ id: i.id, cluster: i.clusterId, status: i.status, class: i.instanceClass })),
      ...[...a.dbInstances.values()].map(i => ({
        id: i.id,
        standalone: true,
        arn: world.instanceArn(a.id, i.id),
        status: i.status,
        class: i.instanceClass,
        engine: i.engine,
        engineVersion: i.engineVersion,
        kmsKeyId: i.kmsKeyArn,
        storageEncrypted: i.kmsKeyArn !== undefined,
        deletionProtection: i.deletionProtection,
        securityGroups: i.securityGroups,
        subnetGroup: i.subnetGroup,
        parameterGroup: i.parameterGroup,
        optionGroup: i.optionGroup,
        manageMasterUserPassword: i.manageMasterUserPassword,
        pending: i.pending,
        tags: i.tags,
        database: databaseView(i.serverReady, i.serverError)
      }))
    ],
    dbSnapshots: [...a.dbSnapshots.values()].map(s => ({
      id: s.id,
      kind: 'instance',
      arn: world.dbSnapshotArn(a.id, s.id),
      instance: s.instanceId,
      engine: s.engine,
      type: s.type,
      status: s.status,
      percentProgress: progressPercent(world, s),
      kmsKeyId: s.kmsKeyArn,
      sizeGb: s.allocatedStorageGb,
      optionGroup: s.optionGroup,
      sharedWith: s.sharedWith,
      tags: s.tags,
      source: s.sourceArn,
      hasData: s.image !== undefined
    })),
    optionGroups: [...a.optionGroups.values()].map(g => ({
      name: g.name,
      engine: g.engine,
      majorEngineVersion: g.majorEngineVersion,
      options: g.options.map(o => ({ name: o.name, permanent: o.permanent, persistent: o.persistent }))
    })),
    secrets: secretsView(world, a.id),
    snapshots: [...a.snapshots.values()].map(s => {
      const shape = snapshotShape(world, s);
      return {
        id: s.id,
        arn: shape['DBClusterSnapshotArn'],
        cluster: s.clusterId,
        type: s.type,
        status: s.status,
        percentProgress: shape['PercentProgress'],
        kmsKeyId: s.kmsKeyArn,
        sizeGb: s.allocatedStorageGb,
        sharedWith: s.sharedWith,
        tags: s.tags,
        source: s.sourceArn,
        hasData: s.image !== undefined
      };
    })
  }));
  return {
    region: world.region,
    now: world.now().toISOString(),
    accounts,
    requests: log.requests,
    counts: log.counts,
    countsByAccount: log.countsByAccount,
    faults: faults.list(),
    ram: {
      shares: [...world.ram.shares.values()].map(s => ({
        arn: s.arn,
        name: s.name,
        owner: s.owner,
        status: s.status,
        allowExternalPrincipals: s.allowExternalPrincipals,
        tags: s.tags,
        resources: [...s.resources],
        principals: Object.fromEntries(s.principals)
      })),
      invitations: [...world.ram.invitations.values()].map(i => ({ ...i, created: i.created.toISOString() }))
    }
  };
}
