/**
 * Kubernetes label selectors in kubectl syntax, compiled to SQL over a jsonb labels column.
 *
 * Grammar (comma = AND): `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1)`,
 * `key` (exists), `!key` (does not exist). Values always travel as bind parameters.
 */
import { badInput } from './errors.js';
import type { SqlParams } from './sql-params.js';

export type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ','; pos: number }
  | { kind: 'end'; pos: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      tokens.push({ kind: 'op', text: two, pos: i });
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'op', text: ch, pos: i });
      i++;
      continue;
    }
    const start = i;
    while (i < input.length && !/[\s=!(),]/.test(input[i])) i++;
    tokens.push({ kind: 'word', text: input.slice(start, i), pos: start });
  }
  tokens.push({ kind: 'end', pos: input.length });
  return tokens;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of input' : `"${token.text}" at position ${token.pos + 1}`;
}

function checkKey(key: string, pos: number): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new LabelSelectorError(`invalid label key "${key}" at position ${pos + 1}: the prefix must be a DNS subdomain`);
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    throw new LabelSelectorError(
      `invalid label key "${key}" at position ${pos + 1}: a name must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
  return key;
}

function checkValue(value: string, pos: number): string {
  if (value.length > 63 || (value.length > 0 && !NAME.test(value))) {
    throw new LabelSelectorError(
      `invalid label value "${value}" at position ${pos + 1}: at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
  return value;
}

/** Parses a selector; an empty or blank selector selects everything (no requirements). */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return requirements;

  const expectWord = (what: string): { text: string; pos: number } => {
    const t = next();
    if (t.kind !== 'word') throw new LabelSelectorError(`expected ${what} but found ${describe(t)}`);
    return t;
  };

  for (;;) {
    const first = next();
    if (first.kind === 'op' && first.text === '!') {
      const key = expectWord('a label key after "!"');
      requirements.push({ key: checkKey(key.text, key.pos), op: 'notexists' });
    } else if (first.kind === 'word') {
      const key = checkKey(first.text, first.pos);
      const op = peek();
      if (op.kind === 'end' || (op.kind === 'op' && op.text === ',')) {
        requirements.push({ key, op: 'exists' });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        next();
        const valueToken = peek();
        // `key=` selects an empty value, as in kubectl.
        let value = '';
        if (valueToken.kind === 'word') {
          next();
          value = checkValue(valueToken.text, valueToken.pos);
        } else if (!(valueToken.kind === 'end' || (valueToken.kind === 'op' && valueToken.text === ','))) {
          throw new LabelSelectorError(`expected a label value after "${op.text}" but found ${describe(valueToken)}`);
        }
        requirements.push({ key, op: op.text === '!=' ? 'neq' : 'eq', value });
      } else if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
        next();
        const open = next();
        if (!(open.kind === 'op' && open.text === '(')) {
          throw new LabelSelectorError(`expected "(" after "${op.text}" but found ${describe(open)}`);
        }
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (v.kind !== 'word') throw new LabelSelectorError(`expected a value in the "${op.text}" list but found ${describe(v)}`);
          values.push(checkValue(v.text, v.pos));
          const sep = next();
          if (sep.kind === 'op' && sep.text === ')') break;
          if (!(sep.kind === 'op' && sep.text === ',')) {
            throw new LabelSelectorError(`expected "," or ")" in the "${op.text}" list but found ${describe(sep)}`);
          }
        }
        requirements.push({ key, op: op.text, values });
      } else {
        throw new LabelSelectorError(
          `expected "=", "==", "!=", "in", "notin" or "," after label key "${key}" but found ${describe(op)}`,
        );
      }
    } else {
      throw new LabelSelectorError(`expected a label key or "!" but found ${describe(first)}`);
    }
    const sep = next();
    if (sep.kind === 'end') return requirements;
    if (!(sep.kind === 'op' && sep.text === ',')) {
      throw new LabelSelectorError(`expected "," between requirements but found ${describe(sep)}`);
    }
  }
}

/**
 * SQL over `column` (a jsonb object of string labels) matching every requirement; `TRUE` when none.
 * Kubernetes semantics: `!=` and `notin` also match objects that lack the key.
 */
export function labelRequirementsToSql(requirements: readonly LabelRequirement[], column: string, params: SqlParams): string {
  if (requirements.length === 0) return 'TRUE';
  return requirements
    .map((r) => {
      switch (r.op) {
        case 'eq':
          // Containment uses the GIN index on labels.
          return `${column} @> ${params.add(JSON.stringify({ [r.key]: r.value }))}::jsonb`;
        case 'neq':
          return `NOT (${column} @> ${params.add(JSON.stringify({ [r.key]: r.value }))}::jsonb)`;
        case 'in':
          return `(${column} ->> ${params.add(r.key)}) = ANY(${params.add(r.values)}::text[])`;
        case 'notin':
          return `COALESCE((${column} ->> ${params.add(r.key)}) <> ALL(${params.add(r.values)}::text[]), TRUE)`;
        case 'exists':
          return `jsonb_exists(${column}, ${params.add(r.key)})`;
        case 'notexists':
          return `NOT jsonb_exists(${column}, ${params.add(r.key)})`;
      }
    })
    .map((s) => `(${s})`)
    .join(' AND ');
}

/** Whether `labels` satisfy every requirement (in memory, as for a change event's row). */
export function labelsMatch(labels: Record<string, string>, requirements: readonly LabelRequirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'eq':
        return has && labels[r.key] === r.value;
      case 'neq':
        return !has || labels[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** A selector given as argument `argumentName`: parsed, or refused with BAD_USER_INPUT naming the argument and what is wrong. */
export function selectorArgument(input: string | null | undefined, argumentName: string): LabelRequirement[] {
  if (!input) return [];
  try {
    return parseLabelSelector(input);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw badInput(`Invalid ${argumentName}: ${err.message}`, { argumentName });
    throw err;
  }
}
