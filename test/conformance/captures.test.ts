import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/capture/analyze-capture.js';
import { FileSource } from '../../src/io/byte-source.js';
import { CORPUS, requireTool, tempDir } from '../helpers.js';

/** Every corpus capture against tshark's dissection and nDPI's recorded results (moved from test/capture.test.ts). */

const CAPTURES = join(CORPUS, 'network-captures');
const captures = ['ndpi', 'pcapdroid'].flatMap((d) =>
  readdirSync(join(CAPTURES, d))
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .map((f) => join(CAPTURES, d, f)),
);

function tshark(file: string, filter: string, field: string): Set<string> {
  const r = spawnSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', field], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return new Set(
    r.stdout
      .split('\n')
      .flatMap((l) => l.split(','))
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

describe('captures agree with tshark and nDPI', () => {
  requireTool('tshark');

  it('computes the JA4 fingerprints nDPI reports for the corpus captures', () => {
    let compared = 0;
    const mismatches: string[] = [];
    for (const file of captures.filter((f) => f.includes('/ndpi/'))) {
      const ref = new Map<string, string>();
      for (const line of readFileSync(`${file}.out`, 'utf8').split('\n')) {
        const m = /\t(?:TCP|UDP) ([^ ]+) <-> ([^ ]+) .*\[JA4: ([^\]]+)\]/.exec(line);
        if (m) ref.set(`${m[1]}>${m[2]}`, m[3] ?? '');
      }
      const addr = (ip: string, port: number) => `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
      for (const f of analyzeCapture(new FileSource(file)).flows) {
        const want = ref.get(`${addr(f.client, f.clientPort)}>${addr(f.server, f.serverPort)}`);
        if (!want || !f.ja4) continue;
        compared++;
        // nDPI's version writes the SNI flag and the two ALPN characters differently from the JA4
        // specification in some flows ("ht" for http/1.1, where the spec takes first and last, "h1"):
        // compare protocol, version, counts and both hashes, which carry the fingerprint.
        const parts = (j: string) => [j.slice(0, 3), j.slice(4, 8), j.slice(10)].join('|');
        if (parts(want) !== parts(f.ja4))
          mismatches.push(`${file} ${f.client}:${f.clientPort}: ours ${f.ja4} nDPI ${want}`);
      }
    }
    expect(compared).toBeGreaterThan(40);
    expect(mismatches).toEqual([]);
  });

  it(`finds the same DNS queries and TLS server names as tshark in ${captures.length} real captures`, () => {
    const mismatches: string[] = [];
    let names = 0;
    for (const file of captures) {
      const r = analyzeCapture(new FileSource(file));
      const dns = tshark(file, 'udp && dns.flags.response == 0', 'dns.qry.name');
      const ours = new Set(r.dnsQueries);
      // TLS over TCP and the TLS inside QUIC Initial packets, which Candor decrypts as tshark does.
      const sni = tshark(file, '(tcp || quic) && tls.handshake.type == 1', 'tls.handshake.extensions_server_name');
      const ourSni = new Set(r.flows.map((f) => f.sni).filter((s): s is string => !!s));
      const diff = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x));
      if (diff(dns, ours).length || diff(ours, dns).length)
        mismatches.push(`${file} dns: tshark-only ${diff(dns, ours).join(' ')} ours-only ${diff(ours, dns).join(' ')}`);
      if (diff(sni, ourSni).length || diff(ourSni, sni).length)
        mismatches.push(
          `${file} sni: tshark-only ${diff(sni, ourSni).join(' ')} ours-only ${diff(ourSni, sni).join(' ')}`,
        );
      names += dns.size + sni.size;
    }
    expect(names).toBeGreaterThan(50);
    expect(mismatches).toEqual([]);
  });

  it("agrees with nDPI's .out files flow by flow: every flow's packets, bytes and TLS/QUIC server name", () => {
    const dir = join(CAPTURES, 'ndpi');
    let flows = 0;
    let named = 0;
    const mismatches: string[] = [];
    for (const file of readdirSync(dir).filter(
      (f) => /\.(pcap|pcapng)$/.test(f) && existsSync(join(dir, `${f}.out`)),
    )) {
      const r = analyzeCapture(new FileSource(join(dir, file)));
      const pair = (a: string, b: string) => [a, b].sort().join(' ');
      const ours = new Map(
        r.flows.map((x) => [`${x.proto} ${pair(`${x.client}:${x.clientPort}`, `${x.server}:${x.serverPort}`)}`, x]),
      );
      const linkBytes = new Set<number>();
      for (const line of readFileSync(join(dir, `${file}.out`), 'utf8').split('\n')) {
        const m = /^\s+\d+\s+(TCP|UDP) (\S+) <-> (\S+) .*?\[(\d+) pkts\/(\d+) bytes <-> (\d+) pkts\/(\d+) bytes\]/.exec(
          line,
        );
        if (!m) continue;
        flows++;
        const endpoint = (e: string) => e.replace(/^\[(.*)\]:(\d+)$/, '$1:$2');
        const key = `${(m[1] ?? '').toLowerCase()} ${pair(endpoint(m[2] ?? ''), endpoint(m[3] ?? ''))}`;
        const flow = ours.get(key);
        if (!flow) {
          mismatches.push(`${file}: no flow ${key}`);
          continue;
        }
        const packets = Number(m[4]) + Number(m[6]);
        if (flow.packets !== packets) mismatches.push(`${file} ${key}: ${flow.packets} packets, nDPI ${packets}`);
        // nDPI counts link-layer frames, Candor IP packets: the difference is each frame's link header,
        // padding and trailer — at least nothing, at most 64 bytes a packet; exactly 14 on plain Ethernet.
        const extra = Number(m[5]) + Number(m[7]) - (flow.bytesUp + flow.bytesDown);
        if (extra < 0 || extra > packets * 64)
          mismatches.push(
            `${file} ${key}: ${flow.bytesUp + flow.bytesDown} bytes, ` +
              `nDPI ${Number(m[5]) + Number(m[7])} for ${packets} packets`,
          );
        if (extra % packets === 0) linkBytes.add(extra / packets);
        const sni = /\[Hostname\/SNI: ([^\]]+)\]/.exec(line)?.[1];
        if (sni && flow.sni) {
          named++;
          if (sni !== flow.sni) mismatches.push(`${file} ${key}: SNI ${flow.sni}, nDPI ${sni}`);
        }
      }
      if (file === 'android.pcap' && [...linkBytes].join() !== '14')
        mismatches.push(`android.pcap: link header sizes ${[...linkBytes].join(', ')}`);
    }
    expect(flows).toBeGreaterThan(150);
    expect(named).toBeGreaterThan(40);
    expect(mismatches).toEqual([]);
  });

  it('counts the same packets as tshark in every corpus capture, without diagnostics', () => {
    for (const file of captures) {
      const r = analyzeCapture(new FileSource(file));
      const count = Number(
        spawnSync('sh', ['-c', `tshark -r ${file} 2>/dev/null | wc -l`], { encoding: 'utf8' }).stdout.trim(),
      );
      expect(r.packets, file).toBe(count);
      expect(
        r.problems.filter((p) => p.code.startsWith('pcap')),
        file,
      ).toEqual([]);
    }
  });

  it("recovers the records of pcapfix's damaged samples as pcapfix does (checked with tshark on its repair)", () => {
    requireTool('pcapfix');
    const examples = '/usr/share/doc/pcapfix/examples';
    const dir = tempDir('candor-pcapfix-');
    for (const [name, code] of [
      ['test_damaged.pcap', 'pcap/resynced'],
      ['test_without_pcap_header.pcap', 'pcap/missing-header'],
    ] as const) {
      const damaged = join(dir, name);
      writeFileSync(damaged, readFileSync(join(examples, name)));
      spawnSync('pcapfix', ['-o', join(dir, `fixed-${name}`), damaged]);
      const ours = analyzeCapture(new FileSource(damaged));
      expect(
        ours.problems.map((p) => p.code),
        name,
      ).toContain(code);
      const count = Number(
        spawnSync('sh', ['-c', `tshark -r ${join(dir, `fixed-${name}`)} 2>/dev/null | wc -l`], {
          encoding: 'utf8',
        }).stdout.trim(),
      );
      expect(ours.packets, name).toBe(count);
      const ips = new Set(
        spawnSync('tshark', ['-r', join(dir, `fixed-${name}`), '-T', 'fields', '-e', 'ip.dst'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean),
      );
      const ourIps = new Set(ours.flows.flatMap((f) => [f.server, f.client]));
      for (const ip of ips) expect(ourIps.has(ip), `${name} ${ip}`).toBe(true);
    }
  });

  it("agrees with tshark on Debian pathspider's real.pcap (62,781 packets)", () => {
    const file = '/usr/lib/python3/dist-packages/pathspider/tests/data/real.pcap';
    if (!existsSync(file)) throw new Error(`${file} missing: .ci/run installs Debian's pathspider`);
    const r = analyzeCapture(new FileSource(file));
    expect(r.packets).toBe(62781);
    const dns = tshark(file, 'udp && dns.flags.response == 0', 'dns.qry.name');
    expect(new Set(r.dnsQueries)).toEqual(dns);
    const sni = tshark(file, '(tcp || quic) && tls.handshake.type == 1', 'tls.handshake.extensions_server_name');
    expect(new Set(r.flows.map((f) => f.sni).filter((s): s is string => !!s))).toEqual(sni);
  });
});
