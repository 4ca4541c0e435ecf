/**
 * What a journey run produces: per-journey and per-step records (the browser part of a
 * `CheckOutcome`), and the events that `synthctl journey` turns into Elastic's NDJSON
 * (`@elastic/synthetics src/reporters/json.ts`). Statuses are Elastic's words.
 */

/** Elastic's journey and step statuses (`src/dsl/journey.ts`, `src/dsl/step.ts`). */
export const STEP_STATUSES = ['succeeded', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Step screenshots: every step, none, or only when the journey failed (Elastic `--screenshots`). */
export const SCREENSHOT_MODES = ['on', 'off', 'only-on-failure'] as const;
export type ScreenshotMode = (typeof SCREENSHOT_MODES)[number];

/** Playwright traces and videos: always kept, never recorded, or kept only when the journey failed. */
export const RECORDING_MODES = ['on', 'off', 'retain-on-failure'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/** An error as results carry it: no stack for the runner, a stack for the NDJSON stream. */
export interface JourneyError {
  name: string;
  message: string;
  stack?: string;
}

/** One step of one journey run. */
export interface StepResult {
  name: string;
  /** 1-based, in registration order (Elastic `step.index`). */
  index: number;
  status: StepStatus;
  durationMs: number;
  /** The first page navigated to in the step, else the page's URL at its end. */
  url?: string;
  error?: JourneyError;
  /** True for `step.soft`: a failure does not skip later steps. */
  soft?: boolean;
  /** Path of the kept screenshot (JPEG). */
  screenshot?: string;
}

/** Per-request timings in ms, as Elastic's `journey/network_info` payload has them (-1 = n/a). */
export interface NetworkTimings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
  total: number;
}

/** One request the page made. */
export interface NetworkEntry {
  url: string;
  method: string;
  resourceType: string;
  isNavigationRequest: boolean;
  /** -1 when no response arrived. */
  status: number;
  failure?: string;
  /** Epoch ms when the request was sent. */
  startedAt: number;
  timings: NetworkTimings;
  /** The step the request was made in (index), if any. */
  step?: { name: string; index: number };
}

/** Network requests of a journey, summarised. */
export interface NetworkSummary {
  requests: number;
  failed: number;
  /** Requests beyond the bound that were counted but not recorded. */
  dropped: number;
  /** By Playwright resource type: document, script, xhr, ... */
  byType: Record<string, number>;
  /** The slowest requests (total time), at most five. */
  slowest: { url: string; method: string; status: number; totalMs: number }[];
}

/** A browser console message or page error (Elastic `journey/browserconsole`). */
export interface ConsoleEntry {
  type: 'error' | 'warning' | 'pageerror' | 'crash';
  text: string;
  at: number;
  step?: { name: string; index: number };
}

/** Files a journey run left behind. */
export interface JourneyArtifacts {
  dir?: string;
  trace?: string;
  video?: string;
}

/** One journey run. */
export interface JourneyResult {
  name: string;
  id: string;
  tags: string[];
  status: StepStatus;
  durationMs: number;
  error?: JourneyError;
  steps: StepResult[];
  network?: NetworkSummary;
  console?: ConsoleEntry[];
  artifacts?: JourneyArtifacts;
}

/** The browser part of a check outcome. */
export interface BrowserOutcome {
  journeys: JourneyResult[];
  /** The run's artifact folder, when something was kept. */
  artifactsDir?: string;
  /** Time spent waiting for a browser (launch or a free slot), ms. */
  browserWaitMs?: number;
}

/** Identity of a journey in events. */
export interface JourneyInfo {
  name: string;
  id: string;
  tags: string[];
}

/** What the runner reports while it runs, in order; `synthctl journey` renders these. */
export type JourneyEvent =
  | { type: 'journey/start'; at: number; journey: JourneyInfo; source: string }
  | { type: 'step/end'; at: number; journey: JourneyInfo; step: StepResult; source: string }
  | {
      type: 'step/screenshot';
      at: number;
      journey: JourneyInfo;
      step: { name: string; index: number };
      jpeg: Buffer;
    }
  | { type: 'journey/network_info'; at: number; journey: JourneyInfo; entry: NetworkEntry }
  | { type: 'journey/browserconsole'; at: number; journey: JourneyInfo; entry: ConsoleEntry }
  | { type: 'journey/end'; at: number; journey: JourneyInfo; result: JourneyResult; browserDelayMs: number };
