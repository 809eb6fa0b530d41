/**
 * Scenario files (YAML): accounts, IAM, keys, clusters, snapshots, timings and
 * faults. A scenario may `extends:` another file and change it with `overrides:`
 * (deep merge; lists of objects merge by id/name/alias). See emulator/README.md.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { DatabaseFactory, DataImage } from './databases';
import type { FaultSpec } from './faults';
import { newRoleId, type PolicyDocument } from './iam';
import { addKey, ensureAwsRdsKey } from './kms';
import { newUserId } from './sts';
import { addScenarioSecrets, type ScenarioSecret } from './secretsmanager';
import { defaultEngineVersion, defaultOptionGroup, defaultParameterGroup, defaultPort, optionGroupOf } from './rds/db-common';
import { isStandaloneEngine } from './rds/db-instances';
import { defaultTimings, resourceSuffix, World, type Account, type Cluster, type DbSnapshot, type Snapshot, type Tag, type Timings } from './world';

export interface ScenarioKey {
  alias?: string;
  aliases?: string[];
  id?: string;
  policy?: PolicyDocument;
  manager?: 'AWS' | 'CUSTOMER';
  description?: string;
  enabled?: boolean;
}

export interface ScenarioCluster {
  id: string;
  engine?: string;
  engineVersion?: string;
  status?: string;
  sizeGb?: number;
  /** Key alias (alias/x), key id or key ARN; omit for aws/rds; `none` (or encrypted: false) for unencrypted. */
  kmsKey?: string;
  encrypted?: boolean;
  deletionProtection?: boolean;
  securityGroups?: string[];
  subnetGroup?: string;
  parameterGroup?: string;
  masterUsername?: string;
  masterPassword?: string;
  databaseName?: string;
  port?: number;
  instances?: (string | { id: string; class?: string; parameterGroup?: string })[];
  tags?: Record<string, string> | Tag[];
  /** A path (relative to the scenario file) to a .sql file, or inline SQL. */
  seedSql?: string;
  /** provisioned (default; Serverless v2 too) or serverless (Aurora Serverless v1). */
  engineMode?: string;
}

/** A standalone DB instance (RDS for PostgreSQL / MySQL / MariaDB ...; not Aurora). */
export interface ScenarioInstance {
  id: string;
  engine?: string;
  engineVersion?: string;
  status?: string;
  instanceClass?: string;
  allocatedStorageGb?: number;
  storageType?: string;
  kmsKey?: string;
  encrypted?: boolean;
  deletionProtection?: boolean;
  securityGroups?: string[];
  subnetGroup?: string;
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  masterUsername?: string;
  masterPassword?: string;
  databaseName?: string;
  port?: number;
  tags?: Record<string, string> | Tag[];
  seedSql?: string;
}

export interface ScenarioOptionGroup {
  name: string;
  engine: string;
  majorEngineVersion: string;
  description?: string;
  options?: { name: string; permanent?: boolean; persistent?: boolean; port?: number; settings?: Record<string, string> }[];
}

export interface ScenarioSnapshot {
  id?: string;
  /** The cluster of a DB cluster snapshot ... */
  cluster?: string;
  /** ... or the standalone instance of a DB snapshot. */
  instance?: string;
  /** DB snapshots only: the option group recorded (default: the instance's). */
  optionGroup?: string;
  type?: 'manual' | 'automated';
  sizeGb?: number;
  kmsKey?: string;
  encrypted?: boolean;
  status?: string;
  /** How long ago (simulated hours) it was taken; default 24 * position from the newest. */
  ageHours?: number;
  sharedWith?: string[];
  tags?: Record<string, string> | Tag[];
}

export interface ScenarioAccount {
  id: string;
  name?: string;
  manualSnapshotQuota?: number;
  roles?: { name: string; trust: PolicyDocument; policies?: PolicyDocument[]; maxSessionDuration?: number }[];
  users?: { name: string; accessKeys: { id: string; secret: string }[]; policies?: PolicyDocument[] }[];
  keys?: ScenarioKey[];
  clusters?: ScenarioCluster[];
  instances?: ScenarioInstance[];
  optionGroups?: ScenarioOptionGroup[];
  /** Manual DB (instance) snapshots per region; default 100. */
  manualDbSnapshotQuota?: number;
  snapshots?: ScenarioSnapshot[];
  /** Secrets Manager secrets (emulator/secretsmanager.ts). */
  secrets?: ScenarioSecret[];
  /** AWS Organizations: the organization id the account is in (absent: none). */
  organization?: string;
  /** RAM sharing within the organization enabled (default false). */
  ramOrganizationSharing?: boolean;
}

