/**
 * Diagnostics as JUnit XML, which CI systems (GitLab, Jenkins, Azure) show as test results:
 * one suite per file, one test case per resource, a failure per error.
 */
import type { Diagnostic } from '../model/diagnostics.js';
import { countSeverities, type Report } from './report.js';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters even when escaped.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  );
}

interface TestCase {
  readonly name: string;
  readonly failures: Diagnostic[];
  readonly warnings: Diagnostic[];
}

/** Renders diagnostics as a JUnit XML document. */
export function renderJunit(report: Report): string {
  const files = [...new Set([...report.files, ...report.diagnostics.map((d) => d.file)])];
  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  for (const file of files) {
    const cases = new Map<string, TestCase>();
    for (const resource of report.resources) {
      if (resource.file === file && !cases.has(resource.id))
        cases.set(resource.id, { name: resource.id, failures: [], warnings: [] });
    }
    for (const d of report.diagnostics) {
      if (d.file !== file || d.severity === 'notice') continue;
      const name = d.resource ?? file;
      let testCase = cases.get(name);
      if (testCase === undefined) {
        testCase = { name, failures: [], warnings: [] };
        cases.set(name, testCase);
      }
      (d.severity === 'error' ? testCase.failures : testCase.warnings).push(d);
    }
    if (cases.size === 0) cases.set(file, { name: file, failures: [], warnings: [] });
    const body: string[] = [];
    let failures = 0;
    for (const testCase of cases.values()) {
      const attributes = `name="${escapeXml(testCase.name)}" classname="${escapeXml(file)}"`;
      if (testCase.failures.length === 0 && testCase.warnings.length === 0) {
        body.push(`    <testcase ${attributes}/>`);
        continue;
      }
      body.push(`    <testcase ${attributes}>`);
      if (testCase.failures.length > 0) {
        failures++;
        const first = testCase.failures[0]!;
        body.push(
          `      <failure message="${escapeXml(first.message)}" type="${escapeXml(first.code)}">${escapeXml(testCase.failures.map(describe).join('\n'))}</failure>`,
        );
      }
      if (testCase.warnings.length > 0)
        body.push(`      <system-out>${escapeXml(testCase.warnings.map(describe).join('\n'))}</system-out>`);
      body.push('    </testcase>');
    }
    totalTests += cases.size;
    totalFailures += failures;
    suites.push(
      `  <testsuite name="${escapeXml(file)}" tests="${cases.size}" failures="${failures}" errors="0" skipped="0">\n${body.join('\n')}\n  </testsuite>`,
    );
  }
  const counts = countSeverities(report.diagnostics);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="synthctl validate" tests="${totalTests}" failures="${totalFailures}" errors="0">`,
    ...suites,
    `  <!-- ${counts.error} errors, ${counts.warning} warnings -->`,
    '</testsuites>',
    '',
  ].join('\n');
}

function describe(d: Diagnostic): string {
  const where = d.path === '' ? '' : ` ${d.path}`;
  const hint = d.hint === undefined ? '' : ` (hint: ${d.hint})`;
  return `${d.file}:${d.line}:${d.column}: ${d.severity}:${where}: ${d.message} [${d.code}]${hint}`;
}
