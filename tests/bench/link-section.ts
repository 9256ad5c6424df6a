// `BENCH_ONLY=link`: uploads across an emulated wide-area link (link.ts)
// between each client and the bench endpoint: Labdrop against the tools a
// lab would use instead, side by side on the same link, in the same run.
//
//   BENCH_LINK_SCALE=s       sizes of the big files and counts of the small ones × s (default 1:
//                            one 2 GiB file; 2,000 × 256 KiB; 8 × 512 MiB + 300 small)
//   BENCH_LINK_RATES=f       the profiles' rates × f, for a machine that cannot carry them
//   BENCH_LINK_PROFILES=a,b  campus, far, home (default all)
//   BENCH_LINK_RUNS=N        runs per figure (default 3; the documented workflow on the
//                            folders once per profile)
//   BENCH_LINK_DOC_FILES=N   time the documented workflow on at most N of the small files and
//                            scale its time to all of them (default 200)
//   BENCH_LINK_SWEEP=0       leave out the concurrency and part-size sweep
//   BENCH_LINK_FULL_SECONDS=t when the sizes are scaled down: on each profile that carries the
//                            issue's 2 GiB file in at most t seconds (default 120: campus and
//                            far lab; 0: none), Labdrop alone also sends that file, and
//                            Labdrop and rclone tuned the issue's 2,000 small files
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUCKET, documentedUpload, env, labdropUpload, phases } from './clients';
import { randomFile, warm } from './data';
import {
  LINK_PROFILES,
  PASS_THROUGH,
  scaledRates,
  startLink,
  type Link,
  type LinkProfile,
} from './link';
import { check, timed, type Timed } from './processes';
import { measurePutRate } from './put-client';
import type { Section } from './report';
import { startEndpointProcess, type EndpointProcess, type EndpointStats } from './s3-endpoint';
import { SMALL_REQUESTS_PER_PART } from '../../shared/parts';
import { GiB, MB, MiB, describe, format, median, sizeText, type Figure } from './stats';

const SCALE = Number(process.env.BENCH_LINK_SCALE ?? 1);
const RATES = Number(process.env.BENCH_LINK_RATES ?? 1);
const RUNS = Number(process.env.BENCH_LINK_RUNS ?? 3);
const PROFILE_IDS = process.env.BENCH_LINK_PROFILES?.split(',').map((s) => s.trim());
const SWEEP = process.env.BENCH_LINK_SWEEP !== '0';
const DOC_FILES = Number(process.env.BENCH_LINK_DOC_FILES ?? 200);
const FULL_SECONDS = SCALE < 1 ? Number(process.env.BENCH_LINK_FULL_SECONDS ?? 120) : 0;
const FULL_BIG = 2 * GiB;
const FULL_SMALL_FILES = 2000;
/** rclone's tuned setting: many files at once, and big parts, several at a time, for one big file. */
const RCLONE_TUNED = [
  '--transfers',
  '32',
  '--s3-upload-concurrency',
  '16',
  '--s3-chunk-size',
  '16M',
];

interface Workload {
  id: 'big' | 'many' | 'seq';
  label: string;
  /** What the clients are given: the file, or the folder. */
  path: string;
  files: string[];
  bytes: number;
}

interface Peer {
  id: string;
  label: string;
  /** Sends the grants and content-md5 (the others are speed references only). */
  rules: boolean;
  run(w: Workload, url: string, prefix: string): Promise<Timed>;
}

export interface LinkSectionContext {
  add: (figure: Figure) => Figure;
  log: (line?: string) => void;
  /** Holds aws-config (payload signing off) for the AWS CLI. */
  home: string;
  /** Where the data files go. */
  base: string;
  keep: boolean;
}

const count = (n: number) => Math.max(1, Math.round(n * SCALE));
const bytesOf = (n: number) => Math.max(MiB, Math.round((n * SCALE) / MiB) * MiB);
const rateText = (bitsPerSecond: number) =>
  bitsPerSecond >= 1e9 ? `${bitsPerSecond / 1e9} Gbit/s` : `${bitsPerSecond / 1e6} Mbit/s`;

async function fullSizeFile(dir: string): Promise<string> {
  const path = join(dir, 'full', 'sample-1.bam');
  await mkdir(dirname(path), { recursive: true });
  await randomFile(path, FULL_BIG);
  await warm([path]);
  return path;
}

