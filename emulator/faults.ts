/**
 * Fault injection: throttling, 5xx, a given error the Nth time a call is made,
 * a long operation (copy, restore, snapshot) that ends in status `failed`, or
 * a call held (`pause`) until the test releases it, to interleave runs deterministically.
 */
import { AwsError, common, rdsFault } from './errors';

export type FaultKind = 'throttle' | 'internal' | 'unavailable' | 'error' | 'fail-midway' | 'fail-after' | 'pause' | 'hang';

export interface FaultSpec {
  /** Operation name (`CopyDBClusterSnapshot`) or service-qualified (`rds:CopyDBClusterSnapshot`). */
  operation: string;
  kind: FaultKind;
  /** For kind `error`: the error code (an RDS model fault name like DBClusterNotFoundFault, or a wire code). */
  code?: string;
  message?: string;
  status?: number;
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Let this many matching calls through first (the (after+1)th call is the first to fail). Default 0. */
  after?: number;
  /**
   * Only calls whose parameters have these values (e.g. { NewDBClusterIdentifier: app-staging });
   * `'*'` = the parameter is given, with any value (a list parameter counts when any member is).
   */
  match?: Record<string, string>;
  /** Only calls made in this account. */
  account?: string;
  /**
   * For kind `pause`: the gate's name (default: the operation). The call waits until `release(name)`, then runs as usual.
   * For kind `hang`: the gate its answer waits at (default: the operation).
   */
  name?: string;
  /** For kind `fail-midway`: the status the resource ends in (default `failed`; e.g. `inaccessible-encryption-credentials` for a restore). */
  endsIn?: string;
}

/** A gate that `pause` faults hold calls at. */
interface Gate {
  released: boolean;
  held: number;
  waiting: Array<() => void>;
  arrivals: Array<() => void>;
}

interface ActiveFault extends FaultSpec {
  seen: number;
  fired: number;
}

export interface CallInfo {
  service: string;
  operation: string;
  params: Record<string, unknown>;
  account?: string;
  json: boolean;
}

export class Faults {
  private readonly active: ActiveFault[] = [];
  private readonly gates = new Map<string, Gate>();

  add(spec: FaultSpec): void {
    const kinds: FaultKind[] = ['throttle', 'internal', 'unavailable', 'error', 'fail-midway', 'fail-after', 'pause', 'hang'];
    if (!spec || typeof spec.operation !== 'string' || !kinds.includes(spec.kind)) {
      throw new Error(`a fault needs "operation" and "kind" (one of ${kinds.join(', ')}): ${JSON.stringify(spec)}`);
    }
    if ((spec.kind === 'error' || spec.kind === 'fail-after') && !spec.code) throw new Error(`a fault of kind "${spec.kind}" needs "code": ${JSON.stringify(spec)}`);
    this.active.push({ ...spec, seen: 0, fired: 0 });
  }

  list(): ActiveFault[] {
    return this.active.map(f => ({ ...f }));
  }

  private take(call: CallInfo, kinds: FaultKind[]): ActiveFault | undefined {
    for (const fault of this.active) {
      if (!kinds.includes(fault.kind)) continue;
      const [svc, op] = fault.operation.includes(':') ? fault.operation.split(':', 2) : [undefined, fault.operation];
      if (op !== call.operation || (svc && svc !== call.service)) continue;
      if (fault.account && fault.account !== call.account) continue;
      if (fault.match && !Object.entries(fault.match).every(([k, v]) => (v === '*' ? isGiven(call.params, k) : String(call.params[k] ?? '') === v))) continue;
      fault.seen++;
      if (fault.seen <= (fault.after ?? 0) || fault.fired >= (fault.times ?? 1)) continue;
      fault.fired++;
      return fault;
    }
    return undefined;
  }

