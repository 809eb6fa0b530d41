export const id = 448;
export const ids = [448];
export const modules = {

/***/ 448:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  MaskingRulesError: () => (/* reexport */ masking_rules/* MaskingRulesError */.Sc),
  MaskingVetoError: () => (/* reexport */ veto/* MaskingVetoError */.H),
  TRANSFORMS: () => (/* reexport */ masking_rules/* TRANSFORMS */.MB),
  enableDataApi: () => (/* reexport */ enableDataApi),
  loadRules: () => (/* reexport */ masking_rules/* loadRules */.A7),
  parseRules: () => (/* reexport */ masking_rules/* parseRules */.NR),
  runMasking: () => (/* binding */ runMasking)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 15 modules
var core = __webpack_require__(4600);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/masking/keys.ts
/**
 * The masking key. Every masked value derives from one digest of the original:
 *
 *   K = HMAC-SHA256(masking-salt, "rds-cross-account-sync masking key v2")   (32 bytes, computed here, once)
 *   H = SHA-256(K || UTF-8 text of the value)                                (computed by the database, per value)
 *
 * with the database's builtin SHA-256 (PostgreSQL 11+ `sha256(bytea)`, MySQL/MariaDB `SHA2`): no pgcrypto, no
 * superuser. K is as secret as the salt: it travels only as a bound parameter (PostgreSQL) or a session variable
 * loaded from one (MySQL), never inside SQL text, and is masked in the log.
 *
 * Why not HMAC(salt, value), as up to v1: HMAC hashes twice over a 64-byte pad each time (four SHA-256 blocks a
 * value); the secret prefix costs one block for values up to 23 bytes and two up to 87, which on the 8-column bench
 * is a fifth of the whole UPDATE (docs/masking.md, "Performance"). What it keeps: without K nobody can compute the
 * mask of a chosen value (to test guesses of a phone number or a name) nor recover a value from its mask; K itself
 * is a PRF output, so it is uniformly random and full length whatever the salt looks like. What it gives up is
 * HMAC's resistance to length extension: from H(K || m) one can compute H(K || m || padding || x), the mask of a
 * value that ends in SHA-256's padding bytes. That matters for a MAC that authenticates messages; masks
 * authenticate nothing, and learning the mask of such a crafted value tells nothing about any original.
 */

/** The label K is derived under: a new label is a new key, so every masked value would change. */
const KEY_LABEL = 'rds-cross-account-sync masking key v2';
function keys_maskKey(salt) {
    if (!salt)
        throw new Error('masking-salt is empty: masking needs a secret salt to be deterministic.');
    return { hex: (0,external_node_crypto_.createHmac)('sha256', Buffer.from(salt, 'utf8')).update(KEY_LABEL, 'utf8').digest('hex') };
}

// EXTERNAL MODULE: ./src/masking/rules.ts
var masking_rules = __webpack_require__(1627);
;// CONCATENATED MODULE: ./src/masking/dictionaries.ts
/**
 * Fixed lists the name, kana and address transforms pick from, indexed by the
 * digest of the original value (keys.ts). Changing a list changes every masked value:
 * treat these as part of the masking format. Every entry is plain text
 * without quotes so it can be inlined as an SQL literal.
 */
const dictionaries_FAMILY_JA = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田', '佐々木', '山口', '松本', '井上', '木村', '林', '斎藤', '清水', '山崎', '森', '池田', '橋本', '阿部', '石川', '山下', '中島', '石井', '小川', '前田', '岡田'];
const dictionaries_GIVEN_JA = ['翔', '蓮', '大翔', '陽翔', '悠真', '湊', '樹', '大和', '陽菜', '結衣', '葵', '凛', '美咲', 'さくら', '花子', '太郎', '健', '誠', '愛', '優', '恵', '彩', '直樹', '拓海', '真央', '千尋', '結菜', '颯太', '奏', '芽衣', '悠人', '美優'];
const dictionaries_FAMILY_KANA = ['サトウ', 'スズキ', 'タカハシ', 'タナカ', 'イトウ', 'ワタナベ', 'ヤマモト', 'ナカムラ', 'コバヤシ', 'カトウ', 'ヨシダ', 'ヤマダ', 'ササキ', 'ヤマグチ', 'マツモト', 'イノウエ', 'キムラ', 'ハヤシ', 'サイトウ', 'シミズ', 'ヤマザキ', 'モリ', 'イケダ', 'ハシモト', 'アベ', 'イシカワ', 'ヤマシタ', 'ナカジマ', 'イシイ', 'オガワ', 'マエダ', 'オカダ'];
const dictionaries_GIVEN_KANA = ['ショウ', 'レン', 'ヒロト', 'ハルト', 'ユウマ', 'ミナト', 'イツキ', 'ヤマト', 'ヒナ', 'ユイ', 'アオイ', 'リン', 'ミサキ', 'サクラ', 'ハナコ', 'タロウ', 'ケン', 'マコト', 'アイ', 'ユウ', 'メグミ', 'アヤ', 'ナオキ', 'タクミ', 'マオ', 'チヒロ', 'ユナ', 'ソウタ', 'カナデ', 'メイ', 'ユウト', 'ミユ'];
const dictionaries_FAMILY_LATIN = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martin', 'Lee', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright'];
const dictionaries_GIVEN_LATIN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Morgan', 'Riley', 'Jamie', 'Avery', 'Quinn', 'Robin', 'Drew', 'Kim', 'Lee', 'Pat', 'Sky'];
const dictionaries_PREFECTURES = ['東京都', '大阪府', '京都府', '北海道', '神奈川県', '愛知県', '福岡県', '兵庫県', '埼玉県', '千葉県', '静岡県', '広島県', '宮城県', '新潟県', '長野県', '沖縄県'];
/**
 * First three digits of the real postal codes of each prefecture of PREFECTURES
 * (same order): [lowest, highest]. postal-code { of: address } draws from the
 * range of the masked address's prefecture.
 */