/** A plate's images: `n` files of 256 KiB in one folder. */
async function smallFiles(dir: string, n: number): Promise<Workload> {
  const path = join(dir, 'plate-7');
  await mkdir(path, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    files.push(join(path, `well-${String(i).padStart(4, '0')}.tif`));
    await randomFile(files.at(-1) as string, 256 * 1024);
  }
  return { id: 'many', label: `${n} files of 256 KiB`, path, files, bytes: n * 256 * 1024 };
}

async function makeData(dir: string): Promise<Workload[]> {
  const big = join(dir, 'big', 'sample-1.bam');
  await mkdir(dirname(big), { recursive: true });
  await randomFile(big, bytesOf(2 * GiB));
  const many = await smallFiles(join(dir, 'many'), count(2000));
  // A sequencing run: the lanes' reads, and the small files around them.
  const seqDir = join(dir, 'seq', '261203_A01234_0042_BHXYZ');
  const seq: string[] = [];
  for (let i = 1; i <= 8; i++) {
    const lane = join(seqDir, 'Data', `lane-${i}_R1.fastq.gz`);
    await mkdir(dirname(lane), { recursive: true });
    await randomFile(lane, bytesOf(512 * MiB));
    seq.push(lane);
  }
  const smallSizes = [4 * 1024, 32 * 1024, 256 * 1024, 1024 * 1024];
  await mkdir(join(seqDir, 'InterOp'), { recursive: true });
  for (let i = 0; i < count(300); i++) {
    seq.push(join(seqDir, 'InterOp', `metrics-${String(i).padStart(3, '0')}.bin`));
    await randomFile(seq.at(-1) as string, smallSizes[i % smallSizes.length] as number);
  }
  await warm([big, ...many.files, ...seq]);
  const { statSync } = await import('node:fs');
  const total = (files: string[]) => files.reduce((sum, f) => sum + statSync(f).size, 0);
  return [
    {
      id: 'big',
      label: `one ${sizeText(bytesOf(2 * GiB))} file`,
      path: big,
      files: [big],
      bytes: total([big]),
    },
    many,
    {
      id: 'seq',
      label: `a sequencing run: 8 × ${sizeText(bytesOf(512 * MiB))} + ${count(300)} small files`,
      path: seqDir,
      files: seq,
      bytes: total(seq),
    },
  ];
}

function peers(home: string, docLimit: number): Peer[] {
  const rcloneEnv = (url: string): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...env(home), RCLONE_CONFIG: join(home, 'rclone.conf') };
    delete e.AWS_CA_BUNDLE;
    return {
      ...e,
      RCLONE_CONFIG_BENCH_TYPE: 's3',
      RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
      RCLONE_CONFIG_BENCH_ENDPOINT: url,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: 'bench',
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: 'bench',
      RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    };
  };
  const into = (w: Workload, prefix: string) =>
    w.id === 'big' ? prefix : `${prefix}/${basename(w.path)}`;
  const rclone = (flags: string[]) => async (w: Workload, url: string, prefix: string) =>
    check(
      'rclone',
      await timed(
        '/usr/bin/rclone',
        ['copy', w.path, `bench:${BUCKET}/${into(w, prefix)}`, ...flags],
        {
          env: rcloneEnv(url),
        },
      ),
    );
  return [
    {
      id: 'labdrop',
      label: 'Labdrop (`labdrop upload`)',
      rules: true,
      run: (w, url, prefix) => labdropUpload(home, url, w.path, prefix),
    },
    {
      id: 'documented',
      label: 'documented workflow (openssl md5 + `aws s3 cp` per file)',
      rules: true,
      run: async (w, url, prefix) => {
        // One file after another: its time is linear in the files, so a long list is timed on its first files.
        const files = w.files.slice(0, docLimit);
        const run = await documentedUpload(home, url, dirname(w.path), files, prefix);
        return { ...run, seconds: (run.seconds * w.files.length) / files.length };
      },
    },
    {
      id: 'aws',
      label: '`aws s3 cp` (`--recursive` for folders)',
      rules: false,
      run: async (w, url, prefix) =>
        check(
          'aws s3 cp',
          await timed(
            '/usr/bin/aws',
            [
              's3',
              'cp',
              w.path,
              `s3://${BUCKET}/${into(w, prefix)}${w.id === 'big' ? `/${basename(w.path)}` : ''}`,
              ...(w.id === 'big' ? [] : ['--recursive']),
              '--endpoint-url',
              url,
              '--only-show-errors',
              '--no-progress',
            ],
            { env: env(home) },
          ),
        ),
    },
    { id: 'rclone', label: 'rclone, default settings', rules: false, run: rclone([]) },
    {
      id: 'rclone-tuned',
      label: `rclone tuned (\`${RCLONE_TUNED.join(' ')}\`)`,
      rules: false,
      run: rclone(RCLONE_TUNED),
    },
  ];
}

