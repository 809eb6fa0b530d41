/**
 * The emulated AWS world: accounts, principals and credentials, KMS keys, RDS
 * resources, a simulated clock and the timed jobs that move resources through
 * their states.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DatabaseFactory, DatabaseServer, DataImage } from './databases';
import type { PolicyDocument } from './iam';

export interface Tag {
  Key: string;
  Value: string;
}

export interface Role {
  name: string;
  account: string;
  arn: string;
  trust: PolicyDocument;
  policies: PolicyDocument[];
  /** The role's unique id (AROA...); a role deleted and created again gets a new one. */
  id?: string;
  /** MaxSessionDuration in seconds (3600 to 43200; default 3600): DurationSeconds above it is refused. */
  maxSessionDuration: number;
}

export interface User {
  name: string;
  account: string;
  arn: string;
  policies: PolicyDocument[];
}

/** The identity behind a request. */
export interface Principal {
  kind: 'role' | 'user';
  account: string;
  /** Role or user ARN. */
  identityArn: string;
  /** What GetCallerIdentity and AccessDenied messages show. */
  callerArn: string;
  /** UserId of GetCallerIdentity. */
  userId: string;
  policies: PolicyDocument[];
}

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  principal: Principal;
  /** Sessions (AssumeRole*): the simulated time (ms) from which every service refuses them as expired. */
  expiresAt?: number;
}

export interface Grant {
  GrantId: string;
  GrantToken: string;
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: string[];
  Name?: string;
  CreationDate: Date;
}

export interface Key {
  id: string;
  arn: string;
  account: string;
  manager: 'AWS' | 'CUSTOMER';
  description: string;
  /** False when disabled or pending deletion (RDS then refuses the key). */
  enabled: boolean;
  /** Set by ScheduleKeyDeletion (state PendingDeletion until CancelKeyDeletion). */
  deletionDate?: Date;
  policy: string;
  created: Date;
  grants: Grant[];
}

export interface Cluster {
  id: string;
  account: string;
  status: string;
  engine: string;
  engineVersion: string;
  allocatedStorageGb: number;
  kmsKeyArn?: string;
  deletionProtection: boolean;
  securityGroups: string[];
  subnetGroup: string;
  parameterGroup: string;
  masterUsername: string;
  masterPassword: string;
  manageMasterUserPassword: boolean;
  databaseName?: string;
  port: number;
  tags: Tag[];
  created: Date;
  resourceSuffix: string;
  /** Data the cluster starts with (seed or restored snapshot image). */
  image?: DataImage;
  /** The database behind the endpoint, started on demand. */
  server?: Promise<DatabaseServer>;
  serverReady?: DatabaseServer;
  serverError?: string;
  /** provisioned (default; also Serverless v2) or serverless (Aurora Serverless v1). */
  engineMode?: string;
  /** Clusters made by copy-on-write from one another share a clone group (set on the first clone). */
  cloneGroupId?: string;
  /** A clone of a cluster owned by another account. */
  crossAccountClone?: boolean;
}

export interface Instance {
  id: string;
  account: string;
  clusterId: string;
  status: string;
  instanceClass: string;
  engine: string;
  created: Date;
  tags: Tag[];
  resourceSuffix: string;
  /** Its DB parameter group (DBParameterGroupName); undefined = the engine's default group. */
  parameterGroup?: string;
}

export interface Snapshot {
  id: string;
  account: string;
  clusterId: string;
  type: 'manual' | 'automated';
  status: string;
  engine: string;
  engineVersion: string;
  allocatedStorageGb: number;
  kmsKeyArn?: string;
  masterUsername: string;
  /** The master password of the cluster at snapshot time (a restore keeps it). */
  masterPassword: string;
  /** The cluster's initial database name (a restore keeps it). */
  databaseName?: string;
  port: number;
  created: Date;
  tags: Tag[];
  sharedWith: string[];
  sourceArn?: string;
  /** Progress while copying/creating: simulated start and end. */
  progress?: { from: number; to: number };
  image?: DataImage;
  /** True until the image has been captured (dump pending). */
  imagePending?: boolean;
}

/** A standalone (non-Aurora) DB instance: postgres, mysql, mariadb, ... */
export interface DbInstance {
  id: string;
  account: string;
  status: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  storageType: string;
  kmsKeyArn?: string;
  deletionProtection: boolean;
  securityGroups: string[];
  subnetGroup: string;
  parameterGroup: string;
  optionGroup: string;
  masterUsername: string;
  masterPassword: string;
  manageMasterUserPassword: boolean;
  databaseName?: string;
  port: number;
  multiAz: boolean;
  tags: Tag[];
  created: Date;
  resourceSuffix: string;
  /** Changes waiting for the maintenance window (ModifyDBInstance without ApplyImmediately). */
  pending: Record<string, unknown>;
  /** Data the instance starts with (seed or restored snapshot image). */
  image?: DataImage;
  server?: Promise<DatabaseServer>;
  serverReady?: DatabaseServer;
  serverError?: string;
}