const dictionaries_POSTAL_PREFIXES = [
    [100, 208], [530, 599], [600, 629], [1, 99], [210, 259], [440, 498], [800, 839], [650, 679],
    [330, 369], [260, 299], [410, 439], [720, 739], [980, 989], [940, 959], [380, 399], [900, 907]
];
const dictionaries_TOWNS = ['架空市中央', '仮名市本町', '見本市緑町', '試験市栄町', '例示市旭町', '模擬市若葉', '匿名市桜台', '代替市港町'];
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
        case 'email':
            return 1 + 32 + 1 + t.domain.length;
        case 'hash':
            return t.length;
        case 'name': {
            const [family, given] = t.style === 'latin' ? [dictionaries_FAMILY_LATIN, dictionaries_GIVEN_LATIN] : [dictionaries_FAMILY_JA, dictionaries_GIVEN_JA];
            return t.part === 'family' ? longest(family) : t.part === 'given' ? longest(given) : longest(family) + 1 + longest(given);
        }
        case 'name-kana':
            return t.part === 'family' ? longest(dictionaries_FAMILY_KANA) : t.part === 'given' ? longest(dictionaries_GIVEN_KANA) : longest(dictionaries_FAMILY_KANA) + 1 + longest(dictionaries_GIVEN_KANA);
        case 'postal-code':
            return 8;
        case 'address':
            return longest(dictionaries_PREFECTURES) + longest(dictionaries_TOWNS) + 7;
        case 'constant':
            return t.value === null ? undefined : String(t.value).length;
        default:
            return undefined;
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
    if (t.kind === 'ip' && !dialect.isText(col) && !dialect.isNetwork(col))
        return `${where}: ip writes IP addresses but the column is ${col.dataType}; it needs ${dialect.engine === 'postgres' ? 'inet, cidr or ' : ''}a text column.`;
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
            const of = (0,masking_rules/* sourceColumn */.iL)(cr.transform);
            const source = of === undefined ? undefined : findColumn(t, of);
            if (of !== undefined && !source) {
                problems.push(`${where}: of: ${of} is not a column of the table.`);
                continue;
            }
            columns.push({ column: col, transform: cr.transform, expression: dialect.expression(col, cr.transform, source), source });
        }
        // Columns that derive from another column's value (of:) first: MySQL evaluates SET assignments left to
        // right, each seeing the ones before it, so the source column must still hold its original value.
        const sets = [...columns.filter(c => c.expression !== undefined && (0,masking_rules/* sourceColumn */.iL)(c.transform) !== undefined), ...columns.filter(c => c.expression !== undefined && (0,masking_rules/* sourceColumn */.iL)(c.transform) === undefined)];
        const unique = sets.filter(c => (0,masking_rules/* needsDistinctCheck */.ON)(c.transform)).map(c => c.column);
        const usesKeys = sets.some(c => c.transform.kind !== 'null' && c.transform.kind !== 'constant');
        tables.push({
            schema: t.schema,
            table: t.table,
            display: rule.table.display,
            columns,
            update: !sets.length
                ? undefined
                : dialect.update
                    ? dialect.update(dialect.table(t.schema, t.table), sets)
                    : `UPDATE ${dialect.table(t.schema, t.table)} SET ${sets.map(c => `${dialect.ident(c.column.column)} = ${c.expression}`).join(',\n  ')}`,
            unique,
            distinctQuery: unique.length ? `SELECT ${unique.map((c, i) => `COUNT(DISTINCT ${dialect.ident(c.column)}) AS d${i}`).join(', ')} FROM ${dialect.table(t.schema, t.table)}` : undefined,
            usesKeys
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
    'ip-address': 'ip',
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
        (w.includes('name') &&
            w.some(x => ['first', 'last', 'full', 'given', 'family', 'middle', 'maiden', 'real', 'legal', 'contact', 'customer', 'person', 'display', 'billing', 'shipping', 'recipient', 'sei', 'mei'].includes(x))) ||
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
            else if (c.dataType === 'inet')
                out.push({ schema: t.schema, table: t.table, column: c.column, kind: 'ip-address', evidence: `its type '${c.dataType}'` });
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

// EXTERNAL MODULE: ./src/masking/veto.ts
var veto = __webpack_require__(6002);
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




/** Tables smaller than this many pages (8 KiB each: 64 MiB) are masked by one session: splitting saves little there. */
const SPLIT_MIN_PAGES = 8192;
const msg = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** The distinct counts of t's columns that must stay unique, now; the function returned throws when they have changed since. */
async function distinctCounts(db, t) {
    const before = t.distinctQuery ? (await db.query(t.distinctQuery)).rows[0] : undefined;
    return async () => {
        if (!t.distinctQuery || !before)
            return;
        const after = (await db.query(t.distinctQuery)).rows[0] ?? {};
        const collided = t.unique.filter((_, i) => Number(after[`d${i}`]) !== Number(before[`d${i}`]));
        if (collided.length)
            throw new Error(`masked values collided in ${collided.map(c => c.column).join(', ')} (distinct count changed), so uniqueness and joins would break: use a longer hash length, or a wider ip range`);
    };
}
/** Keys, distinct counts, the UPDATE, distinct counts again: on `tx`, which is already inside a transaction. */
async function maskTable(tx, dialect, plan, params, keys) {
    try {
        for (const s of dialect.sessionKeys(keys))
            await tx.query(s.sql, s.params);
        const unchanged = await distinctCounts(tx, plan);
        const r = await tx.query(plan.update, plan.usesKeys ? params : []);
        await unchanged();
        return r.affected;
    }
    finally {
        for (const s of dialect.clearKeys())
            await tx.query(s.sql, s.params).catch(() => undefined);
    }
}
/**
 * Page boundaries [0, …, pages] splitting table t over `workers` sessions, or undefined when it is not split: the
 * server cannot scan page ranges (before PostgreSQL 14), or the table is under SPLIT_MIN_PAGES.
 */
async function pageRanges(ex, dialect, t, workers, minPages) {
    const pages = dialect.pages;
    const row = (await ex.query(pages.query, [dialect.table(t.schema, t.table)])).rows[0] ?? {};
    const total = Number(row.pages);
    if (!pages.supports(Number(row.version)) || !(total >= Math.max(minPages, workers)))
        return undefined;
    return Array.from({ length: workers + 1 }, (_, i) => Math.floor((total * i) / workers));
}
/**
 * One table's UPDATE over several sessions, session i over the rows in pages [bounds[i], bounds[i+1]) (bounds read
 * right before, up to the table's size then: the row versions the UPDATE writes past it are new, and invisible to
 * every session's snapshot; nobody else writes to the database). Each
 * session holds its transaction open until all have updated their range; then all commit, and when any fails all
 * roll back, so a statement error leaves the table as it was. What a single transaction would add, and this
 * cannot, is a commit that is all or nothing when a connection breaks between the sessions' COMMITs: that leaves
 * the table partly masked. Either way the failure vetoes the swap, and nobody but the action reaches the new
 * database before it, so a partly masked table is never seen (docs/masking.md, "Several sessions").
 */
async function splitTable(ex, open, dialect, t, params, keys, bounds) {
    const sessions = [];
    try {
        for (let i = 1; i < bounds.length; i++)
            sessions.push(await open());
        const unchanged = await distinctCounts(ex, t);
        let pending = sessions.length;
        let pass;
        let fail;
        const allUpdated = new Promise((resolve, reject) => ([pass, fail] = [resolve, reject]));
        allUpdated.catch(() => undefined);
        const settled = await Promise.allSettled(sessions.map((session, i) => session.transaction(async (tx) => {
            try {
                for (const s of dialect.sessionKeys(keys))
                    await tx.query(s.sql, s.params);
                const r = await tx.query(dialect.pages.restrict(t.update, bounds[i], bounds[i + 1]), t.usesKeys ? params : []);
                for (const s of dialect.clearKeys())
                    await tx.query(s.sql, s.params);
                if (--pending === 0)
                    pass();
                await allUpdated;
                return r.affected;
            }
            catch (e) {
                fail(e);
                throw e;
            }
        })));
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) {
            const committed = settled.filter(r => r.status === 'fulfilled').length;
            if (committed)
                throw new Error(`${msg(failed.reason)}; ${committed} of ${sessions.length} sessions had already committed their part, so the table is partly masked`);
            throw failed.reason;
        }
        await unchanged();
        return settled.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value : 0), 0);
    }
    finally {
        await Promise.all(sessions.map(s => s.close().catch(() => undefined)));
    }
}
async function maskDatabase(ex, dialect, rules, opts) {
    const { log } = opts;
    const keys = keys_maskKey(opts.salt);
    const params = dialect.updateParams(keys);
    const schema = await readSchema(ex, dialect);
    const plan = planMasking(rules, schema, dialect);
    if (plan.problems.length)
        throw new veto/* MaskingVetoError */.H(plan.problems.map(p => `${rules.file}: ${p}`), 'Masking rules do not match the restored schema');
    log(`masking: ${plan.tables.length} table(s) with rules, ${plan.truncate.length} to truncate, ${schema.tables.length} table(s) in the database`);
    const found = await scanForPii(ex, dialect, schema, { sampleRows: opts.sampleRows ?? 200, ruled: plan.ruled, truncated: plan.truncated });
    const findings = found.map(f => describeFinding(f, schema.defaultSchema));
    if (findings.length && opts.strict)
        throw new veto/* MaskingVetoError */.H(findings, `PII scan: ${findings.length} personal-looking column(s) without a rule (masking-strict)`);
    for (const f of findings)
        log(`warning: ${f}`);
    // Preflight: every UPDATE must plan before anything is written (unknown types, bad constants).
    const updates = plan.tables.filter(t => t.update);
    for (const t of updates) {
        try {
            await ex.transaction(async (tx) => {
                for (const s of dialect.sessionKeys(keys))
                    await tx.query(s.sql, s.params);
                await tx.query(`EXPLAIN ${t.update}`, t.usesKeys ? params : []);
                for (const s of dialect.clearKeys())
                    await tx.query(s.sql, s.params);
            });
        }
        catch (e) {
            throw new veto/* MaskingVetoError */.H([`table ${t.display}: its masking statement does not plan: ${msg(e)}. Nothing was written.`]);
        }
    }
    // Which tables may be split over several sessions, decided before anything is written (it decides whether the job
    // is one transaction). Their page ranges are read again right before each is masked: an earlier step (an UPDATE
    // of an inheritance parent, sql.before) may have moved its rows.
    const splits = new Set();
    const workers = Math.max(1, Math.floor(opts.workers ?? 1));
    const minPages = opts.splitMinPages ?? SPLIT_MIN_PAGES;
    if (workers > 1 && opts.open && dialect.pages)
        for (const t of updates)
            if (await pageRanges(ex, dialect, t, workers, minPages))
                splits.add(t);
    // PostgreSQL: one transaction for everything (transactional DDL and TRUNCATE), unless a table is split: its
    // sessions cannot see another transaction's uncommitted work, so then each step commits on its own (splitTable).
    // MySQL: TRUNCATE and DDL commit implicitly, so each table has its own.
    const atomic = (opts.atomic ?? dialect.engine === 'postgres') && splits.size === 0;
    /** What a table's failure undid; `split`: it ran over several sessions. */
    const rolledBack = (split) => atomic ? 'Everything was rolled back.' : `Its transaction was rolled back${split ? ' in every session' : ''}${splits.size ? '; the steps before it stay committed.' : '.'}`;
    const work = async (db, inTransaction) => {
        const step = async (what, sql) => {
            try {
                await db.query(sql);
            }
            catch (e) {
                throw new veto/* MaskingVetoError */.H([`${what} failed: ${msg(e)}${atomic ? '. Everything was rolled back.' : ''}`]);
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
            const bounds = splits.has(t) ? await pageRanges(db, dialect, t, workers, minPages) : undefined;
            try {
                const n = bounds
                    ? await splitTable(db, opts.open, dialect, t, params, keys, bounds)
                    : inTransaction
                        ? await maskTable(db, dialect, t, params, keys)
                        : await db.transaction(tx => maskTable(tx, dialect, t, params, keys));
                rows += n;
                const masked = t.columns.filter(c => c.expression).map(c => `${c.column.column}:${c.transform.kind}`);
                const how = bounds ? ` (${bounds.length - 1} sessions over ${bounds[bounds.length - 1].toLocaleString('en-US')} pages)` : '';
                log(`masking: ${t.display}: ${n} row(s), ${masked.join(', ')} in ${seconds(Date.now() - t0)}${how}`);
            }
            catch (e) {
                throw new veto/* MaskingVetoError */.H([`table ${t.display}: ${msg(e)}. ${rolledBack(!!bounds)}`]);
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
            throw new veto/* MaskingVetoError */.H(failed, 'Masking verification failed');
        if (rules.verify.length)
            log(`masking: ${rules.verify.length} verify quer${rules.verify.length === 1 ? 'y' : 'ies'} returned no rows`);
        return rows;
    };
    const rows = atomic ? await ex.transaction(tx => work(tx, true)) : await work(ex, false);
    return { tables: plan.tables.length + plan.truncate.length, rows, findings };
}

;// CONCATENATED MODULE: ./src/masking/reference.ts
/**
 * The masking format, in JavaScript: what the SQL of sql/postgres.ts and
 * sql/mysql.ts computes inside the database, value by value. Tests compare the
 * database's output with it; the bench's row-by-row baseline uses it. The
 * action itself never masks through this path.
 *
 * H = SHA-256(K || UTF-8 text of the value), K the masking key of the salt (keys.ts); u32(k) = big-endian uint32 of H[4k..4k+4].
 * NULL stays NULL and '' stays '' for every transform that derives from the value.
 */



let lastKey;
function digest(salt, text) {
    if (lastKey?.salt !== salt)
        lastKey = { salt, key: Buffer.from(maskKey(salt).hex, 'hex') };
    return createHash('sha256').update(lastKey.key).update(text, 'utf8').digest();
}
const u32 = (h, k) => h.readUInt32BE(4 * k);
const pad = (n, width) => String(n).padStart(width, '0');
/**
 * The start of a phone number that is kept: leading non-digits, then '+81' with
 * a following 0X0/120/800 service prefix, another '+', or the domestic '0' with
 * a following X0/120/800 (070/080/090 mobile, 050 IP phone, 0120/0800 toll
 * free). The same pattern runs in PostgreSQL (POSIX ARE) and MySQL/MariaDB.
 */
const PHONE_KEEP = '^[^0-9+]*(\\+81[^0-9]*(800|120|[2-9]0)?|\\+|0(800|120|[2-9]0)?)?';
/** Characters of a phone value that are masked digit by digit; digits after them become 0. */
const PHONE_POSITIONS = 64;
/** The 18 digits a phone's replaced digits are taken from, in turn: two 9-digit numbers (1xxxxxxxx..9xxxxxxxx) from u32(0), u32(1). */
function phoneDigits(h) {
    return `${100000000 + (u32(h, 0) % 900000000)}${100000000 + (u32(h, 1) % 900000000)}`;
}
/**
 * phone: the kept start as is; after it, the m-th replaced digit (0-based) becomes
 * phoneDigits[m % 18] (so the first one, e.g. the start of a landline's area code,
 * is never 0); other characters stay, so the area-code length and the hyphenation
 * stay too. Digits after the first PHONE_POSITIONS characters become 0.
 */
function maskPhone(h, text) {
    const digits = phoneDigits(h);
    const keep = [...(new RegExp(PHONE_KEEP).exec(text)?.[0] ?? '')].length;
    let m = 0;
    return [...text]
        .map((ch, i) => {
        if (i < keep || ch < '0' || ch > '9')
            return ch;
        if (i >= PHONE_POSITIONS)
            return '0';
        return digits[m++ % 18];
    })
        .join('');
}
/** One number picks the pair: i = u32(0) mod (families × givens); family i / givens, given i mod givens (paired lists share the index). */
function nameOf(h, family, given, part, latin = false) {
    const i = u32(h, 0) % (family.length * given.length);
    const f = family[Math.floor(i / given.length)];
    const g = given[i % given.length];
    return part === 'family' ? f : part === 'given' ? g : latin ? `${g} ${f}` : `${f} ${g}`;
}
/** The default IPv4 ranges (RFC 5737 documentation ranges) and IPv6 range (RFC 3849). */
const DOC_IPV4 = [0xc0000200, 0xc6336400, 0xcb007100];
const DOC_IPV6_HEX = '20010db8'.padEnd(32, '0');
/** IPv6 text from 32 hex digits: groups without leading zeros, the longest run of two or more zero groups as '::' (RFC 5952, as PostgreSQL prints inet). */
function ipv6Text(hex) {
    const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(4 * i, 4 * i + 4), 16).toString(16));
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8;) {
        let j = i;
        while (j < 8 && groups[j] === '0')
            j++;
        if (j - i > bestLen)
            [best, bestLen] = [i, j - i];
        i = j > i ? j : i + 1;
    }
    if (best < 0)
        return groups.join(':');
    return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
const ipv4Text = (n) => [24, 16, 8, 0].map(s => Math.floor(n / 2 ** s) % 256).join('.');
/** ip: IPv6 (the value has ':') keeps the range's prefix and takes the rest from H (from hex digit 9 on); IPv4 picks host 1..size-2 of one of the ranges. */
function maskIp(t, h, text) {
    if (text.includes(':')) {
        const range = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
        const nibbles = range.prefix / 4;
        return ipv6Text(range.hex.slice(0, nibbles) + h.toString('hex').slice(8, 8 + 32 - nibbles));
    }
    const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
    const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
    const n = u32(h, 0) % (bases.length * hosts);
    return ipv4Text(bases[Math.floor(n / hosts)] + 1 + (n % hosts));
}
/** postal-code of an address: a real first-three-digit prefix of the address's prefecture (the same index as the address transform), then four digits. */
function postalOfAddress(h) {
    const [lo, hi] = POSTAL_PREFIXES[u32(h, 0) % PREFECTURES.length];
    return `${pad(lo + (u32(h, 1) % (hi - lo + 1)), 3)}-${pad(u32(h, 2) % 10000, 4)}`;
}
/** The masked text of one non-empty text value; `of` is the value of the rule's of: column (kana, postal code). */
function maskText(t, salt, text, of) {
    const h = digest(salt, text);
    const src = of === undefined || of === null || of === '' ? undefined : digest(salt, of);
    switch (t.kind) {
        case 'email':
            return `u${h.toString('hex').slice(0, 32)}@${t.domain}`;
        case 'hash':
            return h.toString('hex').slice(0, t.length);
        case 'name':
            return t.style === 'latin' ? nameOf(h, FAMILY_LATIN, GIVEN_LATIN, t.part, true) : nameOf(h, FAMILY_JA, GIVEN_JA, t.part);
        case 'name-kana':
            return nameOf(t.of && src ? src : h, FAMILY_KANA, GIVEN_KANA, t.part);
        case 'phone':
            return maskPhone(h, text);
        case 'postal-code':
            return t.of && src ? postalOfAddress(src) : `${pad(u32(h, 0) % 1000, 3)}-${pad(u32(h, 1) % 10000, 4)}`;
        case 'ip':
            return maskIp(t, h, text);
        case 'address':
            return `${PREFECTURES[u32(h, 0) % PREFECTURES.length]}${TOWNS[u32(h, 1) % TOWNS.length]}${1 + (u32(h, 2) % 9)}-${1 + (u32(h, 3) % 30)}-${1 + (u32(h, 4) % 20)}`;
        case 'null':
            return null;
        case 'constant':
            return t.value === null ? null : String(t.value);
        case 'keep':
            return text;
        case 'date-shift':
            throw new Error('date-shift applies to dates: use shiftDays');
    }
}
/** The masked value of a text column value. */
function maskValue(t, salt, value, of) {
    if (t.kind === 'null')
        return null;
    if (t.kind === 'constant')
        return t.value === null ? null : String(t.value);
    if (value === null || value === '')
        return value;
    return maskText(t, salt, value, of);
}
/** date-shift: the signed number of days a value (its ISO text, e.g. 1990-04-01) moves; never 0. */
function shiftDays(days, salt, isoText) {
    const n = u32(digest(salt, isoText), 0) % (2 * days);
    return n < days ? n - days : n - days + 1;
}

;// CONCATENATED MODULE: ./src/masking/sql/mysql.ts



const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);
const ident = (name) => `\`${name.replace(/`/g, '``')}\``;
/** A string literal immune to sql_mode (NO_BACKSLASH_ESCAPES or not) and connection charset. */
const str = (s) => `CONVERT(X'${Buffer.from(s, 'utf8').toString('hex')}' USING utf8mb4)`;
/** The digest H = SHA-256(K || UTF-8 text of c) (keys.ts) as 64 hex characters. */
const digestHex = (c) => `SHA2(CONCAT(@rcs_mask_k, CAST(${c} AS CHAR CHARACTER SET utf8mb4)), 256)`;
const mysql_u32 = (c, k) => `CAST(CONV(SUBSTRING(${digestHex(c)}, ${8 * k + 1}, 8), 16, 10) AS UNSIGNED)`;
const pick = (c, list, k) => `ELT(1 + MOD(${mysql_u32(c, k)}, ${list.length}), ${literalList(list)})`;
const lpad = (c, k, mod, width) => `LPAD(MOD(${mysql_u32(c, k)}, ${mod}), ${width}, '0')`;
const empty = (c) => `${c} IS NULL OR ${c} = ''`;
const passEmpty = (c, body) => `CASE WHEN ${empty(c)} THEN ${c} ELSE ${body} END`;
/** Body from c's digest, or from the of: column o's when it has a value. */
const passFrom = (c, o, own, paired) => `CASE WHEN ${empty(c)} THEN ${c} WHEN ${empty(o)} THEN ${own} ELSE ${paired} END`;
/** A name from c's digest: one integer indexes the pair list (reference.ts nameOf). */
function mysql_name(c, style, part) {
    const [family, given] = style === 'latin' ? [dictionaries_FAMILY_LATIN, dictionaries_GIVEN_LATIN] : style === 'kana' ? [dictionaries_FAMILY_KANA, dictionaries_GIVEN_KANA] : [dictionaries_FAMILY_JA, dictionaries_GIVEN_JA];
    const list = family.flatMap(f => given.map(g => (part === 'family' ? f : part === 'given' ? g : style === 'latin' ? `${g} ${f}` : `${f} ${g}`)));
    return `ELT(1 + MOD(${mysql_u32(c, 0)}, ${list.length}), ${literalList(list)})`;
}
const ownPostal = (c) => `CONCAT(${lpad(c, 0, 1000, 3)}, '-', ${lpad(c, 1, 10000, 4)})`;
function mysql_postalOfAddress(o) {
    const p = `1 + MOD(${mysql_u32(o, 0)}, ${dictionaries_PREFECTURES.length})`;
    const lo = `ELT(${p}, ${dictionaries_POSTAL_PREFIXES.map(r => r[0]).join(', ')})`;
    const span = `ELT(${p}, ${dictionaries_POSTAL_PREFIXES.map(r => r[1] - r[0] + 1).join(', ')})`;
    return `CONCAT(LPAD(CAST(${lo} AS UNSIGNED) + MOD(${mysql_u32(o, 1)}, CAST(${span} AS UNSIGNED)), 3, '0'), '-', ${lpad(o, 2, 10000, 4)})`;
}
/** phone (reference.ts maskPhone), unrolled over the first PHONE_POSITIONS characters (at most the column's length). */
function phone(c, col) {
    const n = Math.min(col.maxLength ?? PHONE_POSITIONS, PHONE_POSITIONS);
    const k = `COALESCE(CHAR_LENGTH(REGEXP_SUBSTR(${c}, ${str(PHONE_KEEP)})), 0)`;
    const ch = (i) => `SUBSTRING(${c}, ${i}, 1)`;
    const digits = `CONCAT(100000000 + MOD(${mysql_u32(c, 0)}, 900000000), 100000000 + MOD(${mysql_u32(c, 1)}, 900000000))`;
    /** How many digits before character i are replaced ones: the replaced digit's number m. */
    const m = (i) => `(${i - 1} - ${k} - CHAR_LENGTH(REGEXP_REPLACE(SUBSTRING(${c}, ${k} + 1, ${i - 1} - ${k}), '[0-9]', '')))`;
    const parts = [];
    for (let i = 1; i <= n; i++)
        // Cheap tests first (CASE stops at the first match): past the end, not a digit, then the kept start.
        parts.push(`CASE WHEN ${i} > CHAR_LENGTH(${c}) THEN '' WHEN ASCII(${ch(i)}) NOT BETWEEN 48 AND 57 OR ${i} <= ${k} THEN ${ch(i)} ELSE SUBSTRING(${digits}, 1 + MOD(${m(i)}, 18), 1) END`);
    if (n === PHONE_POSITIONS && (col.maxLength === null || col.maxLength > n))
        parts.push(`REGEXP_REPLACE(SUBSTRING(${c}, ${n + 1}), '[0-9]', '0')`);
    return passEmpty(c, `CONCAT(${parts.join(', ')})`);
}
/** ip (reference.ts maskIp) for a text column. */
function ip(c, t) {
    const v6 = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
    const nibbles = v6.prefix / 4;
    const six = `INET6_NTOA(UNHEX(CONCAT(${str(v6.hex.slice(0, nibbles))}, SUBSTRING(${digestHex(c)}, 9, ${32 - nibbles}))))`;
    const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
    const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
    const four = `INET_NTOA(CAST(ELT(1 + FLOOR(MOD(${mysql_u32(c, 0)}, ${bases.length * hosts}) / ${hosts}), ${bases.join(', ')}) AS UNSIGNED) + 1 + MOD(${mysql_u32(c, 0)}, ${hosts}))`;
    return passEmpty(c, `CASE WHEN LOCATE(':', ${c}) > 0 THEN ${six} ELSE ${four} END`);
}
function textExpression(c, t, col, source) {
    const o = source ? ident(source.column) : undefined;
    switch (t.kind) {
        case 'email':
            return passEmpty(c, `CONCAT('u', LEFT(${digestHex(c)}, 32), ${str('@' + t.domain)})`);
        case 'hash':
            return passEmpty(c, `LEFT(${digestHex(c)}, ${t.length})`);
        case 'name':
            return passEmpty(c, mysql_name(c, t.style, t.part));
        case 'name-kana':
            return o ? passFrom(c, o, mysql_name(c, 'kana', t.part), mysql_name(o, 'kana', t.part)) : passEmpty(c, mysql_name(c, 'kana', t.part));
        case 'phone':
            return phone(c, col);
        case 'postal-code':
            return o ? passFrom(c, o, ownPostal(c), mysql_postalOfAddress(o)) : passEmpty(c, ownPostal(c));
        case 'address':
            return passEmpty(c, `CONCAT(${pick(c, dictionaries_PREFECTURES, 0)}, ${pick(c, dictionaries_TOWNS, 1)}, 1 + MOD(${mysql_u32(c, 2)}, 9), '-', 1 + MOD(${mysql_u32(c, 3)}, 30), '-', 1 + MOD(${mysql_u32(c, 4)}, 20))`);
        case 'ip':
            return ip(c, t);
        default:
            return undefined;
    }
}
/** Date arithmetic: DATE_ADD keeps the column's type (date, datetime or timestamp). */
function dateShift(c, _col, days) {
    // reference.ts shiftDays: n = u32(0) mod 2·days; n - days when n < days, else n - days + 1 (never 0).
    const n = `CAST(MOD(${mysql_u32(c, 0)}, ${2 * days}) AS SIGNED)`;
    return `CASE WHEN ${c} IS NULL THEN ${c} ELSE DATE_ADD(${c}, INTERVAL (${n} - ${days} + (${n} >= ${days})) DAY) END`;
}
/** Numbers stay numeric literals; strings go through str() (sql_mode and charset proof). */
const literal = (value) => (typeof value === 'number' ? String(value) : str(value));
const table = (schema, name) => `${ident(schema)}.${ident(name)}`;
const mysql = {
    engine: 'mysql',
    ident,
    table,
    expression: (col, t, source) => maskExpression(ident(col.column), col, t, { literal, dateShift, text: (c, tr) => textExpression(c, tr, col, source) }),
    sessionKeys: (key) => [{ sql: 'SET @rcs_mask_k = UNHEX(?)', params: [key.hex] }],
    clearKeys: () => [{ sql: 'SET @rcs_mask_k = NULL', params: [] }],
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
    isNetwork: () => false,
    countRows: sql => `SELECT COUNT(*) AS n FROM (${sql}) AS v`,
    sample: (schema, name, columns, limit) => `SELECT ${columns.map(c => `CAST(${ident(c)} AS CHAR CHARACTER SET utf8mb4) AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};

