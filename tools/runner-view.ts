/**
 * What a person sees on GitHub, as terminal text, for `npm run demo`:
 *
 * - LogView turns a step's stdout (workflow commands and plain lines) into the
 *   job log as GitHub shows it: groups as headers with their lines indented
 *   (an empty group as a header alone; a group opened inside another closes it,
 *   since the runner does not nest groups), values registered with add-mask
 *   replaced by *** and the add-mask commands themselves hidden, annotations as
 *   `Error: <title>` / `Warning: <title>` / `Notice: <title>` lines followed by
 *   their message, debug lines only when asked for (RUNNER_DEBUG=1), and the
 *   other commands (set-output, save-state, echo, add-matcher, stop-commands)
 *   hidden as the runner hides them.
 * - summaryText turns the job summary (the HTML that @actions/core writes)
 *   into headings, paragraphs, code blocks and aligned text tables.
 */

const MARK = { open: '▾', empty: '▸' };

function decodeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function decodeProperty(s: string): string {
  return decodeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

function parseProperties(text: string | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) props[part.slice(0, eq).trim()] = decodeProperty(part.slice(eq + 1));
  }
  return props;
}

export interface LogViewOptions {
  /** Show ::debug:: lines (GitHub shows them when the run is re-run with debug logging: RUNNER_DEBUG=1). */
  debug?: boolean;
  /** Where the rendered text goes (whole lines, each ending in a newline). */
  write: (text: string) => void;
}

export class LogView {
  private readonly masks = new Set<string>();
  private partial = '';
  private group: { title: string; shown: boolean } | undefined;
  private stopToken: string | undefined;

  constructor(private readonly options: LogViewOptions) {}

  /** Values registered so far with add-mask (to mask what else the demo prints, such as outputs). */
  mask(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const m of [...this.masks].sort((a, b) => b.length - a.length)) out = out.split(m).join('***');
    return out;
  }

  /** Feed a chunk of stdout; whole lines are rendered, a trailing partial line waits for the rest. */
  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  /** End of the step: the last partial line, and the open group closes. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.closeGroup();
  }

  private out(text: string): void {
    const indent = this.group ? '  ' : '';
    if (this.group && !this.group.shown) {
      this.options.write(`${MARK.open} ${this.mask(this.group.title)}\n`);
      this.group.shown = true;
    }
    for (const l of this.mask(text).split('\n')) this.options.write(`${indent}${l}\n`);
  }

  private closeGroup(): void {
    if (this.group && !this.group.shown) this.options.write(`${MARK.empty} ${this.mask(this.group.title)}\n`);
    this.group = undefined;
  }

  private line(line: string): void {
    const m = /^::([A-Za-z0-9_-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (this.stopToken !== undefined) {
      if (m && m[1] === this.stopToken && !m[2]) this.stopToken = undefined;
      else this.out(line);
      return;
    }
    if (!m) {
      this.out(line);
      return;
    }
    const [, command, props, data] = m as unknown as [string, string, string | undefined, string];
    switch (command) {
      case 'add-mask': {
        const value = decodeData(data).trim();
        if (value) {
          this.masks.add(value);
          // A multi-line secret is masked line by line too, as the runner does.
          for (const l of value.split('\n')) if (l.trim()) this.masks.add(l.trim());
        }
        return;
      }
      case 'group':
        this.closeGroup();
        this.group = { title: decodeData(data), shown: false };
        return;
      case 'endgroup':
        this.closeGroup();
        return;
      case 'debug':
        if (this.options.debug) this.out(`Debug: ${decodeData(data)}`);
        return;
      case 'error':
      case 'warning':
      case 'notice': {
        const { title } = parseProperties(props);
        const label = command[0]!.toUpperCase() + command.slice(1);
        const message = decodeData(data);
        if (title) this.out(`${label}: ${title}\n${message.replace(/^/gm, '  ')}`);
        else this.out(`${label}: ${message}`);
        return;
      }
      case 'stop-commands':
        this.stopToken = data;
        return;
      case 'set-output':
      case 'save-state':
      case 'echo':
      case 'add-matcher':
      case 'remove-matcher':
      case 'add-path':
      case 'set-env':
        return;
      default:
        this.out(line);
    }
  }
}

/* ----------------------------------------------------------------------------------------------- */

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Inline HTML to text: <br> is a line break, other tags go. */
function inlineText(html: string): string {
  return decodeEntities(html.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '')).trim();
}

