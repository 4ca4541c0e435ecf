/**
 * `synthctl validate` as a library: load, apply the schema and its CEL rules, then the
 * semantic checks, and collect every problem at once as located diagnostics.
 */
import { loadPaths, loadText, type LoadOptions, type LoadResult } from '../load/loader.js';
import type { LoadedResource } from '../load/resources.js';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { checkInlineJourneys, checkSemantics, type JourneySyntaxResults } from './semantic.js';
import type { Resource } from './schema.js';
import { showInvisible, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { ResourceValidator } from './resource-validator.js';

/** Options of {@link validatePaths} and {@link validateText}. */
export interface ValidateOptions extends LoadOptions {
  /** A validator to reuse across calls (compiling the schema takes tens of milliseconds). */
  readonly validator?: ResourceValidator;
}

/** Everything `synthctl validate` learnt about its input. */
export interface ValidationResult {
  /** Every synthctl resource found, in input order. */
  readonly resources: LoadedResource[];
  /** The resources that passed the schema and its CEL rules: safe to use as typed resources. */
  readonly accepted: LoadedResource[];
  /** Every problem, sorted by file, line and column. */
  readonly diagnostics: Diagnostic[];
  /** The text of every file read, for renderers that show source lines. */
  readonly sources: Map<string, string>;
  /** The files read. */
  readonly files: string[];
}

/** Validates files, folders and `-` (stdin). Throws LoadError only when an input cannot be read. */
export async function validatePaths(
  paths: readonly string[],
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const cwd = options.cwd;
  // Journey files are named relative to the YAML file, which is named relative to `cwd`.
  const readFile =
    cwd === undefined
      ? undefined
      : (path: string) => readTextFile(isAbsolute(path) ? path : resolve(cwd, path));
  return validateLoadedAsync(await loadPaths(paths, options), options.validator, readFile, options.signal);
}

/**
 * {@link validateLoaded} with the inline journeys checked by esbuild concurrently first, as
 * `synthctl validate` does: the same diagnostics, without one synchronous esbuild round trip
 * per browser monitor.
 */
export async function validateLoadedAsync(
  loaded: LoadResult,
  validator = new ResourceValidator(),
  readFile?: (path: string) => string | undefined,
  signal?: AbortSignal,
): Promise<ValidationResult> {
  const journeySyntax = await checkInlineJourneys(
    loaded.resources.map((resource) => resource.object),
    signal,
  );
  return validateLoaded(loaded, validator, readFile, journeySyntax);
}

/** Validates one YAML text as if it were the file `file`. Never throws. */
export function validateText(
  text: string,
  file: string,
  options: Pick<ValidateOptions, 'validator'> = {},
): ValidationResult {
  return validateLoaded(loadText(text, file), options.validator);
}

/** Validates what the loader returned. */
export function validateLoaded(
  loaded: LoadResult,
  validator = new ResourceValidator(),
  readFile?: (path: string) => string | undefined,
  journeySyntax?: JourneySyntaxResults,
): ValidationResult {
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const accepted: LoadedResource[] = [];
  for (const resource of loaded.resources) {
    const problems = validator.validate(resource);
    diagnostics.push(...problems);
    if (problems.length === 0) accepted.push(resource);
  }
  // Input that read cleanly but holds nothing of ours is usually a wrong path or overlay.
  const first = loaded.files[0];
  if (
    first !== undefined &&
    loaded.resources.length === 0 &&
    !diagnostics.some((d) => d.severity === 'error')
  ) {
    diagnostics.push({
      severity: 'warning',
      file: first,
      line: 1,
      column: 1,
      path: '',
      code: 'load.no-resources',
      message: `no SyntheticMonitor or SyntheticsProject in ${loaded.files.length === 1 ? 'this file' : `${loaded.files.length} files`}`,
    });
  }
  // Semantic checks assume schema-valid input; the rest already has its errors.
  try {
    diagnostics.push(
      ...checkSemantics({
        resources: accepted.map((resource) => ({
          resource: typedResource(resource),
          file: resource.file,
          locate: (path) => resource.locate(path),
        })),
        ...(readFile === undefined ? {} : { readFile }),
        ...(journeySyntax === undefined ? {} : { journeySyntax }),
      }),
    );
  } catch (error) {
    // checkSemantics promises not to throw; validation must not crash if it ever does.
    const at = accepted[0];
    if (at !== undefined) {
      diagnostics.push({
        severity: 'error',
        file: at.file,
        line: at.position.line,
        column: at.position.column,
        path: '',
        code: 'semantic.internal',
        message: `the semantic checks failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return {
    resources: loaded.resources,
    accepted,
    // A value quoted in a message must not reorder or hide the text around it on a terminal.
    diagnostics: sortDiagnostics(diagnostics.map(visible)),
    sources: loaded.sources,
    files: loaded.files,
  };
}

function visible(d: Diagnostic): Diagnostic {
  const message = showInvisible(d.message);
  const hint = d.hint === undefined ? undefined : showInvisible(d.hint);
  return message === d.message && hint === d.hint
    ? d
    : { ...d, message, ...(hint === undefined ? {} : { hint }) };
}

function readTextFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The typed resource of an accepted (schema- and rule-valid) loaded resource. */
export function typedResource(resource: LoadedResource): Resource {
  return resource.object as unknown as Resource;
}