;// CONCATENATED MODULE: ./src/masking/sql/postgres.ts



const postgres_TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const TEXT_UDTS = new Set(['citext']);
const postgres_DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
const NET_TYPES = new Set(['inet', 'cidr']);
const postgres_ident = (name) => `"${name.replace(/"/g, '""')}"`;
const postgres_str = (s) => `'${s.replace(/'/g, "''")}'`;
/** The digest H = SHA-256(K || UTF-8 of the text expression x) (keys.ts) as bytea. */
const digestOf = (x) => `sha256(decode($1, 'hex') || convert_to(${x}, 'UTF8'))`;
/**
 * Big-endian uint32 number k of the digest h (an SQL expression, normally a column of the inner select), from four
 * get_byte() calls and shifts (parenthesised: PostgreSQL gives << and | the same precedence): no text in between (the former `('x' || encode(substring(…), 'hex'))::bit(32)::bigint`
 * allocated three values and parsed hex per use).
 */
const postgres_u32 = (h, k) => `((get_byte(${h}, ${4 * k})::bigint << 24) | (get_byte(${h}, ${4 * k + 1}) << 16) | (get_byte(${h}, ${4 * k + 2}) << 8) | get_byte(${h}, ${4 * k + 3}))`;
const postgres_pick = (h, list, k) => `(ARRAY[${literalList(list)}])[1 + (${postgres_u32(h, k)} % ${list.length})::int]`;
const postgres_lpad = (h, k, mod, width) => `lpad((${postgres_u32(h, k)} % ${mod})::text, ${width}, '0')`;
const postgres_empty = (c) => `${c} IS NULL OR ${c}::text = ''`;
/** The text a column's value is hashed as: its text, or for inet/cidr the address without the mask. */
const hashedText = (c, col) => (NET_TYPES.has(col.dataType) ? `host(${c})` : `${c}::text`);
/** A name from digest h (reference.ts nameOf): i = u32(0) mod (families × givens), family i / givens, given i mod givens. Two short lists, not one list of pairs: a text array element is found by walking the array. */
function postgres_name(h, style, part) {
    const [family, given] = style === 'latin' ? [dictionaries_FAMILY_LATIN, dictionaries_GIVEN_LATIN] : style === 'kana' ? [dictionaries_FAMILY_KANA, dictionaries_GIVEN_KANA] : [dictionaries_FAMILY_JA, dictionaries_GIVEN_JA];
    const i = `(${postgres_u32(h, 0)} % ${family.length * given.length})`;
    const f = `(ARRAY[${literalList(family)}])[1 + (${i} / ${given.length})::int]`;
    const g = `(ARRAY[${literalList(given)}])[1 + (${i} % ${given.length})::int]`;
    if (part === 'family')
        return f;
    if (part === 'given')
        return g;
    return style === 'latin' ? `${g} || ' ' || ${f}` : `${f} || ' ' || ${g}`;
}
const postgres_ownPostal = (h) => `${postgres_lpad(h, 0, 1000, 3)} || '-' || ${postgres_lpad(h, 1, 10000, 4)}`;
/** The postal code of an address's prefecture (reference.ts postalOfAddress), from the address's digest. */
function postgres_postalOfAddress(h) {
    const p = `1 + (${postgres_u32(h, 0)} % ${dictionaries_PREFECTURES.length})::int`;
    const lo = `(ARRAY[${dictionaries_POSTAL_PREFIXES.map(r => r[0]).join(',')}])[${p}]`;
    const span = `(ARRAY[${dictionaries_POSTAL_PREFIXES.map(r => r[1] - r[0] + 1).join(',')}])[${p}]`;
    return `lpad((${lo} + ${postgres_u32(h, 1)} % ${span})::text, 3, '0') || '-' || ${postgres_lpad(h, 2, 10000, 4)}`;
}
/**
 * The kept start of a phone (PHONE_KEEP); values starting with 0 (most) without the regular expression, by LIKE (under
 * "C": cheap, and possible whatever the column's collation).
 */
