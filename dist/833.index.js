export const id = 833;
export const ids = [833];
export const modules = {

/***/ 3833:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  MaskingRulesError: () => (/* reexport */ masking_rules/* MaskingRulesError */.Sc),
  MaskingVetoError: () => (/* reexport */ MaskingVetoError),
  TRANSFORMS: () => (/* reexport */ masking_rules/* TRANSFORMS */.MB),
  enableDataApi: () => (/* reexport */ enableDataApi),
  loadRules: () => (/* reexport */ masking_rules/* loadRules */.A7),
  parseRules: () => (/* reexport */ masking_rules/* parseRules */.NR),
  runMasking: () => (/* binding */ runMasking)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 16 modules
var core = __webpack_require__(2286);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/masking/keys.ts
/**
 * The masking salt turned into HMAC-SHA256 pads. The database computes
 * HMAC(salt, value) = SHA256(opad || SHA256(ipad || value)) with its builtin
 * SHA-256 (PostgreSQL 11+ `sha256(bytea)`, MySQL/MariaDB `SHA2`): no pgcrypto,
 * no superuser. The pads are as secret as the salt: they travel only as bound
 * parameters, never inside SQL text.
 */

const BLOCK = 64;
function hmacPads(salt) {
    if (!salt)
        throw new Error('masking-salt is empty: masking needs a secret salt to be deterministic.');
    let key = Buffer.from(salt, 'utf8');
    if (key.length > BLOCK)
        key = (0,external_node_crypto_.createHash)('sha256').update(key).digest();
    const padded = Buffer.alloc(BLOCK);
    key.copy(padded);
    const inner = Buffer.alloc(BLOCK);
    const outer = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
        inner[i] = padded[i] ^ 0x36;
        outer[i] = padded[i] ^ 0x5c;
    }
    return { innerHex: inner.toString('hex'), outerHex: outer.toString('hex') };
}

// EXTERNAL MODULE: ./src/masking/rules.ts
var masking_rules = __webpack_require__(1627);
;// CONCATENATED MODULE: ./src/masking/dictionaries.ts
/**
 * Fixed lists the name, kana and address transforms pick from, indexed by the
 * HMAC of the original value. Changing a list changes every masked value:
 * treat these as part of the masking format. Every entry is plain text
 * without quotes so it can be inlined as an SQL literal.
 */
const FAMILY_JA = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田', '佐々木', '山口', '松本', '井上', '木村', '林', '斎藤', '清水', '山崎', '森', '池田', '橋本', '阿部', '石川', '山下', '中島', '石井', '小川', '前田', '岡田'];
const GIVEN_JA = ['翔', '蓮', '大翔', '陽翔', '悠真', '湊', '樹', '大和', '陽菜', '結衣', '葵', '凛', '美咲', 'さくら', '花子', '太郎', '健', '誠', '愛', '優', '恵', '彩', '直樹', '拓海', '真央', '千尋', '結菜', '颯太', '奏', '芽衣', '悠人', '美優'];
const FAMILY_KANA = ['サトウ', 'スズキ', 'タカハシ', 'タナカ', 'イトウ', 'ワタナベ', 'ヤマモト', 'ナカムラ', 'コバヤシ', 'カトウ', 'ヨシダ', 'ヤマダ', 'ササキ', 'ヤマグチ', 'マツモト', 'イノウエ', 'キムラ', 'ハヤシ', 'サイトウ', 'シミズ', 'ヤマザキ', 'モリ', 'イケダ', 'ハシモト', 'アベ', 'イシカワ', 'ヤマシタ', 'ナカジマ', 'イシイ', 'オガワ', 'マエダ', 'オカダ'];
const GIVEN_KANA = ['ショウ', 'レン', 'ヒロト', 'ハルト', 'ユウマ', 'ミナト', 'イツキ', 'ヤマト', 'ヒナ', 'ユイ', 'アオイ', 'リン', 'ミサキ', 'サクラ', 'ハナコ', 'タロウ', 'ケン', 'マコト', 'アイ', 'ユウ', 'メグミ', 'アヤ', 'ナオキ', 'タクミ', 'マオ', 'チヒロ', 'ユナ', 'ソウタ', 'カナデ', 'メイ', 'ユウト', 'ミユ'];
const FAMILY_LATIN = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martin', 'Lee', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright'];
const GIVEN_LATIN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Morgan', 'Riley', 'Jamie', 'Avery', 'Quinn', 'Robin', 'Drew', 'Kim', 'Lee', 'Pat', 'Sky'];
const PREFECTURES = ['東京都', '大阪府', '京都府', '北海道', '神奈川県', '愛知県', '福岡県', '兵庫県', '埼玉県', '千葉県', '静岡県', '広島県', '宮城県', '新潟県', '長野県', '沖縄県'];
const TOWNS = ['架空市中央', '仮名市本町', '見本市緑町', '試験市栄町', '例示市旭町', '模擬市若葉', '匿名市桜台', '代替市港町'];
/** Longest entry (in characters) of a list: the schema check compares it with varchar(n). */
function longest(list) {
    return Math.max(...list.map(s => [...s].length));
}

;// CONCATENATED MODULE: ./src/masking/sql/dialect.ts

