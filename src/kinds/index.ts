/** The database kind as a seam: `kindProfile(kind)` for everything but the API calls (`kindApi` in ./api). */
import type { DbKind } from '../types';
import { clusterProfile } from './cluster';
import { instanceProfile } from './instance';
import type { KindProfile } from './profile';

export type { KindProfile } from './profile';
export { clusterProfile } from './cluster';
export { instanceProfile } from './instance';

const PROFILES: Record<DbKind, KindProfile> = { cluster: clusterProfile, instance: instanceProfile };

/** Every kind, cluster first (the order inputs and lists name them in). */
export const kindProfiles: readonly KindProfile[] = [clusterProfile, instanceProfile];

export function kindProfile(kind: DbKind): KindProfile {
  return PROFILES[kind];
}