  /** The error to answer this call with instead of running it, if a fault fires. */
  onCall(call: CallInfo): AwsError | undefined {
    const fault = this.take(call, ['throttle', 'internal', 'unavailable', 'error']);
    if (!fault) return undefined;
    switch (fault.kind) {
      case 'throttle':
        return common.throttling(call.json);
      case 'internal':
        if (call.service === 'secretsmanager') return new AwsError('InternalServiceError', fault.message ?? 'An error occurred on the server side.', 500);
        return call.json ? new AwsError('KMSInternalException', fault.message ?? 'An internal error has occurred.', 500) : common.internalFailure();
      case 'unavailable':
        return new AwsError('ServiceUnavailable', fault.message ?? 'Service is unavailable. Please try again later.', 503);
      default: {
        const message = fault.message ?? `Injected fault: ${fault.code}`;
        if (call.service === 'rds') {
          try {
            return rdsFault(fault.code!, message);
          } catch {
            /* not a model fault name: use the code as given */
          }
        }
        return new AwsError(fault.code!, message, fault.status ?? 400);
      }
    }
  }

  /**
   * kind `fail-after`: the call is carried out, then answered with this error instead of its result
   * (a response lost after the service acted: a retry must find what the first attempt did).
   */
  afterCall(call: CallInfo): AwsError | undefined {
    const fault = this.take(call, ['fail-after']);
    if (!fault) return undefined;
    return new AwsError(fault.code!, fault.message ?? `Injected fault after the call: ${fault.code}`, fault.status ?? 500);
  }

  private gate(name: string): Gate {
    let g = this.gates.get(name);
    if (!g) this.gates.set(name, (g = { released: false, held: 0, waiting: [], arrivals: [] }));
    return g;
  }

  /** Hold this call while a `pause` fault matches it and its gate is closed (resolves at once otherwise). */
  async hold(call: CallInfo): Promise<void> {
    const fault = this.take(call, ['pause']);
    if (fault) await this.waitAtGate(fault.name ?? fault.operation);
  }

  /**
   * kind `hang`: the call was carried out; its answer is held at the gate (default: the operation) until
   * released, which a test may never do: a job killed while it waited for the answer. `paused(name)` resolves
   * once an answer is held.
   */
  async hang(call: CallInfo): Promise<void> {
    const fault = this.take(call, ['hang']);
    if (fault) await this.waitAtGate(fault.name ?? fault.operation);
  }

  /** Waits at the gate `name` until it is released (at once when it was). */
  private async waitAtGate(name: string): Promise<void> {
    const g = this.gate(name);
    g.held++;
    for (const arrived of g.arrivals.splice(0)) arrived();
    if (!g.released) await new Promise<void>(resolve => g.waiting.push(resolve));
  }

  /** Resolves once a call is held at the gate `name` (at once when one already was). */
  paused(name: string): Promise<void> {
    const g = this.gate(name);
    return g.held > 0 ? Promise.resolve() : new Promise<void>(resolve => g.arrivals.push(resolve));
  }

  /** Let every call held at the gate `name` through, and any later one that a pause fault of that name catches. */
  release(name: string): void {
    const g = this.gate(name);
    g.released = true;
    for (const go of g.waiting.splice(0)) go();
  }

  /** Release every gate (the emulator closes). */
  releaseAll(): void {
    for (const name of this.gates.keys()) this.release(name);
  }

  /** True when this long-running call should end in status `failed`. */
  failsMidway(call: CallInfo): boolean {
    return this.endsMidway(call) !== undefined;
  }

  /** The status this long-running call ends in instead of `available`, when a `fail-midway` fault fires. */
  endsMidway(call: CallInfo): string | undefined {
    const fault = this.take(call, ['fail-midway']);
    return fault ? (fault.endsIn ?? 'failed') : undefined;
  }
}

/** A parameter is given: by its name (JSON, query scalars) or as members of a query list (`Name.Member.1`). */
function isGiven(params: Record<string, unknown>, name: string): boolean {
  return params[name] !== undefined || Object.keys(params).some(k => k.startsWith(`${name}.`));
}
