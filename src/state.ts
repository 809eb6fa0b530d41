/**
 * The one typed record saved for the post step. It is written as soon as
 * something exists that would need cleaning up, and rewritten as the run goes.
 * The post step reads it after a cancelled, failed or timed-out run.
 */
import * as core from '@actions/core';

export interface RunState {
  /** Set when the main step finished (successfully or not, but with its own clean-up done). */
  finished?: boolean;
  runId?: string;
  region?: string;
  sourceRoleArn?: string;
  targetRoleArn?: string;
  /** Source account: a snapshot copy this run started (deleted by cleanup when the run did not finish). */
  sourceCopy?: { identifier: string; kind: 'cluster' | 'instance'; createdByThisRun: boolean };
  /** The kind of database the run refreshes, so the post step uses the same adapter even when the kind was detected. */
  kind?: 'cluster' | 'instance';
  /** Target account (RDS DB instances): the copy of the shared snapshot under the staging key, deleted after the restore. */
  targetCopy?: { identifier: string; kind: 'cluster' | 'instance'; createdByThisRun: boolean };
  /** Target account: the temporary database restored by this run, not yet swapped in. */
  restored?: { identifier: string; kind: 'cluster' | 'instance'; instances?: string[] };
  /** Target account: a swap in progress: the old database's temporary name and its real name. */
  swap?: { target: string; parkedAs?: string; phase: 'parking' | 'parked' | 'promoting' | 'promoted' | 'done' };
  /** Target account: this run turned off the old staging cluster's deletion protection (to turn it back on in a rollback). */
  swapProtection?: boolean;
  /** Source account: a manual snapshot this run took (snapshot: new). */
  sourceSnapshot?: { identifier: string; kind: 'cluster' | 'instance'; createdByThisRun: boolean };
  /** Target account: a lock tag this run holds. */
  lock?: { resourceArn: string; key: string; value: string };
  /** Free-form additions by later steps. */
  [extra: string]: unknown;
}

const KEY = 'run';
const POST_KEY = 'isPost';

export class StateStore {
  private state: RunState;

  constructor(initial: RunState = {}) {
    this.state = { ...initial };
  }

  get(): Readonly<RunState> {
    return this.state;
  }

  /** Merge and persist at once, so a cancellation one moment later still finds it. */
  update(patch: Partial<RunState>): void {
    this.state = { ...this.state, ...patch };
    core.saveState(KEY, JSON.stringify(this.state));
  }

  static load(): StateStore {
    const raw = core.getState(KEY);
    if (!raw) return new StateStore();
    try {
      return new StateStore(JSON.parse(raw) as RunState);
    } catch {
      core.warning('The saved state of the main step could not be read; the post step does nothing.');
      return new StateStore();
    }
  }
}

/** The main step marks itself so the same bundle knows, when run again as `post:`, that it is the post step. */
export function markMainStarted(): void {
  core.saveState(POST_KEY, 'true');
}

export function isPostStep(): boolean {
  return core.getState(POST_KEY) === 'true';
}
