/**
 * tools/runner-view.ts: the job log and summary as GitHub shows them, which
 * `npm run demo` prints. The summary HTML is written by @actions/core itself.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { LogView, summaryText, textTable, wrap } from '../../tools/runner-view';

function render(raw: string, opts: { debug?: boolean; chunk?: number } = {}): string {
  let out = '';
  const view = new LogView({ debug: opts.debug, write: t => (out += t) });
  const size = opts.chunk ?? raw.length;
  for (let i = 0; i < raw.length; i += size) view.push(raw.slice(i, i + size));
  view.end();
  return out;
}

describe('LogView', () => {
  const raw =
    [
      '::add-mask::s3cr3t-value',
      '::group::Credentials',
      'token is s3cr3t-value here',
      '::debug::probing http://127.0.0.1',
      '::endgroup::',
      '::group::Plan: source',
      '::endgroup::',
      '::group::Restore',
      '::add-mask::pw-1%0Apw-2-line',
      'reset to pw-1 then pw-2-line',
      '::error title=Key policy%3A staging not admitted,file=x.ts::The key s3cr3t-value%0AFix%3A add the statement',
      '::warning::plain warning',
      '::set-output name=x::y',
      '::save-state name=s::z',
      '::endgroup::',
      'done'
    ].join('\n') + '\n';

  it('shows groups as headers, an empty one alone, masks values and hides the mask commands', () => {
    expect(render(raw)).toBe(
      [
        '▾ Credentials',
        '  token is *** here',
        '▸ Plan: source',
        '▾ Restore',
        '  reset to *** then ***',
        '  Error: Key policy: staging not admitted',
        '    The key ***',
        '    Fix%3A add the statement',
        '  Warning: plain warning',
        'done',
        ''
      ].join('\n')
    );
  });

  it('renders the same whatever the chunks stdout arrives in', () => {
    expect(render(raw, { chunk: 7 })).toBe(render(raw));
  });

  it('shows debug lines only when asked (RUNNER_DEBUG=1)', () => {
    expect(render(raw)).not.toContain('probing');
    expect(render(raw, { debug: true })).toContain('  Debug: probing http://127.0.0.1\n');
  });

  it('closes a group when another opens inside it, as the runner does not nest them', () => {
    expect(render('::group::Outer\na\n::group::Inner\nb\n::endgroup::\nc\n')).toBe('▾ Outer\n  a\n▾ Inner\n  b\nc\n');
  });

  it('prints commands literally between stop-commands and its token', () => {
    expect(render('::stop-commands::tok1\n::error::not an annotation\n::tok1::\n::error::one\n')).toBe('::error::not an annotation\nError: one\n');
  });

  it('masks the longest secret whole, and what the demo prints after the log', () => {
    const view = new LogView({ write: () => undefined });
    view.push('::add-mask::abc\n::add-mask::abcdef\n');
    expect(view.mask('x abcdef y abc')).toBe('x *** y ***');
  });
});

describe('summaryText', () => {
  it('turns the summary @actions/core writes into headings, paragraphs, aligned tables and code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    const file = join(dir, 'summary');
    writeFileSync(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      await core.summary
        .addHeading('RDS cross-account sync', 2)
        .addRaw('<p><b>✅ Succeeded</b> in 12 s &amp; done</p>', true)
        .addTable([
          [
            { data: 'Step', header: true },
            { data: 'Result', header: true },
            { data: 'Detail', header: true }
          ],
          ['Credentials', 'ok', 'source 111111111111 (oidc)'],
          ['Restore', 'ok', `from arn:aws:kms:ap-northeast-1:111111111111:key/${'0'.repeat(36)} &lt;x&gt;`]
        ])
        .addCodeBlock('{\n  "a": 1\n}', 'json')
        .write();
      const html = readFileSync(file, 'utf8');
      const text = summaryText(html, 60);
      const lines = text.split('\n');
      expect(lines[0]).toBe('## RDS cross-account sync');
      expect(text).toContain('✅ Succeeded in 12 s & done');
      expect(text).not.toMatch(/<\/?(h2|p|b|table|tr|th|td|pre|code)\b/);
      const header = lines.findIndex(l => l.startsWith('Step'));
      expect(lines[header + 1]).toMatch(/^-+ {2}-+ {2}-+$/);
      // Columns line up: every row's Result starts where the header's does.
      const col = lines[header]!.indexOf('Result');
      expect(lines[header + 2]!.slice(col, col + 2)).toBe('ok');
      expect(lines[header + 3]!.slice(col, col + 2)).toBe('ok');
      // Nothing is wider than asked: the ARN wraps inside its column.
      for (const l of lines.slice(header, header + 6)) expect(l.length).toBeLessThanOrEqual(60);
      expect(text.replace(/\s+/g, '')).toContain(`key/${'0'.repeat(36)}<x>`);
      expect(text).toContain('    {\n      "a": 1\n    }');
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('wraps at spaces, and through words longer than the width', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('x ' + 'y'.repeat(10), 5)).toEqual(['x', 'yyyyy', 'yyyyy']);
    expect(wrap('ab ' + 'y'.repeat(12), 5)).toEqual(['ab', 'yyyyy', 'yyyyy', 'yy']);
    expect(
      textTable(
        [
          ['A', 'B'],
          ['1', '22']
        ],
        80
      )
    ).toBe('A  B\n-  --\n1  22');
  });
});