export interface ScenarioObject {
  region?: string;
  timings?: Partial<Timings>;
  accounts: ScenarioAccount[];
  faults?: FaultSpec[];
  /** Base directory for relative seedSql paths (set by the loader). */
  baseDir?: string;
}

type Json = unknown;

const identityKeys = ['id', 'name', 'alias'];

function identified(item: Json): item is Record<string, unknown> {
  return !!item && typeof item === 'object' && !Array.isArray(item) && identityKeys.some(k => typeof (item as Record<string, unknown>)[k] === 'string');
}

/** Two list items are the same entity when they share an id, name or alias. */
function sameItem(a: Json, b: Json): boolean {
  if (!identified(a) || !identified(b)) return false;
  return identityKeys.some(k => typeof a[k] === 'string' && a[k] === b[k]);
}

/** Deep merge: objects by key, lists of identified objects by identity, anything else replaced. */
export function mergeScenario(base: Json, override: Json): Json {
  if (Array.isArray(base) && Array.isArray(override) && override.every(identified)) {
    const out = [...base];
    for (const item of override) {
      const i = out.findIndex(b => sameItem(b, item));
      if (i >= 0) out[i] = mergeScenario(out[i], item);
      else out.push(item);
    }
    return out;
  }
  if (base && override && typeof base === 'object' && typeof override === 'object' && !Array.isArray(base) && !Array.isArray(override)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(override as Record<string, unknown>)) out[k] = k in out ? mergeScenario(out[k], v) : v;
    return out;
  }
  return override;
}

/** A seedSql value that names a file (one line ending in .sql), not SQL text. */
const isSqlPath = (v: unknown): v is string => typeof v === 'string' && /\.sql$/i.test(v.trim()) && !v.includes('\n');

/** Every relative seedSql file path in `node` made absolute against `dir` (the folder of the file that wrote it). */
function absolutePaths(node: unknown, dir: string): unknown {
  if (Array.isArray(node)) return node.map(n => absolutePaths(n, dir));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, k === 'seedSql' && isSqlPath(v) && !isAbsolute(v.trim()) ? resolve(dir, v.trim()) : absolutePaths(v, dir)]));
}

export function loadScenarioFile(path: string): ScenarioObject {
  const file = resolve(path);
  const parsed = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (!parsed || typeof parsed !== 'object') throw new Error(`scenario ${file}: not a YAML mapping`);
  // Relative paths resolve against the folder of the file that writes them, also when another scenario extends it.
  const raw = absolutePaths(parsed, dirname(file)) as Record<string, unknown>;
  let scenario: Record<string, unknown> = raw;
  if (typeof raw['extends'] === 'string') {
    const base = loadScenarioFile(resolve(dirname(file), raw['extends']));
    const { extends: _e, overrides, ...rest } = raw;
    scenario = mergeScenario(mergeScenario(base, rest), overrides ?? {}) as Record<string, unknown>;
  }
  if (!Array.isArray(scenario['accounts'])) throw new Error(`scenario ${file}: "accounts" must be a list`);
  return { ...(scenario as unknown as ScenarioObject), baseDir: (scenario['baseDir'] as string | undefined) ?? dirname(file) };
}

function tagList(tags: ScenarioCluster['tags']): Tag[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map(t => ({ Key: t.Key, Value: t.Value }));
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value: String(Value) }));
}

function seedImage(seedSql: string | undefined, baseDir: string): DataImage | undefined {
  if (!seedSql) return undefined;
  const looksLikePath = /\.sql$/i.test(seedSql.trim()) && !seedSql.includes('\n');
  if (!looksLikePath) return { kind: 'sql', sql: seedSql };
  const file = isAbsolute(seedSql) ? seedSql : resolve(baseDir, seedSql);
  return { kind: 'sql', sql: readFileSync(file, 'utf8') };
}

