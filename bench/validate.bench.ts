/**
 * Validation benchmark: `synthctl validate` over 10,000 monitors (a realistic mix of HTTP,
 * TCP, ICMP and browser monitors with a SyntheticsProject per team, 100 teams of 100 monitor
 * files) generated in a temporary folder. Prints the median of several runs, for the whole
 * command and for its phases, next to a reference: parsing the same files with the `yaml`
 * package alone (what loading cost before the fast path of src/load/yaml-fast-path.ts). CPU
 * time is this process's; esbuild's own process, which checks the journeys, is not in it.
 * Goal: under 2 s for 10,000 monitors.
 *
 *   npx tsx bench/validate.bench.ts [--monitors 10000] [--runs 5]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { loadPaths } from '../src/load/loader.js';
import { ResourceValidator } from '../src/model/resource-validator.js';
import { validateLoadedAsync } from '../src/model/validate.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

const MONITORS = flag('monitors', 10_000);
const RUNS = flag('runs', 5);
const PER_TEAM = 100;

function monitorYaml(team: number, i: number): string {
  const name = `team-${team}-monitor-${i}`;
  const head = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: ${name}
  namespace: team-${team}
  labels:
    team: team-${team}
    tier: ${i % 3 === 0 ? 'critical' : 'standard'}
spec:
  schedule: ${i % 20 >= 17 ? '10m' : ['1m', '3m', '5m', '10m'][i % 4]}
  locations: [us_east, germany]
  tags: [team-${team}, synthetic]
`;
  const kind = i % 20;
  if (kind < 10) {
    return `${head}  timeout: 15s
  http:
    url: https://service-${i}.team-${team}.example.com/healthz
    method: ${i % 5 === 0 ? 'POST' : 'GET'}
    headers:
      - name: Accept
        value: application/json
      - name: Authorization
        valueFrom:
          secretKeyRef: {name: team-${team}-monitoring, key: token}
    maxRedirects: 2
    checks:
      status: [200, "2xx"]
      body:
        contains: ["ok"]
      json:
        - path: $.status
          equals: ok
        - path: $.uptime
          greaterThan: 0
`;
  }
  if (kind < 14) {
    return `${head}  tcp:
    host: db-${i}.team-${team}.internal:5432
    tls:
      verificationMode: full
`;
  }
  if (kind < 17) {
    return `${head}  icmp:
    host: gateway-${i}.team-${team}.internal
    count: 1
`;
  }
  return `${head}  browser:
    journey:
      inline: |
        step('open home', async () => {
          await page.goto('https://shop-${i}.team-${team}.example.com/');
        });
        step('search', async () => {
          await page.fill('#q', 'socks');
          await page.click('button[type=submit]');
        });
    screenshots: only-on-failure
`;
}

function projectYaml(team: number): string {
  return `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticsProject
metadata:
  name: team-${team}
  namespace: team-${team}
spec:
  kibana:
    url: https://kibana.example.com
    apiKey:
      valueFrom:
        secretKeyRef: {name: kibana, key: api-key}
  projectId: team-${team}
  monitorSelector:
    matchLabels: {team: team-${team}}
`;
}

async function generate(dir: string): Promise<void> {
  const teams = Math.ceil(MONITORS / PER_TEAM);
  for (let team = 0; team < teams; team++) {
    const folder = join(dir, `team-${team}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'project.yaml'), projectYaml(team));
    const count = Math.min(PER_TEAM, MONITORS - team * PER_TEAM);
    for (let i = 0; i < count; i++) await writeFile(join(folder, `monitor-${i}.yaml`), monitorYaml(team, i));
  }
}

const cpuCount = () => availableParallelism();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

function parseOnly(dir: string): number {
  let documents = 0;
  for (const team of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, team))) {
      documents += parseAllDocuments(readFileSync(join(dir, team, file), 'utf8')).length;
    }
  }
  return documents;
}

const dir = await mkdtemp(join(tmpdir(), 'synthctl-bench-'));
try {
  await generate(dir);
  const totals: number[] = [];
  const cpus: number[] = [];
  const loadCpus: number[] = [];
  const floorCpus: number[] = [];
  const loads: number[] = [];
  const checks: number[] = [];
  const floors: number[] = [];
  let summary = '';
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    // As `synthctl validate` does it: a fresh validator (schema compile included) per run.
    const validator = new ResourceValidator();
    const loaded = await loadPaths([dir]);
    const loadedAt = performance.now();
    const loadCpu = process.cpuUsage(cpuStart);
    loadCpus.push((loadCpu.user + loadCpu.system) / 1000);
    // As validatePaths does it: inline journeys checked by esbuild concurrently, then the rest.
    const result = await validateLoadedAsync(loaded, validator);
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    cpus.push((cpu.user + cpu.system) / 1000);
    totals.push(end - start);
    loads.push(loadedAt - start);
    checks.push(end - loadedAt);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0)
      throw new Error(`generated input is invalid: ${JSON.stringify(errors.slice(0, 3))}`);
    summary = `${result.resources.length} resources in ${result.files.length} files, ${result.diagnostics.length} diagnostics`;

    const floorStart = performance.now();
    const floorCpuStart = process.cpuUsage();
    parseOnly(dir);
    floors.push(performance.now() - floorStart);
    const floorCpu = process.cpuUsage(floorCpuStart);
    floorCpus.push((floorCpu.user + floorCpu.system) / 1000);
  }
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(`synthctl validate: ${MONITORS} monitors (${summary}), median of ${RUNS} runs`);
  const row = (name: string, wall: number, cpu: number) => {
    console.log(`  ${name.padEnd(52)}${ms(wall).padStart(10)}${ms(cpu).padStart(12)}`);
  };
  console.log(`  ${'phase'.padEnd(52)}${'wall'.padStart(10)}${'CPU time'.padStart(12)}`);
  row('total (load + journeys + schema + CEL + semantics)', median(totals), median(cpus));
  row('load (read, parse YAML, positions)', median(loads), median(loadCpus));
  row('journeys (esbuild) + schema + CEL + semantics', median(checks), median(cpus) - median(loadCpus));
  row('reference: readFileSync + yaml parseAllDocuments', median(floors), median(floorCpus));
  console.log(`  runs, wall: ${totals.map(ms).join(', ')}; CPU: ${cpus.map(ms).join(', ')}`);
  const [load1] = loadavg();
  console.log(
    `  rss after runs: ${rss.toFixed(0)} MiB; node ${process.version}; ${process.platform}/${process.arch}; ${cpuCount()} CPUs, load average ${load1?.toFixed(1) ?? '?'}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