function phoneKeep(c) {
    const x = `${c}::text`;
    const like = (pattern) => `${x} COLLATE "C" LIKE '${pattern}'`;
    return `CASE WHEN ${like('0%')} THEN (CASE WHEN ${like('0800%')} OR ${like('0120%')} THEN left(${x}, 4) WHEN ${like('0_0%')} AND strpos('23456789', substr(${x}, 2, 1)) > 0 THEN left(${x}, 3) ELSE '0' END) ELSE substring(${x} from ${postgres_str(`^(${PHONE_KEEP.slice(1)})`)}) END`;
}
/** 10^e as a bigint, for e an SQL integer expression in 0..18. */
const pow10 = (e) => `(ARRAY[${Array.from({ length: 19 }, (_, i) => `1${'0'.repeat(i)}`).join(',')}]::bigint[])[1 + ${e}]`;
/** The hyphenated shapes most phones have (digits per group), whose to_char formats are constants. */
const PHONE_GROUPS = [
    [3, 4, 4],
    [2, 4, 4],
    [3, 3, 4],
    [4, 2, 4],
    [5, 1, 4],
    [4, 3, 3],
    [4, 3, 4]
];
/** The most digits of a phone on the fast path: its number is a bigint (< 9.2 × 10^18) whose first digit is the leading 0. */
const FAST_DIGITS = 19;
/** The text of column c under "C": LIKE and regular expressions whatever the column's collation. */
const phoneText = (c) => `(${c}::text COLLATE "C")`;
/** The length of the i-th hyphen-separated group of column c's text, once the text is known to be ASCII. */
const phoneGroup = (c, i) => `octet_length(split_part(${phoneText(c)}, '-', ${i}))`;
/**
 * The shape of a phone on the fast path, from the value alone (so it is computed in the inner SELECT), as 100 × s + its
 * number of digits: s = 1 + i for PHONE_GROUPS[i], 10 + its number of hyphens for another shape. The fast path takes a
 * value that starts with 0 (so its kept start is digits only), has only digits and 0 to 3 hyphens ('-' is literal in a
 * numeric to_char format), and at most 19 digits (a bigint); NULL for any other value. One regular expression rejects
 * other characters, LIKE (cheap) finds the hyphens; no translate() nor anything per digit.
 */