/** Every file there with its size; for the clients that follow the rules, both grants and a content-md5. */
async function checkObjects(
  endpoint: EndpointProcess,
  w: Workload,
  peer: Peer,
  prefix: string,
  expected: number,
) {
  const objects = await endpoint.objects(`${prefix}/`);
  if (objects.length !== expected) {
    throw new Error(
      `${peer.id} ${w.id}: ${objects.length} objects under ${prefix}/, expected ${expected}`,
    );
  }
  if (peer.rules) {
    for (const o of objects) {
      if (
        !/^[A-Za-z0-9+/]{22}==$/.test(o.metadata['content-md5'] ?? '') ||
        (o.grantFullControl?.split(',').length ?? 0) < 2
      ) {
        throw new Error(`${peer.id}: ${o.key} lacks content-md5 or a grant`);
      }
    }
  }
}

interface PeerRuns {
  seconds: number[];
  /** CPU seconds of the client's processes (GNU time), where known. */
  cpu: number[];
  /** Seconds in Labdrop's "uploading" status (big file). */
  transfer: number[];
  /** Labdrop: seconds from its start until the first file was hashed, and until its first byte was sent. */
  hashing: number[];
  uploading: number[];
  requests: Record<string, number> | null;
  /** Bytes on the link, both ways, over the bytes of the files (first run). */
  wire: number | null;
}

async function runWorkload(
  ctx: LinkSectionContext,
  endpoint: EndpointProcess,
  link: Link,
  w: Workload,
  all: Peer[],
  docLimit: number,
): Promise<Map<string, PeerRuns>> {
  const byPeer = new Map<string, PeerRuns>(
    all.map((p) => [
      p.id,
      {
        seconds: [],
        cpu: [],
        transfer: [],
        hashing: [],
        uploading: [],
        requests: null,
        wire: null,
      },
    ]),
  );
  for (let i = 0; i < RUNS; i++) {
    // The documented workflow takes minutes on a folder (a process per file): once per profile.
    const these = all.filter((p) => p.id !== 'documented' || w.id === 'big' || i === 0);
    const order = these.map((_, k) => these[(k + i) % these.length] as Peer);
    if (i % 2) order.reverse();
    for (const peer of order) {
      const prefix = `${link.profile.id}/${w.id}/${peer.id}-${i}`;
      await endpoint.reset();
      const before = link.counters.bytesUp + link.counters.bytesDown;
      const run = await peer.run(w, link.url, prefix);
      const stats: EndpointStats = await endpoint.stats();
      const sent = peer.id === 'documented' ? Math.min(docLimit, w.files.length) : w.files.length;
      await checkObjects(endpoint, w, peer, prefix, sent);
      const r = byPeer.get(peer.id) as PeerRuns;
      r.seconds.push(run.seconds);
      if (run.cpuSeconds !== null) r.cpu.push(run.cpuSeconds);
      if (peer.id === 'labdrop') {
        const p = phases(run);
        if (p.uploading !== undefined && p.verifying !== undefined)
          r.transfer.push(p.verifying - p.uploading);
        if (p.hashing !== undefined) r.hashing.push(p.hashing);
        if (p.uploading !== undefined) r.uploading.push(p.uploading);
      }
      if (!r.requests) {
        r.requests = Object.fromEntries(
          Object.entries(stats.requests).map(([k, v]) => [k, v / sent]),
        );
        const bytes = w.files.slice(0, sent).length === w.files.length ? w.bytes : null;
        r.wire = bytes ? (link.counters.bytesUp + link.counters.bytesDown - before) / bytes : null;
      }
      await endpoint.clear();
      ctx.log(
        `    ${link.profile.id} ${w.id} ${peer.id} run ${i + 1}: ${run.seconds.toFixed(2)} s`,
      );
    }
  }
  return byPeer;
}

/**
 * What Labdrop's time was spent on (medians): before the first file was
 * hashed (Node's start, the bucket's lookups, the files recorded), hashing
 * before the first byte (the MD5 of the whole file the center's rules need
 * first), and the rest.
 */