/** The SQL expression of the masked value of column `c` (quoted), or undefined for keep. */
function maskExpression(c, col, t, parts) {
    switch (t.kind) {
        case 'keep':
            return undefined;
        case 'null':
            return 'NULL';
        case 'constant':
            if (t.value === null)
                return 'NULL';
            if (typeof t.value === 'boolean')
                return t.value ? 'TRUE' : 'FALSE';
            return parts.literal(t.value);
        case 'date-shift':
            return parts.dateShift(c, col, t.days);
        default:
            return parts.text(c, t);
    }
}
/** Longest output, in characters, of a text transform (for varchar(n) checks); undefined when not text or unbounded. */
function maxOutputLength(t) {
    switch (t.kind) {
        case 'email': return 1 + 32 + 1 + t.domain.length;
        case 'hash': return t.length;
        case 'name': return t.style === 'latin' ? longest(GIVEN_LATIN) + 1 + longest(FAMILY_LATIN) : longest(FAMILY_JA) + 1 + longest(GIVEN_JA);
        case 'name-kana': return longest(FAMILY_KANA) + 1 + longest(GIVEN_KANA);
        case 'phone': return 13;
        case 'postal-code': return 8;
        case 'address': return longest(PREFECTURES) + longest(TOWNS) + 7;
        case 'constant': return t.value === null ? undefined : String(t.value).length;
        default: return undefined;
    }
}
/** Name lists as SQL string literals (their entries carry no quote characters). */
function literalList(list) {
    for (const s of list)
        if (/['"\\`]/.test(s))
            throw new Error(`dictionary entry ${JSON.stringify(s)} has a quote character`);
    return list.map(s => `'${s}'`).join(',');
}

;// CONCATENATED MODULE: ./src/masking/schema.ts


const tableKey = (schema, table) => `${schema}.${table}`;
async function readSchema(ex, dialect) {
    const def = await ex.query(dialect.defaultSchemaQuery);
    const defaultSchema = String(def.rows[0]?.s ?? (dialect.engine === 'postgres' ? 'public' : ''));
    const r = await ex.query(dialect.catalogQuery);
    const byKey = new Map();
    for (const row of r.rows) {
        const schema = String(row.table_schema);
        const table = String(row.table_name);
        const key = tableKey(schema, table);
        let t = byKey.get(key);
        if (!t)
            byKey.set(key, (t = { schema, table, columns: [] }));
        const max = row.character_maximum_length;
        t.columns.push({
            schema,
            table,
            column: String(row.column_name),
            dataType: String(row.data_type).toLowerCase(),
            udtName: String(row.udt_name ?? row.data_type).toLowerCase(),
            maxLength: max === null || max === undefined ? null : Number(max),
            nullable: String(row.is_nullable).toUpperCase() === 'YES'
        });
    }
    return { defaultSchema, tables: [...byKey.values()] };
}
/** Find a table named in the rules: exact name first, then a unique case-insensitive match (MySQL, unquoted PostgreSQL names). */
function findTable(schema, ref) {
    const wantSchema = ref.schema ?? schema.defaultSchema;
    const exact = schema.tables.find(t => t.schema === wantSchema && t.table === ref.table);
    if (exact)
        return exact;
    const folded = schema.tables.filter(t => t.schema.toLowerCase() === wantSchema.toLowerCase() && t.table.toLowerCase() === ref.table.toLowerCase());
    if (folded.length === 1)
        return folded[0];
    const elsewhere = schema.tables.filter(t => t.table.toLowerCase() === ref.table.toLowerCase()).map(t => tableKey(t.schema, t.table));
    return `table ${ref.display}: not found in schema ${wantSchema} of the restored database${elsewhere.length ? ` (found ${elsewhere.join(', ')}: qualify the name)` : ''}.`;
}
function findColumn(t, name) {
    return t.columns.find(c => c.column === name) ?? t.columns.find(c => c.column.toLowerCase() === name.toLowerCase());
}
const TEXT_KINDS = new Set(['email', 'name', 'name-kana', 'phone', 'address', 'postal-code', 'hash']);
function checkColumn(dialect, where, col, t) {
    if (TEXT_KINDS.has(t.kind) && !dialect.isText(col))
        return `${where}: ${t.kind} writes text but the column is ${col.dataType}; use null, constant or keep, or hash a text column.`;
    if (t.kind === 'date-shift' && !dialect.isDate(col))
        return `${where}: date-shift needs a date or timestamp column; the column is ${col.dataType}.`;
    if ((t.kind === 'null' || (t.kind === 'constant' && t.value === null)) && !col.nullable)
        return `${where}: the column is NOT NULL; use constant with a value, or another transform.`;
    const max = maxOutputLength(t);
    if (max !== undefined && col.maxLength !== null && dialect.isText(col) && max > col.maxLength)
        return `${where}: masked values are up to ${max} characters but the column holds ${col.maxLength}${t.kind === 'email' ? '; use a shorter domain' : t.kind === 'hash' ? `; set { transform: hash, length: ${Math.min(col.maxLength, 64)} }` : ''}.`;
    return undefined;
}
/** Check the rules against the schema and build the statements. Pure: the same rules and schema give the same plan. */
function planMasking(rules, schema, dialect) {
    const problems = [];
    const ruled = new Set();
    const truncated = new Set();
    const truncate = [];
    for (const ref of rules.truncate) {
        const t = findTable(schema, ref);
        if (typeof t === 'string')
            problems.push(`truncate: ${t}`);
        else {
            truncate.push(t);
            truncated.add(tableKey(t.schema, t.table));
        }
    }
    const tables = [];
    const planned = new Map();
    for (const rule of rules.tables) {
        const t = findTable(schema, rule.table);
        if (typeof t === 'string') {
            problems.push(t);
            continue;
        }
        const key = tableKey(t.schema, t.table);
        if (planned.has(key))
            problems.push(`table ${rule.table.display}: the same table as ${planned.get(key)}; merge the two.`);
        planned.set(key, rule.table.display);
        if (truncated.has(key))
            problems.push(`table ${rule.table.display}: also truncated; remove its column rules.`);
        const columns = [];
        for (const cr of rule.columns) {
            const where = `table ${rule.table.display}, column ${cr.column}`;
            const col = findColumn(t, cr.column);
            if (!col) {
                problems.push(`${where}: no such column (columns: ${t.columns.map(c => c.column).join(', ')}).`);
                continue;
            }
            ruled.add(`${key}.${col.column}`);
            const problem = checkColumn(dialect, where, col, cr.transform);
            if (problem) {
                problems.push(problem);
                continue;
            }
            columns.push({ column: col, transform: cr.transform, expression: dialect.expression(col, cr.transform) });
        }
        const sets = columns.filter(c => c.expression !== undefined);
        const unique = sets.filter(c => (0,masking_rules/* isInjective */.c_)(c.transform)).map(c => c.column);
        tables.push({
            schema: t.schema,
            table: t.table,
            display: rule.table.display,
            columns,
            update: sets.length ? `UPDATE ${dialect.table(t.schema, t.table)} SET ${sets.map(c => `${dialect.ident(c.column.column)} = ${c.expression}`).join(',\n  ')}` : undefined,
            unique,
            distinctQuery: unique.length
                ? `SELECT ${unique.map((c, i) => `COUNT(DISTINCT ${dialect.ident(c.column)}) AS d${i}`).join(', ')} FROM ${dialect.table(t.schema, t.table)}`
                : undefined
        });
    }
    return { truncate, tables, ruled, truncated, problems };
}

;// CONCATENATED MODULE: ./src/masking/scanner.ts

/** The rule the message proposes for each kind. */
const SUGGESTED = {
    email: 'email',
    'name-kana': 'name-kana',
    name: 'name',
    phone: 'phone',
    'ip-address': 'null',
    address: 'address',
    'postal-code': 'postal-code',
    'birth-date': '{ transform: date-shift, days: 180 }',
    'card-number': 'null'
};
/** Split snake_case, kebab-case and camelCase into lower-case words. */
function words(name) {
    return name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
}
const PERSON_TABLE = /(user|customer|member|employee|staff|contact|person|people|account|client|patient|student|applicant|profile|guest|subscriber)/i;
/** What the column's name says, if anything. Order matters: ip_address is an IP, email_address an email. */
function kindFromName(column, table, dataType = 'text') {
    const w = words(column);
    const joined = w.join('_');
    const has = (...xs) => xs.some(x => w.includes(x));
    if (has('email', 'mail', 'emailaddress', 'mailaddress') || /e_?mail/.test(joined))
        return 'email';
    if (has('kana', 'furigana', 'yomi', 'yomigana', 'katakana', 'hiragana') || /kana$/.test(joined))
        return 'name-kana';
    if (has('ip', 'ipaddr', 'ipv4', 'ipv6', 'ipaddress') || joined === 'remote_addr' || joined === 'client_addr')
        return 'ip-address';
    if (has('phone', 'tel', 'telephone', 'mobile', 'cell', 'cellphone', 'fax', 'keitai', 'denwa', 'phonenumber') || /phone/.test(joined))
        return 'phone';
    if (has('zip', 'zipcode', 'postal', 'postcode', 'postalcode', 'yubin', 'yuubin'))
        return 'postal-code';
    if (has('birth', 'birthday', 'birthdate', 'dob', 'born', 'tanjobi', 'seinengappi') || /birth/.test(joined))
        return 'birth-date';
    if ((has('card', 'cc', 'credit') && has('number', 'no', 'num', 'pan')) || has('pan', 'ccnumber', 'cardnumber', 'creditcard'))
        return 'card-number';
    if (has('address', 'addr', 'street', 'jusho', 'juusho', 'juusyo', 'jyusho') || /address/.test(joined))
        return 'address';
    if (/^(date|timestamp)/.test(dataType) && has('birth'))
        return 'birth-date';
    if (has('firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'surname', 'fname', 'lname', 'shimei', 'simei', 'namae', 'seimei', 'myoji', 'myouji') ||
        (w.includes('name') && w.some(x => ['first', 'last', 'full', 'given', 'family', 'middle', 'maiden', 'real', 'legal', 'contact', 'customer', 'person', 'display', 'billing', 'shipping', 'recipient', 'sei', 'mei'].includes(x))) ||
        (joined === 'name' && PERSON_TABLE.test(table)))
        return 'name';
    return undefined;
}
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;
const PHONE = /^(\+\d{1,3}[\s-]?)?\(?0?\d{1,4}\)?[\s-]?\d{1,4}[\s-]?\d{3,4}$/;
const POSTAL_JP = /^〒?\s?\d{3}-\d{4}$/;
const KANA = /^[\u3041-\u3096\u30a1-\u30fa\u30fc\uff66-\uff9f\s\u3000・]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$/i;
const CARD = /^\d{4}([\s-]?\d{4}){2}[\s-]?\d{1,7}$/;
function luhn(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
        let d = Number(digits[digits.length - 1 - i]);
        if (i % 2 === 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 === 0;
}
function valueKindOf(v) {
    const s = v.trim();
    if (!s)
        return undefined;
    if (EMAIL.test(s))
        return 'email';
    if (POSTAL_JP.test(s))
        return 'postal-code';
    if (IPV4.test(s) || (s.includes(':') && IPV6.test(s) && s.split(':').length > 3))
        return 'ip-address';
    if (CARD.test(s)) {
        const digits = s.replace(/\D/g, '');
        if (digits.length >= 13 && digits.length <= 19 && luhn(digits))
            return 'card-number';
    }
    const digits = s.replace(/\D/g, '');
    if (PHONE.test(s) && digits.length >= 10 && digits.length <= 13 && /[-\s()+]/.test(s))
        return 'phone';
    if (KANA.test(s) && /[\u30a1-\u30fa\u3041-\u3096]/.test(s))
        return 'name-kana';
    return undefined;
}
/**
 * What a sample of values says: the kind at least half of the non-empty
 * values match (and at least 2 of them), if any.
 */
function kindFromValues(values) {
    const present = values.filter((v) => typeof v === 'string' && v.trim() !== '');
    if (present.length === 0)
        return undefined;
    const counts = new Map();
    for (const v of present) {
        const k = valueKindOf(v);
        if (k)
            counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let best;
    for (const e of counts)
        if (!best || e[1] > best[1])
            best = e;
    if (!best || best[1] < Math.min(2, present.length) || best[1] * 2 < present.length)
        return undefined;
    return { kind: best[0], matched: best[1], sampled: present.length };
}
/** Name-based findings for every unruled column: pure. */
function scanNames(tables, opts) {
    const out = [];
    for (const t of tables) {
        if (opts.truncated.has(tableKey(t.schema, t.table)))
            continue;
        for (const c of t.columns) {
            if (opts.ruled.has(`${tableKey(t.schema, t.table)}.${c.column}`))
                continue;
            const kind = kindFromName(c.column, t.table, c.dataType);
            if (kind)
                out.push({ schema: t.schema, table: t.table, column: c.column, kind, evidence: `its name '${c.column}'` });
        }
    }
    return out;
}
/** Name findings, then a bounded value sample of the other unruled text columns (one SELECT … LIMIT per table). */
async function scanForPii(ex, dialect, schema, opts) {
    const findings = scanNames(schema.tables, opts);
    const named = new Set(findings.map(f => `${tableKey(f.schema, f.table)}.${f.column}`));
    for (const t of schema.tables) {
        const key = tableKey(t.schema, t.table);
        if (opts.truncated.has(key))
            continue;
        const cols = t.columns.filter(c => dialect.isText(c) && !opts.ruled.has(`${key}.${c.column}`) && !named.has(`${key}.${c.column}`)).map(c => c.column);
        if (!cols.length)
            continue;
        const sample = await ex.query(dialect.sample(t.schema, t.table, cols, opts.sampleRows));
        for (const c of cols) {
            const hit = kindFromValues(sample.rows.map(r => r[c]));
            if (hit)
                findings.push({ schema: t.schema, table: t.table, column: c, kind: hit.kind, evidence: `${hit.matched} of ${hit.sampled} sampled values look like ${hit.kind}` });
        }
    }
    return findings;
}
/** One line a person can act on: the column, why, and the rule to add. */
function describeFinding(f, defaultSchema) {
    const table = f.schema === defaultSchema ? f.table : `${f.schema}.${f.table}`;
    return `${table}.${f.column} looks like ${f.kind} (${f.evidence}) and has no rule: add under tables: -> ${table}: -> "${f.column}: ${SUGGESTED[f.kind]}" (or "${f.column}: keep" if it is not personal).`;
}

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
;// CONCATENATED MODULE: ./src/masking/veto.ts

/**
 * Masking did not finish cleanly: the swap must not happen. The target side
 * deletes the temporary cluster and staging stays as it was. Each reason names
 * the table/column/query and what to change.
 */
class MaskingVetoError extends errors/* DiagnosedError */.xB {
    reasons;
    constructor(reasons, title = 'Masking vetoed the swap') {
        super({
            title,
            message: `${reasons.length === 1 ? reasons[0] : `\n- ${reasons.join('\n- ')}`}\nThe temporary cluster is deleted; staging stays as it was.`,
            fix: 'Fix the masking rules (or the database) as each line says and run again.',
            severity: 'error'
        });
        this.name = 'MaskingVetoError';
        this.reasons = reasons;
    }
}

;// CONCATENATED MODULE: ./src/masking/engine.ts
/**
 * Masks one database: schema check, PII scan, preflight (EXPLAIN of every
 * UPDATE), then sql.before, truncate, one set-based UPDATE per table (with
 * distinct counts before/after for email and hash columns), sql.after and the
 * verify queries. PostgreSQL runs all of it in one transaction; MySQL gives
 * each table its own (TRUNCATE and DDL commit implicitly there). Every failure
 * becomes a MaskingVetoError; nothing is masked row by row and no table's rows
 * are read into the runner (the scanner reads a bounded sample).
 */




const msg = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** Keys, distinct counts, the UPDATE, distinct counts again: on `tx`, which is already inside a transaction. */
async function maskTable(tx, dialect, plan, params, keys) {
    try {
        for (const s of dialect.sessionKeys(keys))
            await tx.query(s.sql, s.params);
        const before = plan.distinctQuery ? (await tx.query(plan.distinctQuery)).rows[0] : undefined;
        const r = await tx.query(plan.update, params);
        if (plan.distinctQuery && before) {
            const after = (await tx.query(plan.distinctQuery)).rows[0] ?? {};
            const collided = plan.unique.filter((_, i) => Number(after[`d${i}`]) !== Number(before[`d${i}`]));
            if (collided.length)
                throw new Error(`masked values collided in ${collided.map(c => c.column).join(', ')} (distinct count changed), so uniqueness and joins would break: use a longer hash length`);
        }
        return r.affected;
    }
    finally {
        for (const s of dialect.clearKeys())
            await tx.query(s.sql, s.params).catch(() => undefined);
    }
}
async function maskDatabase(ex, dialect, rules, opts) {
    const { log } = opts;
    const keys = hmacPads(opts.salt);
    const params = dialect.updateParams(keys);
    const schema = await readSchema(ex, dialect);
    const plan = planMasking(rules, schema, dialect);
    if (plan.problems.length)
        throw new MaskingVetoError(plan.problems.map(p => `${rules.file}: ${p}`), 'Masking rules do not match the restored schema');
    log(`masking: ${plan.tables.length} table(s) with rules, ${plan.truncate.length} to truncate, ${schema.tables.length} table(s) in the database`);
    const found = await scanForPii(ex, dialect, schema, { sampleRows: opts.sampleRows ?? 200, ruled: plan.ruled, truncated: plan.truncated });
    const findings = found.map(f => describeFinding(f, schema.defaultSchema));
    if (findings.length && opts.strict)
        throw new MaskingVetoError(findings, `PII scan: ${findings.length} personal-looking column(s) without a rule (masking-strict)`);
    for (const f of findings)
        log(`warning: ${f}`);
    // Preflight: every UPDATE must plan before anything is written (unknown types, bad constants).
    const updates = plan.tables.filter(t => t.update);
    for (const t of updates) {
        try {
            await ex.transaction(async (tx) => {
                for (const s of dialect.sessionKeys(keys))
                    await tx.query(s.sql, s.params);
                await tx.query(`EXPLAIN ${t.update}`, params);
                for (const s of dialect.clearKeys())
                    await tx.query(s.sql, s.params);
            });
        }
        catch (e) {
            throw new MaskingVetoError([`table ${t.display}: its masking statement does not plan: ${msg(e)}. Nothing was written.`]);
        }
    }
    const atomic = opts.atomic ?? dialect.engine === 'postgres';
    const work = async (db, inTransaction) => {
        const step = async (what, sql) => {
            try {
                await db.query(sql);
            }
            catch (e) {
                throw new MaskingVetoError([`${what} failed: ${msg(e)}${atomic ? '. Everything was rolled back.' : ''}`]);
            }
        };
        for (const [i, sql] of rules.before.entries())
            await step(`sql.before[${i}]`, sql);
        for (const sql of dialect.truncate(plan.truncate))
            await step(`truncate (${plan.truncate.map(t => `${t.schema}.${t.table}`).join(', ')})`, sql);
        if (plan.truncate.length)
            log(`masking: truncated ${plan.truncate.map(t => t.table).join(', ')}`);
        let rows = 0;
        for (const t of updates) {
            const t0 = Date.now();
            try {
                const n = inTransaction ? await maskTable(db, dialect, t, params, keys) : await db.transaction(tx => maskTable(tx, dialect, t, params, keys));
                rows += n;
                const masked = t.columns.filter(c => c.expression).map(c => `${c.column.column}:${c.transform.kind}`);
                log(`masking: ${t.display}: ${n} row(s), ${masked.join(', ')} in ${seconds(Date.now() - t0)}`);
            }
            catch (e) {
                throw new MaskingVetoError([`table ${t.display}: ${msg(e)}. ${atomic ? 'Everything was rolled back.' : 'Its transaction was rolled back.'}`]);
            }
        }
        for (const [i, sql] of rules.after.entries())
            await step(`sql.after[${i}]`, sql);
        const failed = [];
        for (const v of rules.verify) {
            try {
                const r = await db.query(dialect.countRows(v.sql));
                const n = Number(r.rows[0]?.n ?? 0);
                if (n > 0)
                    failed.push(`verify '${v.name}' returned ${n} row(s); it must return none.`);
            }
            catch (e) {
                failed.push(`verify '${v.name}' failed to run: ${msg(e)}`);
            }
        }
        if (failed.length)
            throw new MaskingVetoError(failed, 'Masking verification failed');
        if (rules.verify.length)
            log(`masking: ${rules.verify.length} verify quer${rules.verify.length === 1 ? 'y' : 'ies'} returned no rows`);
        return rows;
    };
    // PostgreSQL: one transaction for everything (transactional DDL and TRUNCATE): any failure leaves the
    // database exactly as restored. MySQL: TRUNCATE and DDL commit implicitly, so each table has its own.
    const rows = atomic ? await ex.transaction(tx => work(tx, true)) : await work(ex, false);
    return { tables: plan.tables.length + plan.truncate.length, rows, findings };
}

;// CONCATENATED MODULE: ./src/masking/sql/mysql.ts


const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);
const ident = (name) => `\`${name.replace(/`/g, '``')}\``;
/** A string literal immune to sql_mode (NO_BACKSLASH_ESCAPES or not) and connection charset. */
const str = (s) => `CONVERT(X'${Buffer.from(s, 'utf8').toString('hex')}' USING utf8mb4)`;
/** HMAC-SHA256(salt, UTF-8 text of c) as 64 hex characters. */
const hmacHex = (c) => `SHA2(CONCAT(@rcs_mask_ok, UNHEX(SHA2(CONCAT(@rcs_mask_ik, CAST(${c} AS CHAR CHARACTER SET utf8mb4)), 256))), 256)`;
const u32 = (c, k) => `CAST(CONV(SUBSTRING(${hmacHex(c)}, ${8 * k + 1}, 8), 16, 10) AS UNSIGNED)`;
const pick = (c, list, k) => `ELT(1 + MOD(${u32(c, k)}, ${list.length}), ${literalList(list)})`;
const lpad = (c, k, mod, width) => `LPAD(MOD(${u32(c, k)}, ${mod}), ${width}, '0')`;
const passEmpty = (c, body) => `CASE WHEN ${c} IS NULL OR ${c} = '' THEN ${c} ELSE ${body} END`;
function textExpression(c, t) {
    switch (t.kind) {
        case 'email':
            return passEmpty(c, `CONCAT('u', LEFT(${hmacHex(c)}, 32), ${str('@' + t.domain)})`);
        case 'hash':
            return passEmpty(c, `LEFT(${hmacHex(c)}, ${t.length})`);
        case 'name':
            return passEmpty(c, t.style === 'latin'
                ? `CONCAT(${pick(c, GIVEN_LATIN, 1)}, ' ', ${pick(c, FAMILY_LATIN, 0)})`
                : `CONCAT(${pick(c, FAMILY_JA, 0)}, ' ', ${pick(c, GIVEN_JA, 1)})`);
        case 'name-kana':
            return passEmpty(c, `CONCAT(${pick(c, FAMILY_KANA, 0)}, ' ', ${pick(c, GIVEN_KANA, 1)})`);
        case 'phone':
            return passEmpty(c, `CONCAT('090-', ${lpad(c, 0, 10000, 4)}, '-', ${lpad(c, 1, 10000, 4)})`);
        case 'postal-code':
            return passEmpty(c, `CONCAT(${lpad(c, 0, 1000, 3)}, '-', ${lpad(c, 1, 10000, 4)})`);
        case 'address':
            return passEmpty(c, `CONCAT(${pick(c, PREFECTURES, 0)}, ${pick(c, TOWNS, 1)}, 1 + MOD(${u32(c, 2)}, 9), '-', 1 + MOD(${u32(c, 3)}, 30), '-', 1 + MOD(${u32(c, 4)}, 20))`);
        default:
            return undefined;
    }
}
/** Date arithmetic: DATE_ADD keeps the column's type (date, datetime or timestamp). */
function dateShift(c, _col, days) {
    const sign = `(CASE WHEN MOD(CONV(SUBSTRING(${hmacHex(c)}, 1, 2), 16, 10), 2) = 1 THEN 1 ELSE -1 END)`;
    return `CASE WHEN ${c} IS NULL THEN ${c} ELSE DATE_ADD(${c}, INTERVAL ${sign} * CAST(1 + MOD(${u32(c, 1)}, ${days}) AS SIGNED) DAY) END`;
}
/** Numbers stay numeric literals; strings go through str() (sql_mode and charset proof). */
const literal = (value) => (typeof value === 'number' ? String(value) : str(value));
const table = (schema, name) => `${ident(schema)}.${ident(name)}`;
const mysql = {
    engine: 'mysql',
    ident,
    table,
    expression: (col, t) => maskExpression(ident(col.column), col, t, { literal, dateShift, text: textExpression }),
    sessionKeys: (pads) => [{ sql: 'SET @rcs_mask_ik = UNHEX(?), @rcs_mask_ok = UNHEX(?)', params: [pads.innerHex, pads.outerHex] }],
    clearKeys: () => [{ sql: 'SET @rcs_mask_ik = NULL, @rcs_mask_ok = NULL', params: [] }],
    updateParams: () => [],
    truncate: tables => tables.map(t => `TRUNCATE TABLE ${table(t.schema, t.table)}`),
    catalogQuery: `SELECT c.TABLE_SCHEMA AS table_schema, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name,
  LOWER(c.DATA_TYPE) AS data_type, LOWER(c.DATA_TYPE) AS udt_name, c.CHARACTER_MAXIMUM_LENGTH AS character_maximum_length, c.IS_NULLABLE AS is_nullable
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA = DATABASE()
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    defaultSchemaQuery: 'SELECT DATABASE() AS s',
    isText: col => TEXT_TYPES.has(col.dataType),
    isDate: col => DATE_TYPES.has(col.dataType),
    countRows: sql => `SELECT COUNT(*) AS n FROM (${sql}) AS v`,
    sample: (schema, name, columns, limit) => `SELECT ${columns.map(c => `CAST(${ident(c)} AS CHAR CHARACTER SET utf8mb4) AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};

;// CONCATENATED MODULE: ./src/masking/sql/postgres.ts


const postgres_TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const TEXT_UDTS = new Set(['citext']);
const postgres_DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
const postgres_ident = (name) => `"${name.replace(/"/g, '""')}"`;
const postgres_str = (s) => `'${s.replace(/'/g, "''")}'`;
/** HMAC-SHA256(salt, text of c) as bytea. */
const hmac = (c) => `sha256(decode($2, 'hex') || sha256(decode($1, 'hex') || convert_to(${c}::text, 'UTF8')))`;
/** Big-endian uint32 number k of the digest `h` (a column of the inner select). */
const postgres_u32 = (k) => `(('x' || encode(substring(h from ${4 * k + 1} for 4), 'hex'))::bit(32)::bigint)`;
const postgres_pick = (list, k) => `(ARRAY[${literalList(list)}])[1 + (${postgres_u32(k)} % ${list.length})::int]`;
const postgres_lpad = (k, mod, width) => `lpad((${postgres_u32(k)} % ${mod})::text, ${width}, '0')`;
/** Evaluate `body` (which uses h) once per row with h = HMAC of c; NULL and '' pass through. */
function derive(c, body) {
    return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE (SELECT ${body} FROM (SELECT ${hmac(c)} AS h) AS d) END`;
}
function postgres_textExpression(c, t) {
    switch (t.kind) {
        case 'email':
            return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE 'u' || left(encode(${hmac(c)}, 'hex'), 32) || ${postgres_str('@' + t.domain)} END`;
        case 'hash':
            return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE left(encode(${hmac(c)}, 'hex'), ${t.length}) END`;
        case 'name':
            return t.style === 'latin'
                ? derive(c, `${postgres_pick(GIVEN_LATIN, 1)} || ' ' || ${postgres_pick(FAMILY_LATIN, 0)}`)
                : derive(c, `${postgres_pick(FAMILY_JA, 0)} || ' ' || ${postgres_pick(GIVEN_JA, 1)}`);
        case 'name-kana':
            return derive(c, `${postgres_pick(FAMILY_KANA, 0)} || ' ' || ${postgres_pick(GIVEN_KANA, 1)}`);
        case 'phone':
            return derive(c, `'090-' || ${postgres_lpad(0, 10000, 4)} || '-' || ${postgres_lpad(1, 10000, 4)}`);
        case 'postal-code':
            return derive(c, `${postgres_lpad(0, 1000, 3)} || '-' || ${postgres_lpad(1, 10000, 4)}`);
        case 'address':
            return derive(c, `${postgres_pick(PREFECTURES, 0)} || ${postgres_pick(TOWNS, 1)} || (1 + ${postgres_u32(2)} % 9)::text || '-' || (1 + ${postgres_u32(3)} % 30)::text || '-' || (1 + ${postgres_u32(4)} % 20)::text`);
        default:
            return undefined;
    }
}
/** A date column plus whole days stays a date; a timestamp needs an interval. */
function postgres_dateShift(c, col, days) {
    const shift = `((CASE WHEN get_byte(h, 0) % 2 = 1 THEN 1 ELSE -1 END) * (1 + ${postgres_u32(1)} % ${days}))::int`;
    const shifted = col.dataType === 'date' ? `${c} + ${shift}` : `${c} + ${shift} * interval '1 day'`;
    return `CASE WHEN ${c} IS NULL THEN ${c} ELSE (SELECT ${shifted} FROM (SELECT ${hmac(c)} AS h) AS d) END`;
}
/** Numbers too are quoted: an untyped literal takes the column's type in the UPDATE. */
const postgres_literal = (value) => postgres_str(String(value));
const postgres_table = (schema, name) => `${postgres_ident(schema)}.${postgres_ident(name)}`;
const postgres = {
    engine: 'postgres',
    ident: postgres_ident,
    table: postgres_table,
    expression: (col, t) => maskExpression(postgres_ident(col.column), col, t, { literal: postgres_literal, dateShift: postgres_dateShift, text: postgres_textExpression }),
    sessionKeys: () => [],
    clearKeys: () => [],
    updateParams: (pads) => [pads.innerHex, pads.outerHex],
    truncate: tables => (tables.length ? [`TRUNCATE TABLE ${tables.map(t => postgres_table(t.schema, t.table)).join(', ')}`] : []),
    catalogQuery: `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length, c.is_nullable
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_%'
ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
    defaultSchemaQuery: 'SELECT current_schema() AS s',
    isText: col => postgres_TEXT_TYPES.has(col.dataType) || TEXT_UDTS.has(col.udtName),
    isDate: col => postgres_DATE_TYPES.has(col.dataType),
    countRows: sql => `SELECT count(*) AS n FROM (${sql}) AS v`,
    sample: (schema, name, columns, limit) => `SELECT ${columns.map(c => `${postgres_ident(c)}::text AS ${postgres_ident(c)}`).join(', ')} FROM ${postgres_table(schema, name)} LIMIT ${Math.floor(limit)}`
};

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-rds-data/dist-cjs/index.js
var dist_cjs = __webpack_require__(6315);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-rds/dist-cjs/index.js
var client_rds_dist_cjs = __webpack_require__(7202);
;// CONCATENATED MODULE: ./src/masking/transports/executor.ts
/** Executors of a transaction run statements on its session; another transaction inside one is refused. */
function refuseNested(inTransaction) {
    if (inTransaction)
        throw new Error('nested transactions are not supported');
}
/**
 * The end of a begun transaction: commit when `body` succeeds; when it (or the
 * commit) throws, roll back (a failed rollback is ignored) and rethrow.
 */
async function settle(body, commit, rollback) {
    try {
        const value = await body();
        await commit();
        return value;
    }
    catch (e) {
        await rollback().catch(() => undefined);
        throw e;
    }
}
/** A transaction in SQL on one session: `begin` (BEGIN / START TRANSACTION), then COMMIT or ROLLBACK. */
async function sqlTransaction(run, begin, body) {
    await run(begin);
    return settle(body, () => run('COMMIT'), () => run('ROLLBACK'));
}

;// CONCATENATED MODULE: ./src/masking/transports/data-api.ts
/**
 * The RDS Data API (for runners outside the VPC): statements over HTTPS with
 * the cluster's Secrets Manager secret. Every masking statement runs inside a
 * Data API transaction so that MySQL session variables and the rollback hold.
 * Limits: each call times out after 45 s (StatementTimeoutException): very
 * large tables need the direct connection.
 */



/** Turn the dialect's positional placeholders ($1 / ?) into Data API named ones (:p1), outside quoted text. */
function toNamedParameters(sql, engine) {
    let out = '';
    let quote;
    let n = 0;
    for (let i = 0; i < sql.length; i++) {
        const ch = sql[i];
        if (quote) {
            out += ch;
            if (ch === quote)
                quote = undefined;
            continue;
        }
        if (ch === "'" || ch === '"' || ch === '`') {
            quote = ch;
            out += ch;
            continue;
        }
        if (engine === 'postgres' && ch === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
            let j = i + 1;
            while (j < sql.length && /[0-9]/.test(sql[j]))
                j++;
            out += `:p${sql.slice(i + 1, j)}`;
            i = j - 1;
            continue;
        }
        if (engine === 'mysql' && ch === '?') {
            out += `:p${++n}`;
            continue;
        }
        out += ch;
    }
    return out;
}
function toSqlParameter(name, v) {
    let value;
    if (v === null || v === undefined)
        value = { isNull: true };
    else if (typeof v === 'string')
        value = { stringValue: v };
    else if (typeof v === 'boolean')
        value = { booleanValue: v };
    else if (typeof v === 'number')
        value = Number.isInteger(v) ? { longValue: v } : { doubleValue: v };
    else if (v instanceof Uint8Array)
        value = { blobValue: v };
    else
        throw new Error(`unsupported Data API parameter type: ${typeof v}`);
    return { name, value };
}
function dataApiExecutor(client, target, transactionId) {
    const base = { resourceArn: target.resourceArn, secretArn: target.secretArn };
    return {
        async query(sql, params = []) {
            const r = await client.send(new dist_cjs/* ExecuteStatementCommand */.cw({
                ...base,
                database: target.database,
                sql: params.length ? toNamedParameters(sql, target.engine) : sql,
                parameters: params.length ? params.map((v, i) => toSqlParameter(`p${i + 1}`, v)) : undefined,
                transactionId,
                formatRecordsAs: 'JSON'
            }));
            const rows = r.formattedRecords ? JSON.parse(r.formattedRecords) : [];
            return { rows, affected: Number(r.numberOfRecordsUpdated ?? 0) };
        },
        async transaction(fn) {
            refuseNested(Boolean(transactionId));
            const begun = await client.send(new dist_cjs/* BeginTransactionCommand */.fI({ ...base, database: target.database }));
            const id = begun.transactionId;
            if (!id)
                throw new Error('Data API BeginTransaction returned no transactionId');
            return settle(() => fn(dataApiExecutor(client, target, id)), () => client.send(new dist_cjs/* CommitTransactionCommand */.Hb({ ...base, transactionId: id })), () => client.send(new dist_cjs/* RollbackTransactionCommand */.qu({ ...base, transactionId: id })));
        },
        async close() {
            if (!transactionId)
                client.destroy();
        }
    };
}
function connectDataApi(t) {
    const client = new dist_cjs/* RDSDataClient */.Lq({ region: t.region, credentials: t.credentials });
    return dataApiExecutor(client, t);
}
/**
 * Turn on the Data API of an Aurora cluster (EnableHttpEndpoint). For the
 * target side to call on the restored cluster before masking with
 * masking-connection: data-api. Needs Aurora PostgreSQL 13.11+/14.8+/15.3+/16.1+
 * or Aurora MySQL 3.07+, writer not a T class.
 */
async function enableDataApi(rds, clusterArn) {
    const r = await rds.send(new client_rds_dist_cjs/* EnableHttpEndpointCommand */.EVE({ ResourceArn: clusterArn }));
    return { enabled: r.HttpEndpointEnabled ?? true };
}

// EXTERNAL MODULE: ./node_modules/mysql2/promise.js
var promise = __webpack_require__(7588);
;// CONCATENATED MODULE: ./src/masking/transports/mysql.ts
/** Direct MySQL / MariaDB connection (mysql2) over TLS. */


function wrap(conn, inTx) {
    return {
        async query(sql, params = []) {
            // Parameterized statements go through the binary protocol: the values never become SQL text.
            const [result] = params.length ? await conn.execute(sql, params) : await conn.query(sql);
            if (Array.isArray(result))
                return { rows: result, affected: 0 };
            return { rows: [], affected: result.affectedRows ?? 0 };
        },
        async transaction(fn) {
            refuseNested(inTx);
            return sqlTransaction(sql => conn.query(sql), 'START TRANSACTION', () => fn(wrap(conn, true)));
        },
        async close() {
            await conn.end();
        }
    };
}
async function connectMysql(c) {
    const conn = await promise.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        charset: 'utf8mb4',
        connectTimeout: 30_000,
        dateStrings: true,
        supportBigNumbers: true,
        ssl: c.tls === 'disable' ? undefined : { rejectUnauthorized: c.tls === 'verify-full' }
    });
    conn.on('error', () => undefined);
    return wrap(conn, false);
}

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(3849);
;// CONCATENATED MODULE: ./src/masking/transports/pg.ts
/** Direct PostgreSQL connection (node-postgres) over TLS. */


/** require: encrypted, server certificate not checked; verify-full: checked against Node's CAs plus NODE_EXTRA_CA_CERTS (the RDS CA bundle). */
function pgSsl(tls) {
    if (tls === 'disable')
        return false;
    return { rejectUnauthorized: tls === 'verify-full' };
}
function pg_wrap(client, inTx) {
    const self = {
        async query(sql, params = []) {
            const r = await client.query({ text: sql, values: params });
            return { rows: (r.rows ?? []), affected: r.command === 'SELECT' ? 0 : (r.rowCount ?? 0) };
        },
        async transaction(fn) {
            refuseNested(inTx);
            return sqlTransaction(sql => client.query(sql), 'BEGIN', () => fn(pg_wrap(client, true)));
        },
        async close() {
            await client.end();
        }
    };
    return self;
}
async function connectPostgres(c) {
    const client = new esm/* default.Client */.Ay.Client({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ssl: pgSsl(c.tls),
        connectionTimeoutMillis: 30_000,
        application_name: 'rds-cross-account-sync masking'
    });
    // An idle-connection error must not crash the process: the next query reports it.
    client.on('error', () => undefined);
    await client.connect();
    return pg_wrap(client, false);
}

;// CONCATENATED MODULE: ./src/masking/index.ts
/**
 * Masking personal data in the restored database before the swap:
 * deterministic (HMAC under masking-salt), set-based SQL in the database,
 * fail-closed (any failure vetoes the swap). Called by src/steps/mask.ts.
 */













async function connect(target) {
    if (target.via === 'data-api')
        return connectDataApi(target);
    const { host, port, user, password, database, tls } = target;
    try {
        return target.engine === 'postgres'
            ? await connectPostgres({ host, port, user, password, database, tls })
            : await connectMysql({ host, port, user, password, database, tls });
    }
    catch (e) {
        throw new MaskingVetoError([
            `cannot connect to ${target.engine} at ${host}:${port} as ${user} (database ${database}, tls ${tls}): ${e.message}. ` +
                'The runner must reach the restored cluster: allow it in the isolation security group, or use masking-connection: data-api.'
        ], 'Masking could not connect');
    }
}
async function runMasking(opts) {
    const started = Date.now();
    const log = opts.log ?? (line => core/* info */.pq(line));
    let rules;
    try {
        rules = (0,masking_rules/* loadRules */.A7)(opts.rulesFile);
    }
    catch (e) {
        if (e instanceof masking_rules/* MaskingRulesError */.Sc)
            throw new MaskingVetoError(e.problems.map(p => `${opts.rulesFile}: ${p}`), 'Masking rules are invalid');
        throw e;
    }
    if (!opts.salt)
        throw new MaskingVetoError(['masking-salt is empty: pass a secret salt (e.g. ${{ secrets.MASKING_SALT }}) so masked values are deterministic and not guessable.']);
    if (process.env.GITHUB_ACTIONS === 'true') {
        // The pads are as secret as the salt; keep them out of any log line.
        const pads = hmacPads(opts.salt);
        core/* setSecret */.Pq(pads.innerHex);
        core/* setSecret */.Pq(pads.outerHex);
    }
    const dialect = opts.target.engine === 'postgres' ? postgres : mysql;
    const ex = await connect(opts.target);
    try {
        const outcome = await maskDatabase(ex, dialect, rules, { salt: opts.salt, strict: opts.strict, log, sampleRows: opts.sampleRows });
        return { ...outcome, durationMs: Date.now() - started };
    }
    catch (e) {
        if (e instanceof MaskingVetoError)
            throw e;
        throw new MaskingVetoError([`masking failed: ${e.message}`]);
    }
    finally {
        await ex.close().catch(() => undefined);
    }
}


/***/ })

};
