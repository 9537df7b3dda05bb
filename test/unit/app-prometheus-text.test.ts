import { formatSeries, parsePrometheusText, parsePromValue, parseSelector, selectorMatches } from '../../src/inspections/collectors/app/prometheus-text.js';
import { resolvePool, resolveSeries } from '../../src/inspections/collectors/app/app-probes.js';
import { metricsPage, DEFAULT_POOL } from '../support/test-app.js';

describe('parsePrometheusText', () => {
  test('HELP/TYPE lines, labels, trailing commas, timestamps and special values', () => {
    const r = parsePrometheusText(
      [
        '# HELP hikaricp_connections_active Active connections',
        '# TYPE hikaricp_connections_active gauge',
        'hikaricp_connections_active{pool="main",} 3.0',
        'hikaricp_connections_active{pool="batch"} 17',
        '# a free comment',
        '',
        'process_start_time_seconds 1.7e9',
        'cache_ratio NaN',
        'queue_capacity +Inf',
        'floor -Inf',
        'legacy_total 1027 1700000000000',
        'spaced  {  a = "1" , b="2"  }   42',
        '# EOF',
      ].join('\n'),
    );
    expect(r.errors).toEqual([]);
    expect(r.types).toEqual({ hikaricp_connections_active: 'gauge' });
    expect(r.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['hikaricp_connections_active', { pool: 'main' }, 3],
      ['hikaricp_connections_active', { pool: 'batch' }, 17],
      ['process_start_time_seconds', {}, 1.7e9],
      ['cache_ratio', {}, NaN],
      ['queue_capacity', {}, Infinity],
      ['floor', {}, -Infinity],
      ['legacy_total', {}, 1027],
      ['spaced', { a: '1', b: '2' }, 42],
    ]);
    expect(r.samples[6]!.timestamp).toBe(1700000000000);
    expect(r.samples[0]!.line).toBe(3);
  });

  test('label values with escapes: \\\\, \\" and \\n; braces, commas and = inside values', () => {
    const r = parsePrometheusText('app_info{description="first line\\nsecond \\"quoted\\" back\\\\slash",odd="a,b}=c"} 1\n');
    expect(r.errors).toEqual([]);
    expect(r.samples[0]!.labels).toEqual({ description: 'first line\nsecond "quoted" back\\slash', odd: 'a,b}=c' });
    expect(formatSeries(r.samples[0]!)).toBe('app_info{description="first line\\nsecond \\"quoted\\" back\\\\slash",odd="a,b}=c"}');
  });

  test('Prometheus 3 quoted names, CRLF line ends and OpenMetrics exemplars', () => {
    const r = parsePrometheusText('{"http.server.active", "k.8s"="x"} 5\r\nrequests_total{code="200"} 12 # {trace_id="abc"} 1.0\r\n');
    expect(r.errors).toEqual([]);
    expect(r.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['http.server.active', { 'k.8s': 'x' }, 5],
      ['requests_total', { code: '200' }, 12],
    ]);
  });

  test('bad lines are reported with their line number and skipped; the rest is still read', () => {
    const r = parsePrometheusText(['good 1', 'no_value', 'bad{a="x" 2', 'bad{a="unterminated} 3', 'bad{1a="x"} 4', 'word nope', 'dup{a="1",a="2"} 5', 'ts 1 notatime', 'also_good{b="y"} 2'].join('\n'));
    expect(r.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(r.errors[0]!.message).toBe('the sample has no value');
    expect(r.errors[1]!.message).toMatch(/expected "," or "}" after the value of label "a"/);
    expect(r.errors[2]!.message).toBe('unterminated quoted string');
    expect(r.errors[3]!.message).toMatch(/expected a label name/);
    expect(r.errors[4]!.message).toBe('"nope" is not a number');
    expect(r.errors[5]!.message).toBe('label "a" appears twice');
    expect(r.errors[6]!.message).toBe('"notatime" is not a timestamp');
  });

  test('values as Go ParseFloat reads them', () => {
    expect(parsePromValue('1e-3')).toBe(0.001);
    expect(parsePromValue('-2.5E+2')).toBe(-250);
    expect(parsePromValue('.5')).toBe(0.5);
    expect(parsePromValue('Inf')).toBe(Infinity);
    expect(parsePromValue('nan')).toBeNaN();
    expect(() => parsePromValue('0x10')).toThrow('"0x10" is not a number');
    expect(() => parsePromValue('1,5')).toThrow();
  });

  test("the test application's page parses without errors (HikariCP gauges among exporter noise)", () => {
    const r = parsePrometheusText(metricsPage(new Map([['main', DEFAULT_POOL]])));
    expect(r.errors).toEqual([]);
    const active = r.samples.find((s) => s.name === 'hikaricp_connections_active');
    expect(active).toMatchObject({ labels: { pool: 'main' }, value: 2 });
  });
});