function labdropTimes(labdrop: PeerRuns): string {
  const total = median(labdrop.seconds);
  if (labdrop.hashing.length === 0 || labdrop.uploading.length === 0) {
    return `Labdrop ${total.toFixed(2)} s`;
  }
  const hashing = median(labdrop.hashing);
  const uploading = median(labdrop.uploading);
  return `Labdrop ${total.toFixed(2)} s: ${hashing.toFixed(2)} s before its first file was hashed (Node's start, the bucket's lookups, the files recorded), ${(uploading - hashing).toFixed(2)} s more before its first byte went (the MD5 of the first file, which the center's rules need before its upload is created), ${(total - uploading).toFixed(2)} s sending and verifying`;
}

/** Labdrop's time (labdropTimes) against the fastest other client's whole time. */
function fastestBound(runs: Map<string, PeerRuns>, others: readonly Peer[]): string {
  const fastest = others
    .map((p) => ({ peer: p, seconds: median((runs.get(p.id) as PeerRuns).seconds) }))
    .sort((a, b) => a.seconds - b.seconds)[0];
  const times = labdropTimes(runs.get('labdrop') as PeerRuns);
  if (!fastest) return times;
  return `${times}; ${fastest.peer.label.replace(/ \(.*$| †$/, '')} ${fastest.seconds.toFixed(2)} s in all`;
}

/**
 * What bounds Labdrop ÷ the documented workflow: that workflow's time, and
 * where it fills the link anyway, the link's time for the bytes, which no
 * client beats.
 */
function documentedBound(w: Workload, documented: number, bytesPerSecond: number): string {
  const link = w.bytes / bytesPerSecond;
  const floor = link / documented;
  return `the documented workflow ${documented.toFixed(2)} s (a Python AWS CLI started per file, one file after another)${floor > 0.5 ? `; the link alone takes ${link.toFixed(2)} s for these bytes, so no client can go below ${floor.toFixed(2)}× that workflow’s time` : ''}`;
}

/** Per-run ratio of Labdrop's time to `other`'s (the others' run i; the documented workflow's single run where it ran once). */
function ratios(labdrop: number[], other: number[]): number[] {
  return labdrop.map((l, i) => l / (other[i] ?? (other[0] as number)));
}