function phoneShape(c) {
    const x = phoneText(c);
    // At most two hyphens, so a LIKE pattern with two matches only values whose hyphens are where its are ('_' matches '-').
    const common = PHONE_GROUPS.map((g, i) => `WHEN ${x} LIKE '${g.map(n => '_'.repeat(n)).join('-')}' THEN ${100 * (i + 1) + g[0] + g[1] + g[2]}`).join(' ');
    // 100 × (10 + hyphens) + digits; octet_length (constant time) is the length once the value is known to be ASCII.
    const other = (hyphens) => `CASE WHEN octet_length(${x}) <= ${FAST_DIGITS + hyphens} THEN ${100 * (10 + hyphens) - hyphens} + octet_length(${x}) END`;
    const upToTwo = `CASE ${common} WHEN ${x} NOT LIKE '%-%' THEN ${other(0)} WHEN ${x} NOT LIKE '%-%-%' THEN ${other(1)} ELSE ${other(2)} END`;
    return `CASE WHEN ${x} LIKE '0%' AND ${x} !~ '[^0-9-]' THEN CASE WHEN ${x} NOT LIKE '%-%-%-%' THEN ${upToTwo} WHEN ${x} NOT LIKE '%-%-%-%-%' THEN ${other(3)} END END`;
}
/** The to_char format of a phone of shape s (phoneShape): 'FM' and the value with each digit as 0. */
function phoneFormat(c, s) {
    const zeros = '0'.repeat(FAST_DIGITS);
    const groups = (hyphens) => [`'FM' || left('${zeros}', ${phoneGroup(c, 1)})`, ...Array.from({ length: hyphens }, (_, i) => `left('-${zeros}', ${phoneGroup(c, i + 2)} + 1)`)].join(' || ');
    const common = PHONE_GROUPS.map((g, i) => `WHEN ${i + 1} THEN 'FM${g.map(n => '0'.repeat(n)).join('-')}'`).join(' ');
    return `CASE ${s} / 100 ${common} ${[0, 1, 2, 3].map(h => `WHEN ${10 + h} THEN ${groups(h)}`).join(' ')} END`;
}
/**
 * phone (reference.ts maskPhone). Fast path (shape s not NULL, see phoneShape): one to_char() of the number whose n
 * digits are the kept start k then the first n - length(k) of the 18 digits (reference.ts phoneDigits, as a bigint),
 * in the value's format (phoneFormat). NULL and '' stay. Any other value: the kept start k, then the rest's digits
 * replaced in one format() call (each digit becomes %s; the arguments are the 18 digits).
 */