/** Wrap text to width: at spaces when it can, through long words (ARNs) when it must. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let w = word;
      if (line && line.length + 1 + w.length > width) {
        lines.push(line);
        line = '';
      }
      while (w.length > width) {
        const room = line ? width - line.length - 1 : width;
        if (room <= 0) {
          lines.push(line);
          line = '';
          continue;
        }
        lines.push(line ? `${line} ${w.slice(0, room)}` : w.slice(0, room));
        line = '';
        w = w.slice(room);
      }
      line = line ? `${line} ${w}` : w;
    }
    lines.push(line);
  }
  return lines;
}

/** Length as a terminal shows it: emoji and CJK take two columns. */
function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u2705\u274c]/u.test(ch) ? 2 : 1;
  return n;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Rows (the first is the header) as an aligned text table no wider than `width` columns. */
export function textTable(rows: string[][], width: number): string {
  const cols = Math.max(...rows.map(r => r.length));
  const cells = rows.map(r => Array.from({ length: cols }, (_, i) => r[i] ?? ''));
  const gap = 2;
  const natural = Array.from({ length: cols }, (_, i) => Math.max(1, ...cells.map(r => Math.max(...r[i]!.split('\n').map(displayWidth)))));
  const widths = [...natural];
  const minimum = (i: number) => Math.min(natural[i]!, Math.max(8, displayWidth(cells[0]![i]!)));
  // Narrow the widest column until the table fits (or nothing can narrow further).
  while (widths.reduce((a, b) => a + b, 0) + gap * (cols - 1) > width) {
    let widest = -1;
    for (let i = 0; i < cols; i++) if (widths[i]! > minimum(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
  }
  const render = (row: string[]) => {
    const wrapped = row.map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...wrapped.map(w => w.length));
    const out: string[] = [];
    for (let l = 0; l < height; l++)
      out.push(
        wrapped
          .map((w, i) => pad(w[l] ?? '', widths[i]!))
          .join(' '.repeat(gap))
          .trimEnd()
      );
    return out;
  };
  return [...render(cells[0]!), widths.map(w => '-'.repeat(w)).join(' '.repeat(gap)), ...cells.slice(1).flatMap(render)].join('\n');
}

/** The job summary (HTML as @actions/core writes it) as text: headings, paragraphs, code blocks, aligned tables. */
export function summaryText(html: string, width = 120): string {
  const blocks: string[] = [];
  const re = /<(h[1-6]|p|table|pre|details|ul|ol|blockquote|hr)\b[^>]*>([\s\S]*?)(?:<\/\1>|$)|<hr\s*\/?>|([^<]+)/gi;
  for (const m of html.matchAll(re)) {
    const [whole, tag, body = ''] = m;
    const name = tag?.toLowerCase();
    if (!name) {
      if (/^<hr/i.test(whole)) blocks.push('-'.repeat(Math.min(width, 40)));
      else if (whole.trim()) blocks.push(inlineText(whole));
      continue;
    }
    if (/^h[1-6]$/.test(name)) blocks.push(`${'#'.repeat(Number(name[1]))} ${inlineText(body)}`);
    else if (name === 'p' || name === 'blockquote') blocks.push(wrap(inlineText(body), width).join('\n'));
    else if (name === 'pre')
      blocks.push(
        decodeEntities(body.replace(/<\/?code[^>]*>/g, ''))
          .replace(/^/gm, '    ')
          .trimEnd()
      );
    else if (name === 'table') {
      const rows = [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/gi)].map(r => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/gi)].map(c => inlineText(c[1]!)));
      if (rows.length) blocks.push(textTable(rows, width));
    } else if (name === 'ul' || name === 'ol') {
      blocks.push([...body.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/gi)].map(li => `- ${inlineText(li[1]!)}`).join('\n'));
    } else blocks.push(inlineText(body));
  }
  return blocks.filter(b => b !== '').join('\n\n');
}
