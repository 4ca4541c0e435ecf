import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSourceLine } from './redact.js';

const plain = { path: 'spec.http.url', code: 'schema.pattern' };

test('values of secret-named keys are masked, block or flow', () => {
  assert.equal(redactSourceLine('        password: hunter2', plain), '        password: ****');
  assert.equal(
    redactSourceLine('  - {user: bob, password: hunter2}', plain),
    '  - {user: bob, password: ****}',
  );
  assert.equal(redactSourceLine('    "apiKey": abc123', plain), '    "apiKey": ****');
  assert.equal(redactSourceLine('    client_secret: x', plain), '    client_secret: ****');
});

test('a URL password is masked on the line of any diagnostic', () => {
  const pattern = { path: 'spec.kibana.url', code: 'schema.pattern' };
  assert.equal(
    redactSourceLine('    url: ftp://admin:hunter2@kibana.example:5601/app', pattern),
    '    url: ftp://***@kibana.example:5601/app',
  );
  assert.equal(
    redactSourceLine('  - {url: "https://u:p@a.example/x", method: GET}', plain),
    '  - {url: "https://***@a.example/x", method: GET}',
  );
});

test('references and ordinary fields are shown', () => {
  assert.equal(redactSourceLine('    url: https://a.example', plain), '    url: https://a.example');
  assert.equal(
    redactSourceLine('          secretKeyRef: {name: shop, key: token}', plain),
    '          secretKeyRef: {name: shop, key: token}',
  );
  assert.equal(redactSourceLine('    password:', plain), '    password:');
});

test('the value a secret diagnostic points at is masked whatever its key', () => {
  const secret = { path: 'spec.http.headers[1].value', code: 'secret.literal' };
  assert.equal(redactSourceLine('        value: Bearer abc', secret), '        value: ****');
  assert.equal(redactSourceLine('      - Bearer abc', secret), '      - ****');
  const typed = { path: 'spec.http.auth.basic.password', code: 'schema.type' };
  assert.equal(redactSourceLine('        password: {value: hunter2}', typed), '        password: ****');
  assert.equal(
    redactSourceLine('        password: {valueFrom: {env: PW}}', typed),
    '        password: {valueFrom: {env: PW}}',
  );
});