/** A DB snapshot (of a standalone DB instance). */
export interface DbSnapshot {
  id: string;
  account: string;
  instanceId: string;
  type: 'manual' | 'automated';
  status: string;
  engine: string;
  engineVersion: string;
  allocatedStorageGb: number;
  storageType: string;
  kmsKeyArn?: string;
  masterUsername: string;
  masterPassword: string;
  databaseName?: string;
  port: number;
  optionGroup: string;
  /** The class of the instance it was taken from (a restore's default). */
  instanceClass: string;
  multiAz: boolean;
  instanceCreated: Date;
  created: Date;
  tags: Tag[];
  sharedWith: string[];
  sourceArn?: string;
  dbiResourceId: string;
  progress?: { from: number; to: number };
  image?: DataImage;
  imagePending?: boolean;
}

export interface OptionDef {
  name: string;
  permanent: boolean;
  persistent: boolean;
  port?: number;
  settings: Record<string, string>;
}

export interface OptionGroupDef {
  name: string;
  account: string;
  engine: string;
  majorEngineVersion: string;
  description: string;
  options: OptionDef[];
}

export interface Account {
  id: string;
  name: string;
  roles: Map<string, Role>;
  users: Map<string, User>;
  keys: Map<string, Key>;
  /** alias name (alias/x) -> key id */
  aliases: Map<string, string>;
  clusters: Map<string, Cluster>;
  instances: Map<string, Instance>;
  snapshots: Map<string, Snapshot>;
  /** Manual cluster snapshot quota. */
  manualSnapshotQuota: number;
  /** Standalone DB instances (not Aurora). Identifiers share one namespace with `instances`. */
  dbInstances: Map<string, DbInstance>;
  dbSnapshots: Map<string, DbSnapshot>;
  optionGroups: Map<string, OptionGroupDef>;
  /** Manual DB (instance) snapshot quota, separate from the cluster one. */
  manualDbSnapshotQuota: number;
  /** The AWS Organizations organization the account belongs to (absent: none). */
  organization?: string;
  /** Whether RAM sharing within the organization is enabled (aws ram enable-sharing-with-aws-organization). */
  ramOrganizationSharing?: boolean;
}

export interface Timings {
  copySecondsPerGb: number;
  restoreSecondsPerGb: number;
  snapshotSecondsPerGb: number;
  createInstanceSeconds: number;
  deleteSeconds: number;
  renameSeconds: number;
  modifySeconds: number;
  /** Real seconds per simulated second. */
  timeScale: number;
  /** A copy-on-write clone: the same whatever the size (absent: 300). */
  cloneSeconds?: number;
}

export const defaultTimings: Timings = {
  copySecondsPerGb: 24,
  restoreSecondsPerGb: 12,
  snapshotSecondsPerGb: 6,
  createInstanceSeconds: 480,
  deleteSeconds: 300,
  renameSeconds: 120,
  modifySeconds: 60,
  timeScale: 0.001,
  cloneSeconds: 300
};

/** Simulated time: runs 1/timeScale times faster than real time; tests may advance it. */
export class Clock {
  private readonly realStart = Date.now();
  private readonly simStart = Date.now();
  private offset = 0;
  constructor(readonly timeScale: number) {}
  now(): number {
    const realElapsed = Date.now() - this.realStart;
    return this.simStart + realElapsed / (this.timeScale || 1e-9) + this.offset;
  }
  advance(simSeconds: number): void {
    this.offset += simSeconds * 1000;
  }
}

/** A timed transition: runs `done` once the simulated time passed `at` and `ready()` holds. */
interface Job {
  at: number;
  ready: () => boolean;
  done: () => void;
}

export class World {
  readonly accounts = new Map<string, Account>();
  readonly credentials: Map<string, Credential>;
  readonly clock: Clock;
  private jobs: Job[] = [];
  /** Views of the same accounts in other regions (see inRegion). */
  private readonly regions = new Map<string, World>();
  /** AWS RAM: resource shares and invitations (emulator/ram.ts), across accounts. */
  readonly ram: RamState = { shares: new Map(), invitations: new Map(), clientTokens: new Map() };

  /** Databases behind MySQL / MariaDB endpoints (emulator/mysql.ts with a MariaDB URL); none by default. */
  mysqlDatabases: DatabaseFactory | undefined;