function keyArnFor(world: World, account: Account, ref: string | undefined, encrypted: boolean | undefined, where: string): string | undefined {
  if (encrypted === false || ref === 'none') return undefined;
  const wanted = ref ?? 'alias/aws/rds';
  const arn = /^arn:aws:kms:[^:]+:(\d{12}):(key|alias)\/(.+)$/.exec(wanted);
  const owner = arn ? world.account(arn[1]!) : account;
  if (!owner) throw new Error(`${where}: key ${wanted}: unknown account`);
  const local = arn ? (arn[2] === 'key' ? arn[3]! : `alias/${arn[3]}`) : wanted;
  const id = local.startsWith('alias/') ? owner.aliases.get(local) : owner.keys.has(local) ? local : undefined;
  if (!id) throw new Error(`${where}: key ${wanted} is not defined in account ${owner.id}`);
  return owner.keys.get(id)!.arn;
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${p(date.getUTCHours())}-${p(date.getUTCMinutes())}`;
}

function addScenarioInstance(world: World, account: Account, i: ScenarioInstance, baseDir: string): void {
  const where = `scenario: instance ${i.id} in ${account.id}`;
  const engine = i.engine ?? 'postgres';
  if (!isStandaloneEngine(engine)) throw new Error(`${where}: engine ${engine} is not a standalone engine (Aurora instances go under clusters:)`);
  const engineVersion = String(i.engineVersion ?? defaultEngineVersion(engine));
  const optionGroup = i.optionGroup ?? defaultOptionGroup(engine, engineVersion);
  if (!optionGroupOf(account, optionGroup)) throw new Error(`${where}: option group ${optionGroup} is not defined under optionGroups: of this account`);
  const id = i.id.toLowerCase();
  if (account.dbInstances.has(id) || account.instances.has(id)) throw new Error(`${where}: the identifier is used twice`);
  account.dbInstances.set(id, {
    id,
    account: account.id,
    status: i.status ?? 'available',
    engine,
    engineVersion,
    instanceClass: i.instanceClass ?? 'db.t3.medium',
    allocatedStorageGb: i.allocatedStorageGb ?? 20,
    storageType: i.storageType ?? 'gp3',
    kmsKeyArn: keyArnFor(world, account, i.kmsKey, i.encrypted, where),
    deletionProtection: i.deletionProtection ?? false,
    securityGroups: i.securityGroups ?? ['sg-default'],
    subnetGroup: i.subnetGroup ?? 'default',
    parameterGroup: i.parameterGroup ?? defaultParameterGroup(engine, engineVersion),
    optionGroup,
    masterUsername: i.masterUsername ?? (engine === 'postgres' ? 'postgres' : 'admin'),
    masterPassword: i.masterPassword ?? 'production-master-password',
    manageMasterUserPassword: false,
    databaseName: i.databaseName,
    port: i.port ?? defaultPort(engine),
    multiAz: i.multiAz ?? false,
    tags: tagList(i.tags),
    created: new Date(world.clock.now() - 400 * 24 * 3600 * 1000),
    resourceSuffix: resourceSuffix(),
    pending: {},
    image: seedImage(i.seedSql, baseDir)
  });
}

/** A DB snapshot of a standalone instance; `fromNewest` = its position counted from the newest (for the default age). */
function addScenarioDbSnapshot(world: World, account: Account, s: ScenarioSnapshot, fromNewest: number): void {
  const where = `scenario: snapshot of instance ${s.instance} in ${account.id}`;
  const instance = account.dbInstances.get(s.instance!.toLowerCase());
  if (!instance) throw new Error(`${where}: instance ${s.instance} is not defined under instances: of this account`);
  const type = s.type ?? 'automated';
  const ageHours = s.ageHours ?? 24 * fromNewest + 3;
  const created = new Date(world.clock.now() - ageHours * 3600 * 1000);
  const id = (s.id ?? (type === 'automated' ? `rds:${instance.id}-${stamp(created)}` : `${instance.id}-${stamp(created)}`)).toLowerCase();
  const optionGroup = s.optionGroup ?? instance.optionGroup;
  if (!optionGroupOf(account, optionGroup)) throw new Error(`${where}: option group ${optionGroup} is not defined under optionGroups: of this account`);
  const snapshot: DbSnapshot = {
    id,
    account: account.id,
    instanceId: instance.id,
    type,
    status: s.status ?? 'available',
    engine: instance.engine,
    engineVersion: instance.engineVersion,
    allocatedStorageGb: s.sizeGb ?? instance.allocatedStorageGb,
    storageType: instance.storageType,
    kmsKeyArn: s.kmsKey !== undefined || s.encrypted !== undefined ? keyArnFor(world, account, s.kmsKey, s.encrypted, where) : instance.kmsKeyArn,
    masterUsername: instance.masterUsername,
    masterPassword: instance.masterPassword,
    databaseName: instance.databaseName,
    port: instance.port,
    optionGroup,
    instanceClass: instance.instanceClass,
    multiAz: instance.multiAz,
    instanceCreated: instance.created,
    created,
    tags: tagList(s.tags),
    sharedWith: (s.sharedWith ?? []).map(String),
    dbiResourceId: `db-${instance.resourceSuffix.toUpperCase()}`,
    image: instance.image
  };
  if (snapshot.status === 'creating' || snapshot.status === 'copying') {
    const now = world.clock.now();
    const seconds = snapshot.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
    snapshot.progress = { from: now, to: now + seconds * 1000 };
    world.after(seconds, () => {
      if (snapshot.status === 'creating' || snapshot.status === 'copying') snapshot.status = 'available';
    });
  }
  account.dbSnapshots.set(snapshot.id, snapshot);
}

/** Builds the world a scenario describes. */
export function buildWorld(scenario: ScenarioObject, databases: DatabaseFactory | undefined): { world: World; faults: FaultSpec[] } {
  const region = scenario.region ?? 'ap-northeast-1';
  const world = new World(region, { ...defaultTimings, ...(scenario.timings ?? {}) }, databases);
  const baseDir = scenario.baseDir ?? process.cwd();
  // Accounts first, with keys, so that keys can be referenced across accounts.
  for (const a of scenario.accounts) {
    const id = String(a.id);
    if (!/^\d{12}$/.test(id)) throw new Error(`scenario: account id ${id} must be 12 digits (quote it in YAML)`);
    const account = world.addAccount(id, a.name ?? id);
    if (a.manualSnapshotQuota !== undefined) account.manualSnapshotQuota = a.manualSnapshotQuota;
    if (a.manualDbSnapshotQuota !== undefined) account.manualDbSnapshotQuota = a.manualDbSnapshotQuota;
    if (a.organization !== undefined) account.organization = String(a.organization);
    if (a.ramOrganizationSharing !== undefined) account.ramOrganizationSharing = a.ramOrganizationSharing;
    ensureAwsRdsKey(world, account);
    for (const k of a.keys ?? []) {
      const key = addKey(world, account, {
        id: k.id,
        aliases: [...(k.alias ? [k.alias] : []), ...(k.aliases ?? [])],
        policy: k.policy,
        manager: k.manager,
        description: k.description
      });
      if (k.enabled === false) key.enabled = false;
    }
  }
  for (const a of scenario.accounts) {
    const account = world.account(String(a.id))!;
    for (const r of a.roles ?? []) {
      const maxSessionDuration = r.maxSessionDuration ?? 3600;
      if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
        throw new Error(`scenario: role ${r.name}: maxSessionDuration must be 3600 to 43200 seconds (IAM's range), not ${String(r.maxSessionDuration)}`);
      }
      account.roles.set(r.name, { name: r.name, account: account.id, arn: `arn:aws:iam::${account.id}:role/${r.name}`, trust: r.trust, policies: r.policies ?? [], maxSessionDuration, id: newRoleId() });
    }
    for (const u of a.users ?? []) {
      const arn = `arn:aws:iam::${account.id}:user/${u.name}`;
      const policies = u.policies ?? [];
      account.users.set(u.name, { name: u.name, account: account.id, arn, policies });
      const userId = newUserId();
      for (const k of u.accessKeys ?? []) {
        world.credentials.set(k.id, {
          accessKeyId: k.id,
          secretAccessKey: k.secret,
          principal: { kind: 'user', account: account.id, identityArn: arn, callerArn: arn, userId, policies }
        });
      }
    }
    for (const c of a.clusters ?? []) {
      const where = `scenario: cluster ${c.id} in ${account.id}`;
      const engine = c.engine ?? 'aurora-postgresql';
      const cluster: Cluster = {
        id: c.id.toLowerCase(),
        account: account.id,
        status: c.status ?? 'available',
        engine,
        engineVersion: String(c.engineVersion ?? '16.4'),
        allocatedStorageGb: c.sizeGb ?? 10,
        kmsKeyArn: keyArnFor(world, account, c.kmsKey, c.encrypted, where),
        deletionProtection: c.deletionProtection ?? false,
        securityGroups: c.securityGroups ?? ['sg-default'],
        subnetGroup: c.subnetGroup ?? 'default',
        parameterGroup: c.parameterGroup ?? (engine.startsWith('aurora-mysql') ? 'default.aurora-mysql8.0' : 'default.aurora-postgresql16'),
        masterUsername: c.masterUsername ?? 'postgres',
        masterPassword: c.masterPassword ?? 'production-master-password',
        manageMasterUserPassword: false,
        databaseName: c.databaseName,
        port: c.port ?? (engine.startsWith('aurora-mysql') ? 3306 : 5432),
        tags: tagList(c.tags),
        created: new Date(world.clock.now() - 400 * 24 * 3600 * 1000),
        resourceSuffix: resourceSuffix(),
        image: seedImage(c.seedSql, baseDir),
        ...(c.engineMode ? { engineMode: c.engineMode } : {})
      };
      account.clusters.set(cluster.id, cluster);
      (c.instances ?? []).forEach((inst, i) => {
        const spec = typeof inst === 'string' ? { id: inst } : inst;
        account.instances.set(spec.id.toLowerCase(), {
          id: spec.id.toLowerCase(),
          account: account.id,
          clusterId: cluster.id,
          status: 'available',
          instanceClass: spec.class ?? 'db.r6g.large',
          engine,
          created: new Date(cluster.created.getTime() + i * 1000),
          tags: [],
          resourceSuffix: resourceSuffix(),
          ...(spec.parameterGroup ? { parameterGroup: spec.parameterGroup } : {})
        });
      });
    }
    for (const g of a.optionGroups ?? []) {
      account.optionGroups.set(g.name.toLowerCase(), {
        name: g.name,
        account: account.id,
        engine: g.engine,
        majorEngineVersion: String(g.majorEngineVersion),
        description: g.description ?? g.name,
        options: (g.options ?? []).map(o => ({
          name: o.name,
          permanent: o.permanent ?? false,
          persistent: o.persistent ?? false,
          port: o.port,
          settings: Object.fromEntries(Object.entries(o.settings ?? {}).map(([k, v]) => [k, String(v)]))
        }))
      });
    }
    for (const i of a.instances ?? []) addScenarioInstance(world, account, i, baseDir);
    const snapshots = a.snapshots ?? [];
    const clusterSnapshotCount = snapshots.filter(s => !s.instance).length;
    const instanceSnapshots = snapshots.filter(s => s.instance);
    instanceSnapshots.forEach((s, index) => addScenarioDbSnapshot(world, account, s, instanceSnapshots.length - 1 - index));
    snapshots
      .filter(s => !s.instance)
      .forEach((s, index) => {
        const where = `scenario: snapshot of ${s.cluster} in ${account.id}`;
        if (!s.cluster) throw new Error(`${where}: a snapshot needs cluster: (DB cluster snapshot) or instance: (DB snapshot)`);
        const cluster = account.clusters.get(s.cluster.toLowerCase());
        if (!cluster) throw new Error(`${where}: cluster ${s.cluster} is not defined in this account`);
        const type = s.type ?? 'automated';
        const ageHours = s.ageHours ?? 24 * (clusterSnapshotCount - 1 - index) + 3;
        const created = new Date(world.clock.now() - ageHours * 3600 * 1000);
        const id = s.id ?? (type === 'automated' ? `rds:${cluster.id}-${stamp(created)}` : `${cluster.id}-${stamp(created)}`);
        const snapshot: Snapshot = {
          id: id.toLowerCase(),
          account: account.id,
          clusterId: cluster.id,
          type,
          status: s.status ?? 'available',
          engine: cluster.engine,
          engineVersion: cluster.engineVersion,
          allocatedStorageGb: s.sizeGb ?? cluster.allocatedStorageGb,
          kmsKeyArn: s.kmsKey !== undefined || s.encrypted !== undefined ? keyArnFor(world, account, s.kmsKey, s.encrypted, where) : cluster.kmsKeyArn,
          masterUsername: cluster.masterUsername,
          masterPassword: cluster.masterPassword,
          databaseName: cluster.databaseName,
          port: cluster.port,
          created,
          tags: tagList(s.tags),
          sharedWith: (s.sharedWith ?? []).map(String),
          image: cluster.image
        };
        if (snapshot.status !== 'available') {
          const now = world.clock.now();
          const seconds = snapshot.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
          snapshot.progress = { from: now, to: now + seconds * 1000 };
          if (snapshot.status === 'creating' || snapshot.status === 'copying') {
            world.after(seconds, () => {
              if (snapshot.status === 'creating' || snapshot.status === 'copying') snapshot.status = 'available';
            });
          }
        }
        account.snapshots.set(snapshot.id, snapshot);
      });
  }
  for (const a of scenario.accounts) addScenarioSecrets(world, world.account(String(a.id))!, a.secrets);
  return { world, faults: scenario.faults ?? [] };
}
