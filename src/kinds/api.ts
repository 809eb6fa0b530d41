/**
 * The API calls of each kind, behind one interface: `kindApi(kind)`. Kept
 * apart from the profile (./index.ts), which is data that `plan/` may use
 * without importing the SDK.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Databases } from '../aws/databases';
import type { OptionInfo, SourceDatabase } from '../aws/snapshots';
import type { DbKind } from '../types';
import type { WaitOptions } from '../wait';
import { clusterDatabases, clusterExists, describeClusterSource } from './cluster-api';
import { describeInstanceSource, instanceDatabases, optionGroupOptions, standaloneExists } from './instance-api';

export interface KindApi {
  readonly kind: DbKind;
  /** The target side's adapter (also the retention clean-up's, in either account). `wait` gives the wait options for one named wait. */
  databases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases;
  /** The source side's view of the database, or undefined when there is none of this kind. */
  describeSource(rds: RDSClient, identifier: string): Promise<SourceDatabase | undefined>;
  /** The options of an option group its snapshots carry: none for a kind without option groups. */
  optionGroupOptions(rds: RDSClient, name: string): Promise<OptionInfo[] | undefined>;
  /** Whether a database of this kind has this identifier (kind detection); not-found is false, other errors are thrown. */
  exists(rds: RDSClient, identifier: string): Promise<boolean>;
}

const clusterApi: KindApi = {
  kind: 'cluster',
  databases: clusterDatabases,
  describeSource: describeClusterSource,
  // Aurora cluster snapshots carry no option group.
  optionGroupOptions: async () => [],
  exists: clusterExists
};

const instanceApi: KindApi = {
  kind: 'instance',
  databases: instanceDatabases,
  describeSource: describeInstanceSource,
  optionGroupOptions,
  exists: standaloneExists
};

const APIS: Record<DbKind, KindApi> = { cluster: clusterApi, instance: instanceApi };

export function kindApi(kind: DbKind): KindApi {
  return APIS[kind];
}