  constructor(
    readonly region: string,
    readonly timings: Timings,
    readonly databases: DatabaseFactory | undefined,
    /** For a region view: the home world's clock and credentials (STS and IAM are global). */
    shared?: { clock: Clock; credentials: Map<string, Credential> }
  ) {
    this.clock = shared?.clock ?? new Clock(timings.timeScale);
    this.credentials = shared?.credentials ?? new Map();
  }

  /**
   * The world as a request signed for `region` sees it: every resource lives in the scenario's
   * region, so another region has the same accounts, roles, users and credentials (IAM and STS
   * are global) and none of the keys, clusters, instances or snapshots, until some are created
   * there. Views are kept, so what is created in a region stays there.
   */
  inRegion(region: string): World {
    if (region === this.region) return this;
    let view = this.regions.get(region);
    if (!view) {
      view = new World(region, this.timings, this.databases, { clock: this.clock, credentials: this.credentials });
      view.mysqlDatabases = this.mysqlDatabases;
      for (const home of this.accounts.values()) {
        const account = view.addAccount(home.id, home.name);
        account.roles = home.roles;
        account.users = home.users;
        account.manualSnapshotQuota = home.manualSnapshotQuota;
        account.manualDbSnapshotQuota = home.manualDbSnapshotQuota;
      }
      this.regions.set(region, view);
    }
    return view;
  }

  account(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  addAccount(id: string, name: string): Account {
    const account: Account = {
      id,
      name,
      roles: new Map(),
      users: new Map(),
      keys: new Map(),
      aliases: new Map(),
      clusters: new Map(),
      instances: new Map(),
      snapshots: new Map(),
      manualSnapshotQuota: 100,
      dbInstances: new Map(),
      dbSnapshots: new Map(),
      optionGroups: new Map(),
      manualDbSnapshotQuota: 100
    };
    this.accounts.set(id, account);
    return account;
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  /** Schedules `done` after `simSeconds` of simulated time (and once `ready()`). */
  after(simSeconds: number, done: () => void, ready: () => boolean = () => true): void {
    this.jobs.push({ at: this.clock.now() + simSeconds * 1000, ready, done });
  }

  /** Applies every transition that is due. Called before each request and state read. */
  tick(): void {
    for (const view of this.regions.values()) view.tick();
    for (;;) {
      const now = this.clock.now();
      const due = this.jobs.filter(j => j.at <= now && j.ready()).sort((a, b) => a.at - b.at);
      if (due.length === 0) return;
      this.jobs = this.jobs.filter(j => !due.includes(j));
      for (const job of due) job.done();
    }
  }

  /** Issues temporary credentials for a principal (AssumeRole*), valid for `durationSeconds` of simulated time. */
  issueSession(principal: Principal, durationSeconds = 3600): Credential {
    const credential: Credential = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `emulator/${randomUUID()}/${randomBytes(24).toString('base64')}`,
      principal,
      expiresAt: this.clock.now() + durationSeconds * 1000
    };
    this.credentials.set(credential.accessKeyId, credential);
    return credential;
  }

  keyArn(account: string, id: string): string {
    return `arn:aws:kms:${this.region}:${account}:key/${id}`;
  }
  clusterArn(account: string, id: string): string {
    return `arn:aws:rds:${this.region}:${account}:cluster:${id}`;
  }
  snapshotArn(account: string, id: string): string {
    return `arn:aws:rds:${this.region}:${account}:cluster-snapshot:${id}`;
  }
  instanceArn(account: string, id: string): string {
    return `arn:aws:rds:${this.region}:${account}:db:${id}`;
  }
  dbSnapshotArn(account: string, id: string): string {
    return `arn:aws:rds:${this.region}:${account}:snapshot:${id}`;
  }
  optionGroupArn(account: string, name: string): string {
    return `arn:aws:rds:${this.region}:${account}:og:${name}`;
  }
}

export interface ResourceShareState {
  arn: string;
  name: string;
  owner: string;
  allowExternalPrincipals: boolean;
  status: 'ACTIVE' | 'DELETING' | 'DELETED';
  tags: Array<{ key: string; value: string }>;
  resources: Set<string>;
  /** Principal account -> association status (ASSOCIATING until an invitation is accepted). */
  principals: Map<string, { status: 'ASSOCIATING' | 'ASSOCIATED'; external: boolean }>;
  created: Date;
  updated: Date;
}

export interface InvitationState {
  arn: string;
  shareArn: string;
  shareName: string;
  sender: string;
  receiver: string;
  status: 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'EXPIRED';
  created: Date;
}

export interface RamState {
  shares: Map<string, ResourceShareState>;
  invitations: Map<string, InvitationState>;
  /** clientToken -> the answer's resource share ARN (idempotent retries). */
  clientTokens: Map<string, string>;
}

export function resourceSuffix(): string {
  return randomBytes(6).toString('hex');
}

export function requestId(): string {
  return randomUUID();
}
