/** Small shapes every RDS adapter repeats: "not found" as undefined, and Marker paging. */
import { isFault, type FaultName } from '../errors';

/** The answer, or undefined when RDS says what was asked about does not exist (one of `notFound`). */
export async function ifFound<T>(call: () => Promise<T>, ...notFound: FaultName[]): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (isFault(e, notFound)) return undefined;
    throw e;
  }
}

/** Every item of a Marker-paged Describe call, page after page. */
export async function allPages<T>(page: (marker: string | undefined) => Promise<{ items: T[]; marker?: string }>): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const out = await page(marker);
    all.push(...out.items);
    marker = out.marker;
  } while (marker);
  return all;
}

const OPERATION_MIDDLEWARE = 'rcasNameFailedOperation';

/** The AWS operation a failed SDK call was (`RestoreDBClusterFromSnapshot`), stamped by `nameFailedOperations`. */
export function failedOperation(e: unknown): string | undefined {
  const op = (e as { rcasOperation?: unknown } | undefined)?.rcasOperation;
  return typeof op === 'string' ? op : undefined;
}

interface WithMiddleware {
  middlewareStack: {
    add(mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>, options: { step: 'initialize'; name: string }): void;
    identify(): string[];
  };
}

/** Stamp every error a client's call ends in with the operation's name, so an annotation can name it. Idempotent. */
export function nameFailedOperations(client: unknown): void {
  const c = client as WithMiddleware;
  if (!c?.middlewareStack || c.middlewareStack.identify().some(n => n.startsWith(OPERATION_MIDDLEWARE))) return;
  c.middlewareStack.add(
    (next, context) => async args => {
      try {
        return await next(args);
      } catch (e) {
        if (e && typeof e === 'object' && !('rcasOperation' in e)) {
          Object.defineProperty(e, 'rcasOperation', { value: (context.commandName ?? '').replace(/Command$/, ''), enumerable: false });
        }
        throw e;
      }
    },
    { step: 'initialize', name: OPERATION_MIDDLEWARE }
  );
}