describe('series selectors', () => {
  const samples = parsePrometheusText(['m{pool="main",env="prod"} 1', 'm{pool="batch",env="prod"} 2', 'm{pool="main-2"} 3', 'other 4'].join('\n')).samples;
  const select = (text: string) => samples.filter((s) => selectorMatches(parseSelector(text), s)).map((s) => s.value);

  test('=, !=, =~ (anchored) and !~; a missing label is the empty string', () => {
    expect(select('m{pool="main"}')).toEqual([1]);
    expect(select('m{pool!="main"}')).toEqual([2, 3]);
    expect(select('m{pool=~"main"}')).toEqual([1]);
    expect(select('m{pool=~"main.*"}')).toEqual([1, 3]);
    expect(select('m{pool!~"main.*"}')).toEqual([2]);
    expect(select('m{env=""}')).toEqual([3]);
    expect(select('m')).toEqual([1, 2, 3]);
    expect(select('{"other"}')).toEqual([4]);
  });

  test('invalid selectors say what is wrong', () => {
    expect(() => parseSelector('m{pool="main"')).toThrow(/is not a series selector: expected "," or "}"|unterminated/);
    expect(() => parseSelector('m{pool=main}')).toThrow('"m{pool=main}" is not a series selector: expected a double-quoted string at column 8, found "m"');
    expect(() => parseSelector('m{pool=~"("}')).toThrow(/regular expression for "pool" is invalid/);
    expect(() => parseSelector('{pool="x"}')).toThrow(/needs a metric name/);
    expect(() => parseSelector('rate(m[5m])')).toThrow(/unexpected text/);
  });

  test('resolveSeries: exactly one series, else an error naming what the page has', () => {
    expect(resolveSeries('m{pool="main"}', samples, 'active')).toEqual({ value: 1, series: 'm{pool="main",env="prod"}' });
    expect(resolveSeries('m', samples, 'active')).toEqual({ error: 'active: m matches 3 series (m{pool="main",env="prod"}, m{pool="batch",env="prod"}, m{pool="main-2"}); add labels to select one' });
    expect(resolveSeries('m{pool="x"}', samples, 'max')).toEqual({ error: 'max: no series matches m{pool="x"}; series of m: m{pool="main",env="prod"}, m{pool="batch",env="prod"}, m{pool="main-2"}' });
    expect(resolveSeries('absent', samples, 'max')).toEqual({ error: 'max: no series matches absent; the page has no absent at all' });
    const nan = parsePrometheusText('g NaN').samples;
    expect(resolveSeries('g', nan, 'active')).toEqual({ error: 'active: g is NaN' });
  });

  test('resolvePool: a fixed max, a zero max, a missing pending', () => {
    expect(resolvePool({ name: 'p', active: 'm{pool="batch"}', max: 10 }, samples)).toEqual({ name: 'p', error: null, active: 2, max: 10, pending: null, pendingConfigured: false, series: { active: 'm{pool="batch",env="prod"}', max: '10 (configured)', pending: null } });
    const zero = parsePrometheusText('a 1\nmx 0').samples;
    expect(resolvePool({ name: 'p', active: 'a', max: 'mx' }, zero).error).toBe('max: mx is 0; a pool maximum must be positive');
    const r = resolvePool({ name: 'p', active: 'a', max: 'mx', pending: 'waiting' }, parsePrometheusText('a 1\nmx 5').samples);
    expect(r).toMatchObject({ active: 1, max: 5, pending: null, pendingConfigured: true, error: 'pending: no series matches waiting; the page has no waiting at all' });
  });
});