function postgres_phone(c, h, k, s) {
    const x = `${c}::text`;
    const rest = `substr(${x}, length(${k}) + 1, ${PHONE_POSITIONS} - length(${k}))`;
    // reference.ts phoneDigits; format() ignores surplus arguments, so longer values get the 18 digits repeated.
    const d = `(100000000 + ${postgres_u32(h, 0)} % 900000000)::text || (100000000 + ${postgres_u32(h, 1)} % 900000000)::text`;
    const args = `string_to_array(CASE WHEN length(${rest}) <= 18 THEN ${d} ELSE repeat(${d}, 4) END, NULL)`;
    const placeholders = `translate(replace(${rest}, '%', '%%'), '0123456789', repeat(chr(1), 10))`;
    const tail = `CASE WHEN length(${x}) > ${PHONE_POSITIONS} THEN translate(substr(${x}, ${PHONE_POSITIONS + 1}), '0123456789', '0000000000') ELSE '' END`;
    const slow = `${k} || format(replace(${placeholders}, chr(1), '%s'), VARIADIC ${args}) || ${tail}`;
    const digits18 = `((100000000 + ${postgres_u32(h, 0)} % 900000000) * 1000000000 + 100000000 + ${postgres_u32(h, 1)} % 900000000)`;
    // The number of digits after the kept start (k is ASCII on the fast path).
    const m = `(${s} % 100 - octet_length(${k}))`;
    // The first m of the 18 digits: most phones need no more than the first 9 (one uint32).
    const first = `CASE WHEN ${m} <= 9 THEN (100000000 + ${postgres_u32(h, 0)} % 900000000) / ${pow10(`9 - ${m}`)} ELSE ${digits18} / ${pow10(`18 - ${m}`)} END`;
    const fast = `to_char(CASE WHEN ${k} = '0' THEN 0 ELSE ${k}::bigint * ${pow10(m)} END + ${first}, ${phoneFormat(c, s)})`;
    // A value on the fast path is not empty: the NULL/'' test comes second.
    return `CASE WHEN ${s} IS NOT NULL THEN ${fast} WHEN ${postgres_empty(c)} THEN ${x} ELSE ${slow} END`;
}
/** ip (reference.ts maskIp) as text, from digest h; a is the value's text. */
function ipText(t, a, h) {
    const v6 = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
    const nibbles = v6.prefix / 4;
    const six = `host(regexp_replace(${postgres_str(v6.hex.slice(0, nibbles))} || substr(encode(${h}, 'hex'), 9, ${32 - nibbles}), '(.{4})(?!$)', '\\1:', 'g')::inet)`;
    const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
    const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
    const four = `host('0.0.0.0'::inet + ((ARRAY[${bases.join(',')}]::bigint[])[1 + ((${postgres_u32(h, 0)} % ${bases.length * hosts}) / ${hosts})::int] + 1 + ${postgres_u32(h, 0)} % ${hosts}))`;
    return `CASE WHEN strpos(${a}, ':') > 0 THEN ${six} ELSE ${four} END`;
}
/** own(h) from the digest of refs.h: inline when that is an inner column, else computed once in its own sub-SELECT. */
const withOwn = (r, own) => (r.lazy ? `(SELECT ${own('e.h')} FROM (SELECT ${r.h} AS h OFFSET 0) AS e)` : own(r.h));
/** The masked value of column c from the digests in refs; NULL (and '' for text) pass through. Undefined for null, constant, keep. */
function masked(c, col, t, source, r) {
    const o = source ? postgres_ident(source.column) : undefined;
    const text = (body) => `CASE WHEN ${postgres_empty(c)} THEN ${c}::text ELSE ${body} END`;
    const paired = (own, fromSource) => `CASE WHEN ${postgres_empty(c)} THEN ${c}::text WHEN ${postgres_empty(o)} THEN ${own} ELSE ${fromSource} END`;
    switch (t.kind) {
        case 'email':
            return text(`'u' || encode(substring(${r.h} from 1 for 16), 'hex') || ${postgres_str('@' + t.domain)}`);
        case 'hash':
            return text(`left(encode(${r.h}, 'hex'), ${t.length})`);
        case 'name':
            return text(postgres_name(r.h, t.style, t.part));
        case 'name-kana':
            return o
                ? paired(withOwn(r, h => postgres_name(h, 'kana', t.part)), postgres_name(r.ho, 'kana', t.part))
                : text(postgres_name(r.h, 'kana', t.part));
        case 'phone':
            return postgres_phone(c, r.h, r.k, r.s);
        case 'postal-code':
            return o ? paired(withOwn(r, postgres_ownPostal), postgres_postalOfAddress(r.ho)) : text(postgres_ownPostal(r.h));
        case 'address':
            return text(`${postgres_pick(r.h, dictionaries_PREFECTURES, 0)} || ${postgres_pick(r.h, dictionaries_TOWNS, 1)} || (1 + ${postgres_u32(r.h, 2)} % 9)::text || '-' || (1 + ${postgres_u32(r.h, 3)} % 30)::text || '-' || (1 + ${postgres_u32(r.h, 4)} % 20)::text`);
        case 'ip': {
            if (!NET_TYPES.has(col.dataType))
                return text(ipText(t, `${c}::text`, r.h));
            const m = `set_masklen((${ipText(t, `host(${c})`, r.h)})::inet, masklen(${c}))`;
            return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${col.dataType === 'cidr' ? `network(${m})::cidr` : m} END`;
        }
        case 'date-shift': {
            // reference.ts shiftDays: one integer indexes the shifts -days..-1, 1..days.
            const shifts = Array.from({ length: 2 * t.days }, (_, n) => (n < t.days ? n - t.days : n - t.days + 1));
            const shift = `(ARRAY[${shifts.join(',')}])[1 + (${postgres_u32(r.h, 0)} % ${2 * t.days})::int]`;
            return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${c} + ${col.dataType === 'date' ? shift : `${shift} * interval '1 day'`} END`;
        }
        default:
            return undefined;
    }
}
/**
 * The digests of a row, computed once each in an inner SELECT (OFFSET 0 keeps the planner from pulling
 * it up and computing a digest once per use): one per hashed column (a column that is also another's
 * of: source is hashed once), plus the kept start and fast-path shape of each phone.
 */