function requestsText(requests: Record<string, number> | null): string {
  if (!requests) return '–';
  return Object.entries(requests)
    .filter(([, n]) => n >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n < 0.1 ? n.toFixed(3) : n.toFixed(2)}`)
    .join(', ');
}

/** Raw PUTs through the link: what any client could get across it on this machine. */
async function linkCheck(
  ctx: LinkSectionContext,
  endpoint: EndpointProcess,
  port: number,
  profiles: LinkProfile[],
) {
  const rows: string[] = [];
  const direct = async (url: string, bytes: number) => {
    const cpu = process.cpuUsage();
    const seconds = await measurePutRate({
      endpoint: url,
      bucket: BUCKET,
      prefix: 'check',
      totalBytes: bytes,
      partSize: 8 * MiB,
      concurrency: 8,
    });
    const used = process.cpuUsage(cpu);
    return { rate: bytes / seconds, cpuMsPerMB: (used.user + used.system) / 1000 / (bytes / MB) };
  };
  // The relay's own cost: no delay, no cap, against the endpoint without it, alternating.
  const relay = await startLink(PASS_THROUGH, '127.0.0.1', port);
  const through: number[] = [];
  const plain: number[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const steps = [
        async () => plain.push((await direct(endpoint.url, 256 * MiB)).rate / MB),
        async () => {
          const r = await direct(relay.url, 256 * MiB);
          through.push(r.rate / MB);
          cpu.push(r.cpuMsPerMB);
        },
      ];
      if (i % 2) steps.reverse();
      for (const step of steps) await step();
      await endpoint.clear();
    }
  } finally {
    await relay.stop();
  }
  ctx.add({
    section: 'Link',
    name: 'Raw PUT rate through the relay alone ÷ without it (8 MiB PUTs, 8 at once, 256 MiB)',
    unit: '×',
    samples: through.map((t, i) => t / (plain[i] as number)),
    bound: `the relay: each byte read from one loopback socket and written to another on the bench’s event loop (${describe({ unit: 'MB/s', samples: through })} through it, ${describe({ unit: 'MB/s', samples: plain })} without; ${median(cpu).toFixed(2)} ms of CPU per MB for the relay and the PUT client together)`,
  });
  for (const profile of profiles) {
    const link = await startLink(profile, '127.0.0.1', port);
    const rate = profile.upBitsPerSecond / 8;
    // About 5 seconds of the link, in whole parts.
    const bytes = Math.max(8, Math.round((rate * 5) / (8 * MiB))) * 8 * MiB;
    const samples: number[] = [];
    const cpuMs: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const r = await direct(link.url, bytes);
        samples.push(r.rate / rate);
        cpuMs.push(r.cpuMsPerMB);
        await endpoint.clear();
      }
    } finally {
      await link.stop();
    }
    ctx.add({
      section: 'Link',
      name: `Raw PUT rate across ${profile.label} ÷ its rate (${sizeText(bytes)}, 8 MiB PUTs, 8 at once)`,
      unit: '×',
      samples,
      target: { op: '>=', value: 0.9, text: '≥ 0.9: the relay carries the rate on this machine' },
      bound: `the emulated link: its rate, slow start of 8 new connections over ${profile.rttMs} ms, one round trip of handshake and one per PUT’s answer; ${median(cpuMs).toFixed(2)} ms of CPU per MB in the bench process (relay and PUT client)`,
    });
    rows.push(
      `${profile.id}: ${sizeText(bytes)} in ${describe({ unit: 'MB/s', samples: samples.map((s) => (s * rate) / MB) })}`,
    );
  }
  return rows;
}

/** Labdrop alone on one workload with other concurrency and part sizes. */
async function sweep(
  ctx: LinkSectionContext,
  endpoint: EndpointProcess,
  link: Link,
  w: Workload,
  settings: Array<{ concurrency: number; partMiB: number }>,
): Promise<Array<{ setting: string; seconds: number[] }>> {
  const out = settings.map((s) => ({
    setting: `--concurrency ${s.concurrency} --part-size ${s.partMiB}`,
    seconds: [] as number[],
  }));
  for (let i = 0; i < Math.max(1, RUNS - 1); i++) {
    const order = settings.map((_, k) => (i % 2 ? settings.length - 1 - k : k));
    for (const k of order) {
      const s = settings[k] as { concurrency: number; partMiB: number };
      const run = await labdropUpload(
        ctx.home,
        link.url,
        w.path,
        `${link.profile.id}/sweep-${w.id}-${k}-${i}`,
        {
          args: ['--concurrency', String(s.concurrency), '--part-size', String(s.partMiB)],
        },
      );
      out[k]?.seconds.push(run.seconds);
      ctx.log(
        `    ${link.profile.id} ${w.id} ${out[k]?.setting} run ${i + 1}: ${run.seconds.toFixed(2)} s`,
      );
      await endpoint.clear();
    }
  }
  return out;
}

/**
 * Labdrop's transfer phase on the issue's 2 GiB file, where the sizes are
 * scaled down: at 1/32 of it the fixed costs inside the phase (a round trip
 * each for CreateMultipartUpload and CompleteMultipartUpload, the handshakes
 * and slow start of new connections, the last parts' tail) are a quarter of
 * it; at full size they weigh what they weigh for a user. Labdrop alone: the phase is measured against the link, not a peer.
 */
async function fullSizeTransfer(
  ctx: LinkSectionContext,
  endpoint: EndpointProcess,
  link: Link,
  file: string,
): Promise<number[]> {
  const phasesSeconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await labdropUpload(ctx.home, link.url, file, `${link.profile.id}/full-${i}`);
    const p = phases(run);
    if (p.uploading === undefined || p.verifying === undefined) {
      throw new Error(`labdrop upload of ${file} printed no uploading or verifying status`);
    }
    phasesSeconds.push(p.verifying - p.uploading);
    ctx.log(
      `    ${link.profile.id} full-size file run ${i + 1}: ${run.seconds.toFixed(2)} s, transfer phase ${(p.verifying - p.uploading).toFixed(2)} s`,
    );
    await endpoint.clear();
  }
  return phasesSeconds;
}

export async function linkSection(ctx: LinkSectionContext): Promise<Section> {
  const { add, log } = ctx;
  log('\n## Across an emulated link');
  const profiles = LINK_PROFILES.filter((p) => !PROFILE_IDS || PROFILE_IDS.includes(p.id)).map(
    (p) => scaledRates(p, RATES),
  );
  const dir = await mkdtemp(join(ctx.base, 'labdrop-link-'));
  // The documented workflow is timed on at most this many of the small files.
  const docLimit = DOC_FILES;
  const started = performance.now();
  const workloads = await makeData(dir);
  log(
    `  data: ${workloads.map((w) => `${w.label} (${sizeText(w.bytes)})`).join('; ')} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  await writeFile(join(ctx.home, 'rclone.conf'), '');
  // Real ETags (the MD5 of what arrived) and every Content-MD5 and CRC32 checked: rclone compares ETags with its MD5s.
  const endpoint = await startEndpointProcess('on', [BUCKET]);
  const port = Number(new URL(endpoint.url).port);
  const all = peers(ctx.home, docLimit);
  /** The issue's 2 GiB file and 2,000 small files, made when a profile needs them. */
  let fullFile: string | undefined;
  let fullMany: Workload | undefined;
  const text: string[] = [];
  const tables: string[] = [];
  const sweeps: string[] = [];
  try {
    const checkRows = await linkCheck(ctx, endpoint, port, profiles);
    text.push(`Raw PUTs across each profile: ${checkRows.join('; ')}.`);
    for (const profile of profiles) {
      const link = await startLink(profile, '127.0.0.1', port);
      try {
        const rate = profile.upBitsPerSecond / 8;
        if (FULL_BIG / rate <= FULL_SECONDS) {
          fullFile ??= await fullSizeFile(dir);
          log(`  ${profile.id}, one ${sizeText(FULL_BIG)} file, Labdrop alone`);
          const transfer = await fullSizeTransfer(ctx, endpoint, link, fullFile);
          add({
            section: `Link, ${profile.id}`,
            name: `Labdrop’s transfer phase ÷ the link’s rate, one ${sizeText(FULL_BIG)} file (the issue’s size, Labdrop alone), ${profile.label}`,
            unit: '×',
            samples: transfer.map((t) => FULL_BIG / t / rate),
            target: { op: '>=', value: 0.9, text: '≥ 0.9' },
            bound: `the link (${rateText(profile.upBitsPerSecond)}: ${(FULL_BIG / rate).toFixed(1)} s for the file); inside the phase also CreateMultipartUpload and CompleteMultipartUpload (a round trip each), each new connection’s handshake and slow start, and the last parts’ tail`,
          });
          fullMany ??= await smallFiles(join(dir, 'full'), FULL_SMALL_FILES);
          log(`  ${profile.id}, ${fullMany.label}, Labdrop and rclone tuned`);
          const pair = all.filter((p) => p.id === 'labdrop' || p.id === 'rclone-tuned');
          const runs = await runWorkload(ctx, endpoint, link, fullMany, pair, docLimit);
          const [labdrop, tuned] = pair.map((p) => runs.get(p.id) as PeerRuns) as [
            PeerRuns,
            PeerRuns,
          ];
          const perFile = (r: PeerRuns) =>
            r.cpu.length
              ? `${format((median(r.cpu) / FULL_SMALL_FILES) * 1000, 'ms')} of CPU a file`
              : 'CPU not known';
          add({
            section: `Link, ${profile.id}`,
            name: `Labdrop’s files per second ÷ rclone tuned’s, ${fullMany.label} (the issue’s size), ${profile.label}`,
            unit: '×',
            samples: ratios(tuned.seconds, labdrop.seconds),
            target: { op: '>=', value: 1, text: '≥ 1' },
            bound: `Labdrop ${describe({ unit: 's', samples: labdrop.seconds })} (${perFile(labdrop)}: its process and hash threads), rclone tuned ${describe({ unit: 's', samples: tuned.seconds })} (${perFile(tuned)}), the link alone ${(fullMany.bytes / rate).toFixed(1)} s; both on two cores shared with the bench endpoint (which checks every body’s MD5 and CRC32) and the relay`,
          });
        }
        for (const w of workloads) {
          log(`  ${profile.id}, ${w.label}`);
          const runs = await runWorkload(ctx, endpoint, link, w, all, docLimit);
          const labdrop = runs.get('labdrop') as PeerRuns;
          const section = `Link, ${profile.id}`;
          const others = all.filter((p) => p.id !== 'labdrop');
          const best = labdrop.seconds.map(
            (l, i) =>
              l /
              Math.min(
                ...others.map((p) => {
                  const s = (runs.get(p.id) as PeerRuns).seconds;
                  return s[i] ?? (s[0] as number);
                }),
              ),
          );
          add({
            section,
            name: `Labdrop ÷ the fastest other client, ${w.label}, ${profile.label}`,
            unit: '×',
            samples: best,
            target: { op: '<=', value: 1, text: '≤ 1' },
            bound: `${fastestBound(runs, others)}; the fastest of the documented workflow, aws s3 cp and rclone (default and tuned) in the same run (the table for this profile below)`,
          });
          add({
            section,
            name: `Labdrop ÷ the documented workflow, ${w.label}, ${profile.label}`,
            unit: '×',
            samples: ratios(labdrop.seconds, (runs.get('documented') as PeerRuns).seconds),
            target: { op: '<=', value: 0.5, text: '≤ 0.5' },
            bound: documentedBound(w, median((runs.get('documented') as PeerRuns).seconds), rate),
          });
          if (w.id === 'big' && labdrop.transfer.length > 0) {
            add({
              section,
              name: `Labdrop’s transfer phase ÷ the link’s rate, ${w.label}, ${profile.label}`,
              unit: '×',
              samples: labdrop.transfer.map((t) => w.bytes / t / rate),
              target: { op: '>=', value: 0.9, text: '≥ 0.9' },
              bound: `the link (${rateText(profile.upBitsPerSecond)}); inside the phase also CreateMultipartUpload and CompleteMultipartUpload (a round trip each), each new connection’s handshake and slow start, and the last parts’ tail`,
            });
          }
          if (w.id === 'many') {
            add({
              section,
              name: `Labdrop’s files per second ÷ rclone tuned’s, ${w.label}, ${profile.label}`,
              unit: '×',
              samples: ratios((runs.get('rclone-tuned') as PeerRuns).seconds, labdrop.seconds),
              target: { op: '>=', value: 1, text: '≥ 1' },
              bound: `${labdropTimes(labdrop)}; rclone tuned ${median((runs.get('rclone-tuned') as PeerRuns).seconds).toFixed(2)} s in all; at most the files in flight per round trip (${profile.rttMs} ms), until the link’s rate (${rateText(profile.upBitsPerSecond)}) binds`,
            });
          }
          tables.push(
            `**${profile.label}, ${w.label}** (${sizeText(w.bytes)}; at the link’s rate alone ${(w.bytes / rate).toFixed(1)} s):`,
            [
              '| Client | Wall time | Rate | Requests per file (first run) | Link bytes ÷ file bytes |',
              '| --- | --- | --- | --- | --- |',
              ...all.map((p) => {
                const r = runs.get(p.id) as PeerRuns;
                const extrapolated =
                  p.id === 'documented' && w.files.length > docLimit
                    ? ` (first ${docLimit} files, × ${(w.files.length / docLimit).toFixed(1)})`
                    : '';
                return `| ${p.label}${p.rules ? '' : ' †'} | ${describe({ unit: 's', samples: r.seconds })}${extrapolated} | ${format(w.bytes / median(r.seconds) / MB, 'MB/s')} | ${requestsText(r.requests)} | ${r.wire === null ? '–' : r.wire.toFixed(3)} |`;
              }),
            ].join('\n'),
          );
        }
        if (SWEEP) {
          for (const w of workloads.filter((x) => x.id !== 'seq')) {
            const settings =
              w.id === 'big'
                ? [
                    { concurrency: 4, partMiB: 8 },
                    { concurrency: 8, partMiB: 8 },
                    { concurrency: 16, partMiB: 8 },
                    { concurrency: 8, partMiB: 16 },
                    { concurrency: 16, partMiB: 16 },
                  ]
                : // Small files go SMALL_REQUESTS_PER_PART to a part of --concurrency:
                  // 16, 32, 64 (the defaults) and 128 small files in flight.
                  [
                    { concurrency: 2, partMiB: 8 },
                    { concurrency: 4, partMiB: 8 },
                    { concurrency: 8, partMiB: 8 },
                    { concurrency: 16, partMiB: 8 },
                  ];
            const results = await sweep(ctx, endpoint, link, w, settings);
            const bestSeconds = Math.min(...results.map((r) => median(r.seconds)));
            const defaults = results.find((r) => r.setting === '--concurrency 8 --part-size 8');
            const ratio = defaults ? median(defaults.seconds) / bestSeconds : Number.NaN;
            add({
              section: `Link, ${profile.id}`,
              name: `Labdrop’s defaults ÷ the best setting tried, ${w.label}, ${profile.label}`,
              unit: '×',
              samples: [ratio],
              target: { op: '<=', value: 1.1, text: '≤ 1.1 (within 10 %)' },
              bound: `the settings tried: ${results.map((r) => `${r.setting} ${describe({ unit: 's', samples: r.seconds })}`).join('; ')}`,
            });
            sweeps.push(
              `${profile.id}, ${w.label}: ${results.map((r) => `\`${r.setting}\` ${format(median(r.seconds), 's')}`).join(', ')}.`,
            );
          }
        }
      } finally {
        await link.stop();
      }
    }
  } finally {
    await endpoint.stop();
    if (!ctx.keep) await rm(dir, { recursive: true, force: true });
  }
  return {
    title: 'Across an emulated link',
    text: [
      `Each client uploads through \`tests/bench/link.ts\`, a TCP relay in the bench’s process between the client and the bench endpoint (here with every Content-MD5 and CRC32 checked, and real ETags). Per direction the relay keeps one bottleneck that sends at the link’s rate and queues about one round trip of bytes, then delays them by half the round trip; per connection it adds TCP’s costs on a long path: a round trip of handshake before the first byte, and a window that starts at 10 segments, grows by what is acknowledged (slow start) up to 4 MiB (Linux’s default send buffer) and starts over after an idle spell. It does not emulate packet loss inside a connection or TLS (real S3 is HTTPS: one or two round trips more per new connection, for every client alike). Profiles: ${profiles.map((p) => `${p.label}`).join('; ')}.`,
      `Sizes here: ${workloads.map((w) => `${w.label} (${sizeText(w.bytes)})`).join('; ')}${SCALE === 1 ? '' : ` — BENCH_LINK_SCALE=${SCALE}: the issue’s sizes of big files and counts of small files × ${SCALE}, so fixed costs (process start, handshakes, slow start, the last parts’ tail) weigh more than at full size`}${RATES === 1 ? '' : `; rates × ${RATES} (BENCH_LINK_RATES)`}. ${RUNS} runs per client, the order rotated and reversed from run to run; the documented workflow on each folder once per profile${docLimit < Math.max(...workloads.map((w) => w.files.length)) ? ` and on its first ${docLimit} files, its time scaled to all of them (it sends one file after another)` : ''}.`,
      'Peers: the documented workflow (`tests/bench/documented-workflow.sh`); † `aws s3 cp` (`--recursive` for folders, which cannot set per-file metadata in one call) and rclone (`rclone copy`, configured through RCLONE_CONFIG_BENCH_* variables) send neither the grants nor `content-md5`: they are speed references. Every run’s objects are checked: all there, and for Labdrop and the documented workflow each with `content-md5` and both grantees.',
      ...roundTripNotes(),
      ...tables,
      ...(sweeps.length > 0
        ? [`Labdrop alone with other settings (medians): ${sweeps.join(' ')}`]
        : []),
      ...text,
    ],
  };
}

/** What sets the round trips each file costs: the reading of the requests tables. */
export function roundTripNotes(): string[] {
  return [
    'What each file costs in round trips (the requests tables count them at the endpoint, per file). Labdrop: once per drop, a HeadBucket (the bucket is there, and its region), then the review looks up the keys (a ListObjectsV2 per key for a drop of up to 20 files, 8 at once; one listing of their folder for more) while the bucket’s encryption is read, the add using both; then each file of up to 16 MiB is one PutObject: one round trip and its bytes’ time on the link. Each PutObject used to be followed by a HeadObject that read the object back, a second round trip for every file; now a single PUT is verified by its answer (`verification: put-answer` in the history): S3 stored the body only if it matched the Content-MD5 sent with it, the `content-md5` metadata and the grants were in that same request, and the ETag it answers must be the file’s MD5. Only where it is not (SSE-KMS, or a store whose ETags are not MD5s) is the object read back, and where that is denied too the upload fails rather than pass unverified. A multipart upload costs CreateMultipartUpload, its parts, CompleteMultipartUpload and one HeadObject, whatever its size. The documented workflow costs a Python process per file besides its requests; rclone lists the destination folder, then PUTs each file.',
    `With the review done, the number of files in flight sets the small-file rate on a long link: at most that many files per round trip, until the link’s rate binds (rclone tuned keeps 32 in flight). Labdrop limits what is in flight, not how many: \`--concurrency\` (default 8) parts’ worth of bytes, where a small file’s PutObject weighs its bytes ÷ the part size, and up to ${SMALL_REQUESTS_PER_PART} small files per part of the setting (64 at the default, so at 120 ms up to 64 ÷ 0.12 s ≈ 530 files per second, above the 95 files of 256 KiB per second 200 Mbit/s carries). The small-file sweep rows try \`--concurrency\` 2, 4, 8 and 16: 16, 32, 64 and 128 small files in flight.`,
  ];
}
