import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../model/diagnostics.js';
import { githubAnnotation, renderGithub } from './render-github.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderText, shouldColor } from './render-text.js';
import { renderReport, isReportFormat } from './index.js';
import type { Report } from './report.js';

const source = `apiVersion: synthctl.dev/v1alpha1
kind: SyntheticMonitor
metadata:
  name: m
spec:
  http:
    url: https://a.example
    methd: GET
    auth:
      basic:
        username: u
        password: hunter2
`;

const diagnostics: Diagnostic[] = [
  {
    severity: 'error',
    file: 'm.yaml',
    line: 8,
    column: 5,
    path: 'spec.http.methd',
    code: 'schema.additionalProperties',
    message: 'unknown field "methd" (did you mean "method"?)',
    hint: 'method: Request method',
    resource: 'SyntheticMonitor/m',
  },
  {
    severity: 'error',
    file: 'm.yaml',
    line: 12,
    column: 19,
    path: 'spec.http.auth.basic.password',
    code: 'schema.type',
    message: 'found a string (value not shown) where a secret reference belongs',
    resource: 'SyntheticMonitor/m',
  },
  {
    severity: 'warning',
    file: 'm.yaml',
    line: 1,
    column: 1,
    path: '',
    code: 'demo.warning',
    message: 'a warning, with: commas and 100% "quotes" <&>\nand a second line',
  },
];

const report: Report = {
  diagnostics,
  resources: [{ id: 'SyntheticMonitor/m', file: 'm.yaml', position: { line: 1, column: 1 } }],
  files: ['m.yaml'],
  sources: new Map([['m.yaml', source]]),
};

test('text: location, message, code, source line with a caret under the column, hint, summary', () => {
  const text = renderText(report);
  const lines = text.split('\n');
  assert.equal(
    lines[0],
    'm.yaml:8:5: error: unknown field "methd" (did you mean "method"?) [schema.additionalProperties]',
  );
  assert.equal(lines[1], '  at SyntheticMonitor/m spec.http.methd');
  assert.equal(lines[2], '  8 |     methd: GET');
  assert.equal(lines[3], '    |     ^');
  assert.equal(lines[4], '  hint: method: Request method');
  assert.ok(text.endsWith('2 errors, 1 warning in 1 file (1 resource)\n'));
  assert.ok(!text.includes('\u001b['), 'no colour unless asked');
});

test('text: a secret value on the source line is masked', () => {
  const text = renderText(report);
  assert.ok(!text.includes('hunter2'));
  assert.ok(text.includes('  12 |         password: ****'));
});

test('text: colour only when asked; TTY and NO_COLOR decide', () => {
  assert.ok(renderText(report, { color: true }).includes('\u001b['));
  assert.equal(shouldColor({ isTTY: true }, {}), true);
  assert.equal(shouldColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(shouldColor({ isTTY: false }, {}), false);
  assert.equal(shouldColor({}, { FORCE_COLOR: '1' }), true);
});

test('json: valid flag, counts and the diagnostics as they are', () => {
  const parsed = JSON.parse(renderJson(report));
  assert.equal(parsed.valid, false);
  assert.deepEqual(parsed.summary, { errors: 2, warnings: 1, notices: 0, files: 1, resources: 1 });
  assert.deepEqual(parsed.diagnostics, diagnostics);
  assert.deepEqual(parsed.resources, [{ id: 'SyntheticMonitor/m', file: 'm.yaml', line: 1 }]);
});

test('github: workflow commands with escaped properties and data', () => {
  assert.equal(
    githubAnnotation(diagnostics[0]!),
    '::error file=m.yaml,line=8,col=5,title=schema.additionalProperties at spec.http.methd::unknown field "methd" (did you mean "method"?)%0Ahint: method: Request method',
  );
  assert.equal(
    githubAnnotation(diagnostics[2]!),
    '::warning file=m.yaml,line=1,col=1,title=demo.warning::a warning, with: commas and 100%25 "quotes" <&>%0Aand a second line',
  );
  assert.equal(
    githubAnnotation({ ...diagnostics[0]!, file: 'a,b:c.yaml' })
      .split('::')[1]!
      .split(',')[0],
    'error file=a%2Cb%3Ac.yaml',
  );
  assert.ok(renderGithub(report).endsWith('2 errors, 1 warning in 1 file (1 resource)\n'));
});

test('junit: one suite per file, one case per resource, failures carry every error', () => {
  const xml = renderJunit(report);
  assert.match(
    xml,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="synthctl validate" tests="2" failures="1" errors="0">/,
  );
  assert.match(xml, /<testsuite name="m.yaml" tests="2" failures="1"/);
  assert.match(
    xml,
    /<testcase name="SyntheticMonitor\/m" classname="m.yaml">\n {6}<failure message="unknown field &quot;methd&quot;/,
  );
  assert.ok(xml.includes('m.yaml:12:19: error: spec.http.auth.basic.password'));
  assert.ok(xml.includes('&lt;&amp;&gt;'));
  const clean = renderJunit({ ...report, diagnostics: [] });
  assert.match(clean, /<testcase name="SyntheticMonitor\/m" classname="m.yaml"\/>/);
  assert.match(clean, /failures="0"/);
});

test('the index picks a renderer by format', () => {
  assert.ok(isReportFormat('junit'));
  assert.ok(!isReportFormat('xml'));
  assert.equal(renderReport('json', report), renderJson(report));
  assert.equal(renderReport('text', report, { summary: false }).includes('errors,'), false);
});

test('text: notices are one line, without a source excerpt', () => {
  const notice: Diagnostic = {
    severity: 'notice',
    file: 'm.yaml',
    line: 1,
    column: 1,
    path: '',
    code: 'resource.skipped',
    message: 'skipped apps/v1 Deployment "web": not a synthctl kind',
  };
  const text = renderText({ ...report, diagnostics: [notice] }, { summary: false });
  assert.equal(
    text,
    'm.yaml:1:1: notice: skipped apps/v1 Deployment "web": not a synthctl kind [resource.skipped]\n',
  );
});
