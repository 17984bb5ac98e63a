import { readFileSync } from 'node:fs';

/**
 * The top of a V8 .cpuprofile (node --cpu-prof): self time per function and total (inclusive) time
 * per function, as shares of the sampled time. Not a test.
 * Usage: node test/bench/profile-summary.ts <file.cpuprofile> [top, default 25] [filter]
 * `filter` keeps, in the inclusive list, only functions whose location contains it (e.g. "server/").
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filter] = process.argv.slice(2) as [string, string?, string?];
const TOP = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url.replace(/^file:\/\/.*?\/(server|node_modules|test)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  const node = byId.get(id) as ProfileNode;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at) as ProfileNode);
    if (seen.has(name)) continue; // recursion counts once
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + dt);
  }
});

const pct = (x: number) => `${((100 * x) / all).toFixed(1).padStart(5)} %`;
const print = (title: string, map: Map<string, number>, keep: (name: string) => boolean) => {
  console.log(`\n${title}`);
  [...map]
    .filter(([name]) => keep(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .forEach(([name, t]) => console.log(`${pct(t)}  ${name}`));
};
console.log(`${file}: ${(all / 1e6).toFixed(1)} s sampled`);
print('self time', self, () => true);
print('total time', total, (name) => !filter || name.includes(filter));