function digests(cols) {
    const names = new Map();
    const items = [];
    // The per-row names (h0, k0, s0, …) are unqualified in the expressions, as the table's columns are: a ruled column
    // named like one would read the digest instead of its value, so they get a prefix no referenced column has.
    const used = cols.flatMap(x => [x.column.column, ...(x.source ? [x.source.column] : [])]);
    let p = '';
    while (used.some(u => new RegExp(`^${p}[hks]\\d+$`).test(u)))
        p += '_';
    const digest = (col) => {
        const c = postgres_ident(col.column);
        let n = names.get(col.column);
        if (!n) {
            n = `${p}h${names.size}`;
            names.set(col.column, n);
            items.push(`${digestOf(hashedText(c, col))} AS ${n}`);
        }
        return n;
    };
    const refs = cols.map((x, i) => {
        const lazy = !!x.source && (x.transform.kind === 'name-kana' || x.transform.kind === 'postal-code');
        const r = lazy ? { h: digestOf(hashedText(postgres_ident(x.column.column), x.column)), lazy } : { h: digest(x.column) };
        if (x.source)
            r.ho = digest(x.source);
        if (x.transform.kind === 'phone') {
            [r.k, r.s] = [`${p}k${i}`, `${p}s${i}`];
            items.push(`${phoneKeep(postgres_ident(x.column.column))} AS ${r.k}`, `${phoneShape(postgres_ident(x.column.column))} AS ${r.s}`);
        }
        return r;
    });
    return { select: `SELECT ${items.join(', ')} OFFSET 0`, refs };
}
/** Transforms computed from digests (everything but null, constant and keep). */
const derived = (t) => !['null', 'constant', 'keep'].includes(t.kind);
/** One column's masked value on its own (a sub-SELECT computing its digests once). */
function expression(col, t, source) {
    const c = postgres_ident(col.column);
    if (!derived(t))
        return maskExpression(c, col, t, { literal: postgres_literal, dateShift: () => '', text: () => undefined });
    const { select, refs } = digests([{ column: col, transform: t, source }]);
    return `(SELECT ${masked(c, col, t, source, refs[0])} FROM (${select}) AS d)`;
}
/**
 * The table's one UPDATE: null and constant columns set directly, every derived column in one
 * multi-column assignment from a single sub-SELECT per row, whose inner SELECT computes each digest once.
 */
