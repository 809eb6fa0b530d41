/**
 * The AWS query protocol (STS, RDS): form-encoded requests, XML answers.
 * Answers are serialized from the SDK's own output schemas (member and list
 * element names come from the service model, not from memory).
 */
import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import type { AwsError } from '../errors';
import { common } from '../errors';

export type QueryParams = Map<string, string>;

export function parseForm(body: string): QueryParams {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return params;
}

/** Typed access to the flattened query parameters of one request. */
export class Params {
  constructor(readonly raw: QueryParams) {}
  str(name: string): string | undefined {
    return this.raw.get(name);
  }
  required(name: string): string {
    const v = this.raw.get(name);
    if (v === undefined || v === '') throw common.missingParameter(name);
    return v;
  }
  bool(name: string): boolean | undefined {
    const v = this.raw.get(name);
    if (v === undefined) return undefined;
    return v.toLowerCase() === 'true';
  }
  int(name: string): number | undefined {
    const v = this.raw.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw common.invalidParameterValue(`Invalid value ${v} for ${name}`);
    return n;
  }
  /** A list of strings: `Name.member.N` or `Name.ElementName.N`. */
  list(name: string): string[] | undefined {
    const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(?:[A-Za-z]+\\.)?(\\d+)$`);
    const found: [number, string][] = [];
    for (const [k, v] of this.raw) {
      const m = re.exec(k);
      if (m) found.push([Number(m[1]), v]);
    }
    if (found.length === 0) return this.raw.has(name) ? [] : undefined;
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
  /** A list of structures: `Name.Element.N.Field` or `Name.member.N.Field`. */
  structs(name: string): Record<string, string>[] | undefined {
    const re = new RegExp(`^${name}\\.(?:[A-Za-z]+\\.)?(\\d+)\\.([A-Za-z]+)$`);
    const byIndex = new Map<number, Record<string, string>>();
    for (const [k, v] of this.raw) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      const entry = byIndex.get(i) ?? {};
      entry[m[2]!] = v;
      byIndex.set(i, entry);
    }
    if (byIndex.size === 0) return undefined;
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }
  tags(name = 'Tags'): { Key: string; Value: string }[] | undefined {
    return this.structs(name)?.map(t => ({ Key: t['Key'] ?? '', Value: t['Value'] ?? '' }));
  }
  filters(): { Name: string; Values: string[] }[] {
    const out: { Name: string; Values: string[] }[] = [];
    for (let i = 1; ; i++) {
      const prefixes = [`Filters.Filter.${i}`, `Filters.member.${i}`];
      const prefix = prefixes.find(p => this.raw.has(`${p}.Name`));
      if (!prefix) break;
      out.push({ Name: this.raw.get(`${prefix}.Name`)!, Values: this.list(`${prefix}.Values`) ?? [] });
    }
    return out;
  }
}

/** Operation schema as the SDK exports it: [9, namespace, name, traits, input, output]. */
type OperationSchema = [number, string, string, unknown, unknown, unknown];

const xmlns: Record<string, string> = {
  rds: 'http://rds.amazonaws.com/doc/2014-10-31/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/'
};

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `<OpResponse><OpResult>...</OpResult><ResponseMetadata>...` built from the model's output schema. */
export function queryResponse(service: 'rds' | 'sts', model: Record<string, unknown>, operation: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const op = model[`${operation}$`] as OperationSchema | undefined;
  if (!op) throw new Error(`emulator bug: no schema for ${service}:${operation}`);
  let inner = '';
  // The output schema: a schema array, a lazy reference (a function, in the CommonJS build), or the unit (empty) schema.
  const outputSchema: unknown = typeof op[5] === 'function' ? (op[5] as () => unknown)() : op[5];
  const isUnit = outputSchema == null || outputSchema === 'unit' || (Array.isArray(outputSchema) && outputSchema.length === 0);
  if (output && !isUnit) {
    const serializer = new XmlShapeSerializer({
      serviceNamespace: service,
      timestampFormat: { useTrait: true, default: 5 }
    } as ConstructorParameters<typeof XmlShapeSerializer>[0]);
    serializer.write(outputSchema as never, output);
    const xml = String(serializer.flush());
    // Strip the structure's own root element: the query protocol wraps members in <OpResult>.
    const m = /^<([A-Za-z0-9_]+)[^>]*?(\/>|>)([\s\S]*)$/.exec(xml);
    if (m && m[2] === '>') inner = m[3]!.slice(0, m[3]!.length - `</${m[1]}>`.length);
  }
  const result = inner ? `<${operation}Result>${inner}</${operation}Result>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlns[service]}">` + `${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

export function queryError(error: AwsError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${error.type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
