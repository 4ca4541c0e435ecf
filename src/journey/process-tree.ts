/**
 * Memory and process counts of a browser's process tree, read from Linux `/proc` (Chromium
 * runs a browser process plus zygote, GPU, network and one renderer per site). The browser is
 * found by a marker argument the pool adds to its command line; elsewhere than Linux the
 * functions return undefined and budgets are not enforced.
 */
import { readFile, readdir } from 'node:fs/promises';

/** Resident memory and process count of one process tree. */
export interface TreeUsage {
  /** Sum of resident set sizes: counts memory shared between Chromium's processes repeatedly. */
  rssBytes: number;
  /** Sum of proportional set sizes (shared pages split between their users): the honest total. */
  pssBytes: number;
  processes: number;
}

/**
 * The process's proportional set size; 0 for a process that is exiting (its memory map is gone
 * or going while /proc/<pid>/stat still shows its last RSS: counting that RSS inflated peaks
 * when contexts closed); undefined where the kernel has no smaps_rollup (before Linux 4.14).
 */
async function pssOf(pid: number): Promise<number | undefined> {
  let rollup: string;
  try {
    rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && (await alive(pid)) ? undefined : 0;
  }
  const m = /^Pss:\s+(\d+) kB/m.exec(rollup);
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function alive(pid: number): Promise<boolean> {
  try {
    await readFile(`/proc/${pid}/stat`, 'utf8');
    return true;
  } catch {
    return false;
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  rssBytes: number;
}

const PAGE_SIZE = 4096;

async function readProc(pid: number): Promise<ProcInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`: comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    // Field 24 of stat (rss, in pages) is index 21 after the comm.
    const rssPages = Number(fields[21]);
    return { pid, ppid, rssBytes: rssPages * PAGE_SIZE };
  } catch {
    return undefined;
  }
}

async function allProcs(): Promise<ProcInfo[] | undefined> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return undefined;
  }
  const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
  const infos = await Promise.all(pids.map(readProc));
  return infos.filter((i): i is ProcInfo => i !== undefined);
}

/** The pid whose command line contains `marker` and whose parent's does not. */
export async function findMarkedRoot(marker: string): Promise<number | undefined> {
  const procs = await allProcs();
  if (procs === undefined) return undefined;
  const marked = new Set<number>();
  await Promise.all(
    procs.map(async (p) => {
      try {
        const cmdline = await readFile(`/proc/${p.pid}/cmdline`, 'utf8');
        if (cmdline.includes(marker)) marked.add(p.pid);
      } catch {
        // Gone already.
      }
    }),
  );
  return procs.find((p) => marked.has(p.pid) && !marked.has(p.ppid))?.pid;
}

/** RSS and process count of `root` and all its descendants. */
export async function treeUsage(root: number): Promise<TreeUsage | undefined> {
  const procs = await allProcs();
  if (procs === undefined) return undefined;
  const children = new Map<number, ProcInfo[]>();
  let rootInfo: ProcInfo | undefined;
  for (const p of procs) {
    if (p.pid === root) rootInfo = p;
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  if (rootInfo === undefined) return undefined;
  let rssBytes = 0;
  const members: ProcInfo[] = [];
  const stack = [rootInfo];
  // Bounded by the number of processes on the machine; a pid cycle cannot occur in /proc.
  while (stack.length > 0) {
    const p = stack.pop()!;
    rssBytes += p.rssBytes;
    members.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  const pss = await Promise.all(members.map((p) => pssOf(p.pid)));
  const pssBytes = pss.reduce<number>((sum, v, i) => sum + (v ?? members[i]!.rssBytes), 0);
  return { rssBytes, pssBytes, processes: members.length };
}
