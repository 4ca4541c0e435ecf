/**
 * Child process of src/checks/pinger-privileges.test.ts: runs one ICMP check to 127.0.0.1 with
 * the pinger `createSystemPinger` picks for this process (its uid, groups, capabilities,
 * no_new_privs and network namespace, set up by the test) and prints what happened as JSON.
 */
import { IcmpCheck } from '../../src/checks/icmp.js';
import { createSystemPinger } from '../../src/checks/pinger.js';
import { StaticResolver } from '../../src/checks/resolver.js';
import { EnvSecretResolver } from '../../src/checks/secrets.js';
import { runnable } from '../targets/monitor.js';

const pinger = createSystemPinger();
const out = await new IcmpCheck({
  pinger,
  resolver: new StaticResolver({}),
  secrets: new EnvSecretResolver({}),
}).run(runnable({ icmp: { host: '127.0.0.1', count: 2, wait: '20ms' } }, 3000), AbortSignal.timeout(10_000));
process.stdout.write(
  `${JSON.stringify({ pinger: pinger.name, up: out.up, received: out.icmp?.received ?? 0, error: out.error?.message })}\n`,
);
