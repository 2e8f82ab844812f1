/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests of /metrics: anything Prometheus
 * would refuse, or would read differently, throws with the line it is on.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class PrometheusTextError extends Error {
  constructor(lineNumber: number, line: string, problem: string) {
    super(`line ${lineNumber}: ${problem}: ${JSON.stringify(line)}`);
  }
}

/** A float as Go's strconv.ParseFloat reads it, which is what Prometheus uses (NaN and Inf in any case). */
function parseValue(text: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`"${text}" is not a number`);
  return Number(text);
}

/** `{a="x",b="y"}` from position `at` of `line`; returns the labels and the position after the closing brace. */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error('label without "="');
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`invalid label name "${name}"`);
    if (name in labels) throw new Error(`label "${name}" twice`);
    if (line[eq + 1] !== '"') throw new Error(`label "${name}" value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`label "${name}" value not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`invalid escape "\\${next ?? ''}" in label "${name}"`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected "," or "}" after label "${name}"`);
  }
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(sampleName);
  if (own) return own;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

/** Histogram rules: every series has cumulative buckets ending in +Inf, and its +Inf bucket equals its _count. */
function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const s of family.samples) {
    const key = keyOf(s.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${family.name}_bucket`) {
      if (s.labels.le === undefined) throw new Error(`${family.name}: bucket without "le"`);
      entry.buckets.push([parseValue(s.labels.le), s.value]);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
    else if (s.name === `${family.name}_sum`) entry.sum = s.value;
    else throw new Error(`${family.name}: sample ${s.name} does not belong to a histogram`);
  }
  for (const [key, entry] of series) {
    const where = `${family.name}${key}`;
    if (entry.count === undefined || entry.sum === undefined) throw new Error(`${where}: _count or _sum missing`);
    const last = entry.buckets[entry.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket last`);
    for (let i = 1; i < entry.buckets.length; i++) {
      if (entry.buckets[i]![0] <= entry.buckets[i - 1]![0]) throw new Error(`${where}: bucket bounds not increasing`);
      if (entry.buckets[i]![1] < entry.buckets[i - 1]![1]) throw new Error(`${where}: buckets not cumulative`);
    }
    if (last[1] !== entry.count) throw new Error(`${where}: +Inf bucket ${last[1]} differs from _count ${entry.count}`);
  }
}

/**
 * Parses an exposition into its families. Refused: malformed lines, names or label values; a TYPE after the family's
 * samples or twice; a HELP twice; samples of one family not together; the same series twice; a counter or histogram
 * count that is negative; histogram buckets that are not cumulative or do not end in +Inf equal to _count.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seriesSeen = new Set<string>();
  const finished = new Set<string>();
  const typed = new Set<string>();
  const helped = new Set<string>();
  let current: MetricFamily | undefined;
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const lines = text.split('\n');
  lines.pop();
  const declare = (name: string): MetricFamily => {
    if (finished.has(name)) throw new Error(`family ${name} continues after another family`);
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    if (current && current !== family) finished.add(current.name);
    current = family;
    return family;
  };
  lines.forEach((line, index) => {
    const n = index + 1;
    try {
      if (line === '') return;
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
        // Other comments are allowed and mean nothing.
        if (!m) return;
        const [, keyword, name, rest = ''] = m;
        if (!METRIC_NAME.test(name!)) throw new Error(`invalid metric name "${name}"`);
        const family = declare(name!);
        if (keyword === 'TYPE') {
          if (!TYPES.has(rest as MetricType)) throw new Error(`unknown type "${rest}"`);
          if (typed.has(family.name)) throw new Error(`second TYPE for ${name}`);
          if (family.samples.length > 0) throw new Error(`TYPE for ${name} after its samples`);
          family.type = rest as MetricType;
          typed.add(family.name);
        } else {
          if (helped.has(family.name)) throw new Error(`second HELP for ${name}`);
          family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
          helped.add(family.name);
        }
        return;
      }
      const nameEnd = line.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error('no metric name');
      const name = line.slice(0, nameEnd);
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
      let labels: Record<string, string> = {};
      let at = nameEnd;
      if (line[at] === '{') ({ labels, end: at } = parseLabels(line, at));
      if (line[at] !== ' ') throw new Error('expected a space before the value');
      const fields = line.slice(at + 1).split(' ');
      if (fields.length > 2 || fields[0] === '') throw new Error('expected a value and at most a timestamp');
      const value = parseValue(fields[0]!);
      if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error('invalid timestamp');
      const family = familyOf(name, families) ?? declare(name);
      if (family !== current) declare(family.name);
      const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seriesSeen.has(series)) throw new Error(`series ${series} twice`);
      seriesSeen.add(series);
      if ((family.type === 'counter' || name.endsWith('_count') || name.endsWith('_bucket')) && !(value >= 0)) {
        throw new Error(`${name} must be a non-negative number, got ${value}`);
      }
      family.samples.push({ name, labels, value });
    } catch (err) {
      throw new PrometheusTextError(n, line, (err as Error).message);
    }
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample of `family` named `name` (the family's own name by default) with exactly `labels`. */
export function sampleValue(families: Map<string, MetricFamily>, family: string, labels: Record<string, string>, name = family): number | undefined {
  const f = families.get(family);
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return f?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}

/** The samples of `family` named `name` whose labels include `labels`. */
export function samplesWith(families: Map<string, MetricFamily>, family: string, labels: Record<string, string>, name = family): Sample[] {
  return (families.get(family)?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
