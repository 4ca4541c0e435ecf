/**
 * `synthctl new http|tcp|icmp|browser`: writes a commented, valid monitor from a template.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Argument, type Command } from 'commander';
import {
  TEMPLATE_KINDS,
  TemplateOptionError,
  renderTemplate,
  type TemplateKind,
} from '../scaffold/templates.js';
import { EXIT, UsageError, type CommandContext } from './context.js';

/** Flags of `synthctl new`. */
export interface NewFlags {
  readonly name?: string;
  readonly namespace?: string;
  readonly url?: string;
  readonly host?: string;
  readonly schedule?: string;
  /** The YAML file to write, or `-` for stdout. Default `<name>.yaml`. */
  readonly out?: string;
  readonly force?: boolean;
}

/** Registers `synthctl new`. */
export function registerNew(program: Command, context: CommandContext): void {
  program
    .command('new')
    .description(
      'Write a commented, valid monitor from a template: http (a JSON health endpoint), tcp (a database port), icmp (a host ping), browser (a login journey: YAML and .journey.ts).',
    )
    .addArgument(new Argument('<type>', 'monitor type').choices(TEMPLATE_KINDS))
    .option('--name <name>', 'metadata.name (lower-case letters, digits, -); also names the file')
    .option('-n, --namespace <namespace>', 'metadata.namespace')
    .option('--url <url>', 'http: the URL to check; browser: the login page')
    .option('--host <host>', 'tcp: host:port; icmp: host name or address')
    .option('--schedule <duration>', 'how often it runs, e.g. 1m, 10m')
    .option('-o, --out <file>', 'the YAML file to write (default <name>.yaml), or - for stdout')
    .option('--force', 'overwrite existing files')
    .action(async (type: TemplateKind, flags: NewFlags) => {
      context.setExitCode(await runNew(type, flags, context));
    });
}

/** Runs `synthctl new` and returns its exit code. */
export async function runNew(type: TemplateKind, flags: NewFlags, context: CommandContext): Promise<number> {
  if (type === 'browser' && flags.out === '-') {
    throw new UsageError(
      '`new browser` writes two files (the YAML and its .journey.ts); give --out FILE.yaml',
    );
  }
  if ((type === 'http' || type === 'browser') && flags.host !== undefined) {
    throw new UsageError(`--host is for tcp and icmp; ${type} takes --url`);
  }
  if ((type === 'tcp' || type === 'icmp') && flags.url !== undefined) {
    throw new UsageError(`--url is for http and browser; ${type} takes --host`);
  }
  const toStdout = flags.out === '-';
  const yamlPath = toStdout
    ? undefined
    : resolve(context.cwd, flags.out ?? `${flags.name ?? defaultName(type)}.yaml`);
  let files;
  try {
    files = renderTemplate(type, {
      ...(flags.name === undefined ? {} : { name: flags.name }),
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.url === undefined ? {} : { url: flags.url }),
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.schedule === undefined ? {} : { schedule: flags.schedule }),
      ...(yamlPath === undefined ? {} : { yamlFileName: basename(yamlPath) }),
    });
  } catch (error) {
    if (error instanceof TemplateOptionError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  if (yamlPath === undefined) {
    for (const file of files) context.stdout.write(file.content);
    return EXIT.ok;
  }
  const folder = dirname(yamlPath);
  const targets = files.map((file) => ({ file, path: join(folder, file.fileName) }));
  const existing = targets.filter((t) => existsSync(t.path)).map((t) => t.path);
  if (existing.length > 0 && flags.force !== true) {
    throw new UsageError(`refusing to overwrite ${existing.join(', ')}; use --force or another --out`);
  }
  await mkdir(folder, { recursive: true });
  for (const target of targets) {
    await writeFile(target.path, target.file.content);
    context.stderr.write(`wrote ${target.path}\n`);
  }
  return EXIT.ok;
}

function defaultName(type: TemplateKind): string {
  return renderTemplate(type)[0]!.fileName.replace(/\.yaml$/, '');
}
