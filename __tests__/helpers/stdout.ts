/**
 * The action logs through @actions/core, which writes workflow commands and log lines straight to
 * process.stdout (not console), so jest neither captures nor hides them. These keep a test file's
 * output to jest's own, and let a test read what the action printed.
 */
import { afterEach, beforeEach, jest } from '@jest/globals';

/** Silence and capture the workflow commands @actions/core writes to stdout (until jest.restoreAllMocks()). */
export function captureStdout(): string[] {
  const out: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  return out;
}

/** For a whole test file: every test runs with stdout silenced, and the spy is removed after it. */
export function quietStdout(): void {
  let spy: { mockRestore(): void } | undefined;
  beforeEach(() => {
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    spy?.mockRestore();
  });
}
