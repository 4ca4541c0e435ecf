/**
 * `synthctl/journey`: Elastic's journey DSL for journeys that synthctl runs. Journey files may
 * import from here or from `@elastic/synthetics`; either way `synthctl journey` and
 * `synthctl run` bundle the file with both names bound to a fresh DSL per load, so the
 * functions below only describe the API (and explain themselves if called outside synthctl).
 */
import type { Dsl } from './dsl.js';
import { JourneyDefinitionError } from './dsl.js';
import { loadExpect, type Expect } from './expect.js';

export type {
  HookArgs,
  HookCallback,
  JourneyArgs,
  JourneyCallback,
  JourneyOptions,
  MonitorConfig,
  RunInfo,
  StepCallback,
} from './dsl.js';
export type { BrowserOutcome, JourneyResult, ScreenshotMode, StepResult, StepStatus } from './results.js';

function outside(name: string): never {
  throw new JourneyDefinitionError(
    `${name}() only works in a journey file run by synthctl (synthctl journey <file>, or a browser monitor under synthctl run)`,
  );
}

const journeyFn: Dsl['journey'] = Object.assign(() => outside('journey'), {
  skip: () => outside('journey.skip'),
  only: () => outside('journey.only'),
});
const stepFn: Dsl['step'] = Object.assign(() => outside('step'), {
  skip: () => outside('step.skip'),
  soft: () => outside('step.soft'),
  only: () => outside('step.only'),
});

/** Registers a journey: `journey(name | {name, id, tags}, ({ page, params }) => { step(...) })`. */
export const journey: Dsl['journey'] = journeyFn;
/** Registers a step of the current journey; `.skip`, `.soft` and `.only` as in Elastic. */
export const step: Dsl['step'] = stepFn;
/** `monitor.use(config)`: monitor settings for the journey (inside it) or the file. */
export const monitor: Dsl['monitor'] = { use: () => outside('monitor.use') };
/** A hook run before the journey's steps. */
export const before: Dsl['before'] = () => outside('before');
/** A hook run after the journey's steps, also when they failed. */
export const after: Dsl['after'] = () => outside('after');
/** A hook run once before every journey of the file. */
export const beforeAll: Dsl['beforeAll'] = () => outside('beforeAll');
/** A hook run once after every journey of the file. */
export const afterAll: Dsl['afterAll'] = () => outside('afterAll');
/** Playwright's `expect` with web-first assertions (`await expect(locator).toHaveText(...)`). */
export const expect: Expect = loadExpect();
