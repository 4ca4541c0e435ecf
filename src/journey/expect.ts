/**
 * Playwright's `expect`, as `@elastic/synthetics` re-exports it (`src/core/expect.ts`): loaded
 * from the `playwright` package by file path (its `exports` map hides `lib/matchers/expect`),
 * with the two matchers that need Playwright Test's runner turned into clear errors.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Playwright's `expect` function (typed loosely: journeys are type-checked by their authors). */
export type Expect = ((actual: unknown, message?: string) => unknown) & {
  extend(matchers: Record<string, (...args: unknown[]) => unknown>): void;
};

/** A matcher that only works under Playwright Test. */
export class UnsupportedMatcherError extends Error {
  override readonly name = 'UnsupportedMatcherError';
}

/** Loads Playwright's `expect` (Node caches the module; loading twice is cheap). */
export function loadExpect(): Expect {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('playwright/package.json'));
  const { expect } = require(join(root, 'lib', 'matchers', 'expect.js')) as { expect: Expect };
  const notSupported = (name: string) => () => {
    throw new UnsupportedMatcherError(
      `expect.${name} is not supported in journeys (it needs Playwright Test)`,
    );
  };
  expect.extend({
    toHaveScreenshot: notSupported('toHaveScreenshot'),
    toMatchSnapshot: notSupported('toMatchSnapshot'),
  });
  return expect;
}