function update(target, cols) {
    const plain = cols.filter(x => !derived(x.transform)).map(x => `${postgres_ident(x.column.column)} = ${expression(x.column, x.transform)}`);
    const rich = cols.filter(x => derived(x.transform));
    const sets = [...plain];
    if (rich.length) {
        const { select, refs } = digests(rich);
        const values = rich.map((x, i) => masked(postgres_ident(x.column.column), x.column, x.transform, x.source, refs[i]));
        sets.push(`(${rich.map(x => postgres_ident(x.column.column)).join(', ')}) = (SELECT ${values.join(',\n    ')} FROM (${select}) AS d)`);
    }
    return `UPDATE ${target} SET ${sets.join(',\n  ')}`;
}
/** Numbers too are quoted: an untyped literal takes the column's type in the UPDATE. */
const postgres_literal = (value) => postgres_str(String(value));
const postgres_table = (schema, name) => `${postgres_ident(schema)}.${postgres_ident(name)}`;
const postgres = {
    engine: 'postgres',
    ident: postgres_ident,
    table: postgres_table,
    expression,
    update,
    sessionKeys: () => [],
    clearKeys: () => [],
    updateParams: (key) => [key.hex],
    truncate: tables => (tables.length ? [`TRUNCATE TABLE ${tables.map(t => postgres_table(t.schema, t.table)).join(', ')}`] : []),
    catalogQuery: `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length, c.is_nullable
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_%'
ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
    defaultSchemaQuery: 'SELECT current_schema() AS s',
    isText: col => postgres_TEXT_TYPES.has(col.dataType) || TEXT_UDTS.has(col.udtName),
    isNetwork: col => NET_TYPES.has(col.dataType),
    isDate: col => postgres_DATE_TYPES.has(col.dataType),
    countRows: sql => `SELECT count(*) AS n FROM (${sql}) AS v`,
    pages: {
        // A table with inheritance children (or partitions) is not split: its UPDATE covers the children too, whose pages the ranges do not.
        query: `SELECT current_setting('server_version_num')::int AS version,
  CASE WHEN c.relkind = 'r' AND NOT c.relhassubclass THEN (pg_relation_size(c.oid) / current_setting('block_size')::int)::bigint ELSE 0 END AS pages
FROM pg_class c WHERE c.oid = $1::regclass`,
        supports: version => version >= 140000,
        restrict: (update, from, to) => `${update}\nWHERE ctid >= '(${Math.floor(from)},0)'::tid AND ctid < '(${Math.floor(to)},0)'::tid`
    },
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
 * deterministic (a keyed SHA-256 under masking-salt, keys.ts), set-based SQL in the database,
 * fail-closed (any failure vetoes the swap). Called by src/steps/mask.ts.
 */













async function connect(target) {
    if (target.via === 'data-api')
        return connectDataApi(target);
    const { host, port, user, password, database, tls } = target;
    try {
        return target.engine === 'postgres' ? await connectPostgres({ host, port, user, password, database, tls }) : await connectMysql({ host, port, user, password, database, tls });
    }
    catch (e) {
        throw new veto/* MaskingVetoError */.H([
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
            throw new veto/* MaskingVetoError */.H(e.problems.map(p => `${opts.rulesFile}: ${p}`), 'Masking rules are invalid');
        throw e;
    }
    if (!opts.salt)
        throw new veto/* MaskingVetoError */.H(['masking-salt is empty: pass a secret salt (e.g. ${{ secrets.MASKING_SALT }}) so masked values are deterministic and not guessable.']);
    if (process.env.GITHUB_ACTIONS === 'true') {
        // The key is as secret as the salt; keep it out of any log line.
        core/* setSecret */.Pq(keys_maskKey(opts.salt).hex);
    }
    const dialect = opts.target.engine === 'postgres' ? postgres : mysql;
    const ex = await connect(opts.target);
    try {
        const outcome = await maskDatabase(ex, dialect, rules, { salt: opts.salt, strict: opts.strict, log, sampleRows: opts.sampleRows, workers: opts.workers, open: () => connect(opts.target) });
        return { ...outcome, durationMs: Date.now() - started };
    }
    catch (e) {
        if (e instanceof veto/* MaskingVetoError */.H)
            throw e;
        throw new veto/* MaskingVetoError */.H([`masking failed: ${e.message}`]);
    }
    finally {
        await ex.close().catch(() => undefined);
    }
}


/***/ })

};
