/** What every handler gets: the world, the caller and the request's parameters. */
import type { Faults } from './faults';
import type { Principal, World } from './world';

export interface Caller {
  principal: Principal;
  /** The account the request acts in (the principal's account). */
  account: string;
}

export interface HandlerContext {
  world: World;
  /** Undefined only for unsigned calls (AssumeRoleWithWebIdentity). */
  caller?: Caller;
  requestId: string;
  faults: Faults;
  /** The call as fault injection sees it (for fail-midway checks). */
  call: { service: string; operation: string; params: Record<string, unknown> };
}
