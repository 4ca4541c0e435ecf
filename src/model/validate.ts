/**
 * `synthctl validate` as a library: load, apply the schema and its CEL rules, then the
 * semantic checks, and collect every problem at once as located diagnostics.
 */
import { loadPaths, loadText, type LoadOptions, type LoadResult } from '../load/loader.js';
import type { LoadedResource } from '../load/resources.js';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
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
  return validateLoaded(await loadPaths(paths, options), options.validator);
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
export function validateLoaded(loaded: LoadResult, validator = new ResourceValidator()): ValidationResult {
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const accepted: LoadedResource[] = [];
  for (const resource of loaded.resources) {
    const problems = validator.validate(resource);
    diagnostics.push(...problems);
    if (problems.length === 0) accepted.push(resource);
  }
  diagnostics.push(...checkDuplicates(loaded.resources));
  return {
    resources: loaded.resources,
    accepted,
    diagnostics: sortDiagnostics(diagnostics),
    sources: loaded.sources,
    files: loaded.files,
  };
}

/** The API server keeps one object per kind, namespace and name: a second one silently wins. */
function checkDuplicates(resources: readonly LoadedResource[]): Diagnostic[] {
  const first = new Map<string, LoadedResource>();
  const out: Diagnostic[] = [];
  for (const resource of resources) {
    if (resource.name === undefined) continue;
    const key = `${resource.kind}/${resource.namespace ?? ''}/${resource.name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, resource);
      continue;
    }
    const position = resource.locate(['metadata', 'name'], 'value');
    out.push({
      severity: 'error',
      file: resource.file,
      line: position.line,
      column: position.column,
      path: 'metadata.name',
      code: 'resource.duplicate',
      message: `${resource.id} is declared twice (first at ${earlier.file}:${earlier.position.line}); the second would replace the first`,
      resource: resource.id,
    });
  }
  return out;
}
