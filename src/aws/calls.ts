/** Small shapes every RDS adapter repeats: "not found" as undefined, and Marker paging. */
import { isAwsError } from '../errors';

/** The answer, or undefined when RDS says what was asked about does not exist (one of `notFound`). */
export async function ifFound<T>(call: () => Promise<T>, ...notFound: string[]): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (isAwsError(e, ...notFound)) return undefined;
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
