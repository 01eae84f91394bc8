import { findingsOf } from '../src/model.js';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../src/capture/analyze-capture.js';
import { beaconPeriod } from '../src/capture/analyze-capture.js';
import { parseDns } from '../src/formats/net/dns.js';
import { parseClientHello } from '../src/formats/net/tls.js';
import { BufferSource, FileSource } from '../src/io/byte-source.js';
import { scan } from '../src/scan/scan.js';
import AjvModule from 'ajv';
import { CORPUS, EXODUS_JSON, ROOT, requireTool, tempDir } from './helpers.js';
import { textContaining } from './matchers.js';

const CAPTURES = join(CORPUS, 'network-captures');

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

describe('captures', () => {
  requireTool('tshark');

  it('decrypts QUIC v1, v2 and draft-29 Initial packets and reads their server names', () => {
    const sni = (f: string) => [
      ...new Set(
        analyzeCapture(new FileSource(join(CAPTURES, 'ndpi', f)))
          .flows.filter((x) => x.proto === 'udp' && x.sni)
          .map((x) => x.sni),
      ),
    ];
    expect(sni('quic-29.pcap')).toEqual(['localhost']);
    expect(sni('quic-v2.pcapng')).toEqual(['test']);
    const flow = analyzeCapture(new FileSource(join(CAPTURES, 'ndpi', 'quic-v2.pcapng'))).flows.find(
      (x) => x.sni === 'test',
    );
    expect(flow).toMatchObject({ protocol: 'quic', encrypted: true });
  });

  it('reports destinations with names, bytes and encryption', () => {
    const file = join(CAPTURES, 'ndpi', 'android.pcap');
    const r = analyzeCapture(new FileSource(file));
    const play = r.destinations.find((d) => d.host === 'play.googleapis.com');
    expect(play).toMatchObject({ nameSource: 'sni', protocols: ['tls'], encryptedShare: 1 });
    expect(play?.bytesUp).toBeGreaterThan(0);
  });

  it('reads truncated and corrupted captures up to the damage, with diagnostics', () => {
    const buf = readFileSync(join(CAPTURES, 'ndpi', 'android.pcap'));
    const full = analyzeCapture(new BufferSource(buf)).packets;
    const cut = analyzeCapture(new BufferSource(buf.subarray(0, Math.floor(buf.length / 2))));
    expect(cut.packets).toBeGreaterThan(0);
    expect(cut.packets).toBeLessThan(full);
    expect(cut.problems.map((p) => p.code)).toContain('pcap/truncated-record');
    const lying = Buffer.from(buf);
    lying.writeUInt32LE(0x7fffffff, 24 + 8); // first record's captured length
    // The damaged record is skipped and reading resumes at the next believable record header.
    const resumed = analyzeCapture(new BufferSource(lying));
    expect(resumed.problems.map((p) => p.code)).toContain('pcap/resynced');
    expect(resumed.packets).toBe(full - 1);
    const bogus = Buffer.alloc(16);
    bogus.writeUInt32LE(0x7fffffff, 8);
    const tail = analyzeCapture(new BufferSource(Buffer.concat([buf, bogus, Buffer.alloc(100)])));
    expect(tail.problems.map((p) => p.code)).toContain('pcap/bad-length');
    expect(tail.packets).toBe(full);
    const ng = readFileSync(join(CAPTURES, 'ndpi', 'doh.pcapng'));
    const ngCut = analyzeCapture(new BufferSource(ng.subarray(0, ng.length - 100)));
    expect(ngCut.problems.map((p) => p.code)).toContain('pcapng/truncated-block');
    expect(() => analyzeCapture(new BufferSource(Buffer.from('not a capture at all')))).toThrow(/not a pcap/);
  });

  it('reassembles fragmented datagrams and out-of-order TCP segments', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const pcap = join(tempDir(), 'reorder.pcap');
    writeFileSync(
      pcap,
      buildPcap(
        [
          {
            ts: 1_700_000_010,
            client: '192.168.1.23',
            server: '203.116.0.1',
            clientPort: 42000,
            serverPort: 443,
            sni: 'reordered.example.sg',
            helloOutOfOrder: true,
          },
          {
            ts: 1_700_000_020,
            client: '192.168.1.23',
            server: '203.116.0.9',
            clientPort: 42001,
            serverPort: 8080,
            uploadBytes: 100,
          },
        ],
        [{ ts: 1_700_000_000, name: 'fragmented.example.org', address: '203.116.0.9', fragmented: true }],
      ),
    );
    const r = analyzeCapture(new FileSource(pcap));
    expect(r.flows.find((f) => f.serverPort === 443)?.sni).toBe('reordered.example.sg');
    expect(r.skipped.fragment).toBe(0);
    // The DNS answer arrived in two fragments, the second first; its name now labels the address.
    expect(r.destinations.find((d) => d.ips.includes('203.116.0.9'))).toMatchObject({
      host: 'fragmented.example.org',
      nameSource: 'dns',
    });
    expect(tshark(pcap, 'dns.flags.response == 1', 'dns.qry.name')).toEqual(new Set(['fragmented.example.org']));
  });

  it('decodes monitor-mode Wi-Fi (radiotap and bare 802.11) as tshark does, and reports WPA-protected frames', () => {
    // A real Ethernet capture re-framed as 802.11 data frames, the way a monitor-mode capture of the phone
    // would carry the same packets: alternating plain and QoS data, some with the Order bit (HT control),
    // some through a WDS link (four addresses), radiotap headers with TSFT and an FCS, and every tenth
    // frame marked Protected, as WPA traffic is.
    const file = join(CAPTURES, 'ndpi', 'android.pcap');
    const src = readFileSync(file);
    expect(src.readUInt32LE(20)).toBe(1); // Ethernet
    const radiotapHeader = Buffer.alloc(20);
    radiotapHeader.writeUInt16LE(20, 2);
    radiotapHeader.writeUInt32LE(0b11, 4); // TSFT, Flags
    radiotapHeader[16] = 0x10; // Flags: frame includes FCS
    const frames: { radiotap: Buffer[]; bare: Buffer[] } = { radiotap: [], bare: [] };
    let protectedFrames = 0;
    let n = 0;
    for (let off = 24; off + 16 <= src.length; n++) {
      const incl = src.readUInt32LE(off + 8);
      const pkt = src.subarray(off + 16, off + 16 + incl);
      const head = src.subarray(off, off + 16);
      off += 16 + incl;
      const qos = n % 2 === 1;
      const wds = n % 3 === 0;
      const order = qos && n % 5 === 1;
      const prot = n % 10 === 7;
      if (prot) protectedFrames++;
      const mac = Buffer.alloc(24 + (wds ? 6 : 0) + (qos ? 2 : 0) + (order ? 4 : 0));
      mac[0] = qos ? 0x88 : 0x08;
      mac[1] = (wds ? 0x03 : 0x01) | (prot ? 0x40 : 0) | (order ? 0x80 : 0);
      pkt.copy(mac, 4, 0, 6); // addr1: receiver
      pkt.copy(mac, 10, 6, 12); // addr2: transmitter
      pkt.copy(mac, 16, 0, 6);
      const llc = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, pkt.readUInt8(12), pkt.readUInt8(13)]);
      const body = Buffer.concat([mac, llc, pkt.subarray(14)]);
      const fcs = Buffer.alloc(4);
      fcs.writeUInt32LE(zlibCrc32(body));
      for (const [kind, bytes] of [
        ['radiotap', Buffer.concat([radiotapHeader, body, fcs])],
        ['bare', body],
      ] as const) {
        const rec = Buffer.from(head);
        rec.writeUInt32LE(bytes.length, 8);
        rec.writeUInt32LE(bytes.length, 12);
        frames[kind].push(rec, bytes);
      }
    }
    for (const [kind, linkType] of [
      ['radiotap', 127],
      ['bare', 105],
    ] as const) {
      const header = Buffer.from(src.subarray(0, 24));
      header.writeUInt32LE(linkType, 20);
      const wifi = join(tempDir(), `${kind}.pcap`);
      writeFileSync(wifi, Buffer.concat([header, ...frames[kind]]));
      const r = analyzeCapture(new FileSource(wifi));
      expect(r.packets).toBe(n);
      expect(r.skipped['encrypted-link']).toBe(protectedFrames);
      expect(r.skipped.link).toBe(0);
      expect(r.problems.map((p) => p.code)).toContain('capture/encrypted-wifi');
      // tshark reads the same frames; the protected ones it cannot decrypt either.
      expect(new Set(r.dnsQueries)).toEqual(tshark(wifi, 'udp && dns.flags.response == 0', 'dns.qry.name'));
      const sni = new Set(r.flows.map((f) => f.sni).filter(Boolean));
      expect(sni).toEqual(tshark(wifi, 'tcp && tls.handshake.type == 1', 'tls.handshake.extensions_server_name'));
      expect(sni.size + r.dnsQueries.length).toBeGreaterThan(5);
    }
    // Truncated and lying headers end as counted link failures with a diagnostic, never a throw.
    const radiotapTooLong = Buffer.from(radiotapHeader);
    radiotapTooLong.writeUInt16LE(400, 2);
    const endlessPresent = Buffer.alloc(16, 0xff);
    endlessPresent[0] = 0;
    endlessPresent.writeUInt16LE(16, 2);
    const bad = [
      radiotapTooLong,
      endlessPresent,
      Buffer.concat([radiotapHeader, Buffer.from([0x88, 0x01, 0, 0])]),
      Buffer.from([0x08, 0x01, 0, 0, 0, 0]),
    ];
    const records = bad.flatMap((b, i) => {
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(1_700_000_000 + i, 0);
      rec.writeUInt32LE(b.length, 8);
      rec.writeUInt32LE(b.length, 12);
      return [rec, b];
    });
    const header = Buffer.from(src.subarray(0, 24));
    header.writeUInt32LE(127, 20);
    const broken = join(tempDir(), 'broken-radiotap.pcap');
    writeFileSync(broken, Buffer.concat([header, ...records]));
    const r = analyzeCapture(new FileSource(broken));
    expect(r.packets).toBe(bad.length);
    expect(r.skipped.link).toBe(bad.length);
    expect(r.problems.map((p) => p.code)).toEqual(['capture/unsupported-link']);
  });

  it("attributes connections to apps from PCAPdroid's per-packet trailer", async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const pcap = join(tempDir(), 'pcapdroid.pcap');
    writeFileSync(
      pcap,
      buildPcap([
        {
          ts: 1_700_000_000,
          client: '10.215.173.1',
          server: '203.116.0.1',
          clientPort: 43000,
          serverPort: 443,
          sni: 'api.example.sg',
          uploadBytes: 500,
          pcapdroidApp: 'com.miui.analytics',
        },
      ]),
    );
    const r = analyzeCapture(new FileSource(pcap));
    expect(r.destinations.find((d) => d.host === 'api.example.sg')?.apps).toEqual(['com.miui.analytics (uid 10123)']);
    // The trailer is outside the IP datagram: byte counts and the TLS parse are unaffected, as for tshark.
    expect(tshark(pcap, 'tls.handshake.type == 1', 'tls.handshake.extensions_server_name')).toEqual(
      new Set(['api.example.sg']),
    );
  });

  it("attributes connections to apps from PCAPdroid's pcapng UID-mapping blocks and packet comments", async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const pcap = buildPcap([
      {
        ts: 1_700_000_000,
        client: '10.215.173.1',
        server: '203.116.0.1',
        clientPort: 43000,
        serverPort: 443,
        sni: 'api.example.sg',
        uploadBytes: 500,
      },
    ]);
    // Rewrite as PCAPdroid writes pcapng: SHB, IDB, a custom block (PEN 62652) mapping the UID, and
    // enhanced packet blocks whose comment option is "u-<uid>".
    const block = (type: number, body: Buffer) => {
      const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
      const b = Buffer.alloc(12 + padded.length);
      b.writeUInt32LE(type, 0);
      b.writeUInt32LE(b.length, 4);
      padded.copy(b, 8);
      b.writeUInt32LE(b.length, b.length - 4);
      return b;
    };
    const shb = block(
      0x0a0d0d0a,
      Buffer.from([0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    );
    const idbBody = Buffer.alloc(8);
    idbBody.writeUInt16LE(pcap.readUInt32LE(20), 0);
    idbBody.writeUInt32LE(65535, 4);
    const pkg = Buffer.from('com.miui.analytics');
    const app = Buffer.from('Analytics');
    const custom = Buffer.alloc(14);
    custom.writeUInt32LE(62652, 0);
    custom.writeUInt16LE(1, 4);
    custom[6] = 1;
    custom.writeInt32LE(10123, 8);
    custom[12] = pkg.length;
    custom[13] = app.length;
    const parts = [shb, block(1, idbBody), block(0xbad, Buffer.concat([custom, pkg, app]))];
    for (let off = 24; off + 16 <= pcap.length;) {
      const incl = pcap.readUInt32LE(off + 8);
      const usec = BigInt(pcap.readUInt32LE(off)) * 1_000_000n + BigInt(pcap.readUInt32LE(off + 4));
      const head = Buffer.alloc(20);
      head.writeUInt32LE(0, 0);
      head.writeUInt32LE(Number(usec >> 32n), 4);
      head.writeUInt32LE(Number(usec & 0xffffffffn), 8);
      head.writeUInt32LE(incl, 12);
      head.writeUInt32LE(pcap.readUInt32LE(off + 12), 16);
      const data = pcap.subarray(off + 16, off + 16 + incl);
      const comment = Buffer.from('u-10123');
      const opt = Buffer.alloc(4 + 8 + 4);
      opt.writeUInt16LE(1, 0);
      opt.writeUInt16LE(comment.length, 2);
      comment.copy(opt, 4);
      parts.push(block(6, Buffer.concat([head, data, Buffer.alloc((4 - (incl % 4)) % 4), opt])));
      off += 16 + incl;
    }
    const file = join(tempDir(), 'pcapdroid.pcapng');
    writeFileSync(file, Buffer.concat(parts));
    expect(tshark(file, 'tls.handshake.type == 1', 'frame.comment')).toEqual(new Set(['u-10123']));
    const r = analyzeCapture(new FileSource(file));
    expect(r.destinations.find((d) => d.host === 'api.example.sg')?.apps).toEqual([
      'Analytics (com.miui.analytics, uid 10123)',
    ]);
    expect(r.problems).toEqual([]);
  });

  it('releases the bytes of finished connections, so a long capture is analysed to its end', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    // 7,000 closed HTTP uploads of 10 KB each: more than the 64 MiB Candor retains at once.
    const body = 'x'.repeat(10_000);
    // All within two minutes, so only the FIN exchange (not idleness) can release a connection's bytes.
    const conns = Array.from({ length: 7000 }, (_, i) => ({
      ts: 1_700_000_000 + i * 0.01,
      client: '192.168.1.23',
      server: `203.0.${(i >> 8) & 255}.${i & 255}`,
      clientPort: 20000 + (i % 40000),
      serverPort: 80,
      httpRequest:
        `POST /upload?n=${i}${i === 6999 ? '&imei=490154203237518' : ''} HTTP/1.1\r\n` +
        `Host: t${i}.example.com\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      close: true,
    }));
    const r = analyzeCapture(new BufferSource(buildPcap(conns)));
    expect(r.flows).toHaveLength(7000);
    expect(r.flows.filter((f) => f.http?.length).length).toBe(7000);
    expect(r.flows.at(-1)?.leaks?.map((l) => l.kind)).toContain('imei');
  });

  it('counts opaque bodies over plain HTTP as unreadable, and says which kind', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const { randomBytes } = await import('node:crypto');
    const post = (host: string, body: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `POST /v1/report HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\n` +
            `Content-Length: ${body.length}\r\n\r\n`,
        ),
        body,
      ]);
    const cipher = randomBytes(1024);
    const json = Buffer.from(
      JSON.stringify({
        event: 'app_open',
        ts: 1700000000,
        screen: 'home',
        items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}` })),
      }),
    );
    const pcap = buildPcap([
      {
        ts: 1_700_000_000,
        client: '192.168.1.23',
        server: '161.117.96.10',
        clientPort: 45000,
        serverPort: 80,
        httpRequest: post('raw.example.sg', cipher),
      },
      {
        ts: 1_700_000_001,
        client: '192.168.1.23',
        server: '161.117.96.11',
        clientPort: 45001,
        serverPort: 80,
        httpRequest: post('b64.example.sg', Buffer.from(cipher.toString('base64'))),
      },
      {
        ts: 1_700_000_002,
        client: '192.168.1.23',
        server: '161.117.96.12',
        clientPort: 45002,
        serverPort: 80,
        httpRequest: post('plain.example.sg', json),
      },
    ]);
    const r = analyzeCapture(new BufferSource(pcap));
    const d = (h: string) => r.destinations.find((x) => x.host === h);
    expect(d('raw.example.sg')).toMatchObject({ encryptedShare: 1, encryption: ['opaque-http-body'] });
    expect(d('b64.example.sg')).toMatchObject({ encryptedShare: 1, encryption: ['opaque-http-body-base64'] });
    expect(d('plain.example.sg')?.encryptedShare).toBe(0);
    expect(d('plain.example.sg')?.encryption).toBeUndefined();
    // In a HAR from an intercepting proxy the TLS is gone, but an app's own encryption still shows.
    const { analyzeHar } = await import('../src/capture/har.js');
    const har = analyzeHar(
      JSON.stringify({
        log: {
          version: '1.2',
          entries: [
            {
              startedDateTime: '2026-01-01T00:00:00Z',
              request: {
                method: 'POST',
                url: 'https://sa.api.intl.miui.com/sa',
                headers: [],
                headersSize: 100,
                bodySize: 1368,
                postData: { mimeType: 'text/plain', text: cipher.toString('base64') },
              },
              response: { status: 200, headers: [], headersSize: 50, bodySize: 2, content: { size: 2, text: 'ok' } },
            },
            {
              startedDateTime: '2026-01-01T00:00:01Z',
              request: {
                method: 'POST',
                url: 'https://api.example.com/event',
                headers: [],
                headersSize: 100,
                bodySize: json.length,
                postData: { mimeType: 'application/json', text: json.toString() },
              },
              response: { status: 200, headers: [], headersSize: 50, bodySize: 2, content: { size: 2, text: 'ok' } },
            },
          ],
        },
      }),
      {},
    );
    expect(har.destinations.find((x) => x.host === 'sa.api.intl.miui.com')?.encryption).toEqual([
      'opaque-http-body-base64',
      'tls',
    ]);
    expect(har.destinations.find((x) => x.host === 'api.example.com')?.encryption).toEqual(['tls']);
  });

  it('finds a blocklist in a plaintext HTTP response, chunked and gzip-encoded', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const { POLITICAL_TERMS } = await import('./fixtures/lists.js');
    const { gzipSync } = await import('node:zlib');
    const body = gzipSync(
      JSON.stringify({ status: 0, message: 'updated', keywords: POLITICAL_TERMS, version: 5, cacheTime: 43200000 }),
    );
    const chunked = Buffer.concat([
      Buffer.from(`${(100).toString(16)}\r\n`),
      body.subarray(0, 100),
      Buffer.from(`\r\n${(body.length - 100).toString(16)}\r\n`),
      body.subarray(100),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const response = Buffer.concat([
      Buffer.from(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n' +
          'Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n',
      ),
      chunked,
    ]);
    const pcap = join(tempDir(), 'list.pcap');
    writeFileSync(
      pcap,
      buildPcap([
        {
          ts: 1_700_000_000,
          client: '192.168.1.23',
          server: '161.117.96.10',
          clientPort: 44000,
          serverPort: 80,
          httpRequest: 'GET /filter/text?appKey=x HTTP/1.1\r\nHost: globalapi.ad.xiaomi.com\r\n\r\n',
          httpResponse: response,
        },
      ]),
    );
    const report = await scan({ inputs: [pcap], cwd: '/', jobs: 1 });
    const list = report.findings.find((f) => f.detectorId === 'censorship/keyword-list');
    expect(list).toMatchObject({
      severity: 'high',
      location: { entry: 'http://globalapi.ad.xiaomi.com/filter/text?appKey=x', frame: 1 },
      evidence: { encodings: ['gzip'], termCount: POLITICAL_TERMS.length },
    });
    // tshark decodes the same response.
    expect(tshark(pcap, 'http.response', 'http.response.code')).toEqual(new Set(['200']));
  });

  it('stops DNS compression pointer loops', () => {
    const msg = Buffer.from('1234010000010000000000000000', 'hex');
    const loop = Buffer.concat([msg.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(parseDns(loop)).toBeNull();
  });

  it('recognises a periodic beacon', () => {
    expect(beaconPeriod([0, 60, 120.2, 180.1, 240])).toBe(60);
    expect(beaconPeriod([0, 5, 90, 91, 300])).toBeNull();
  });

  it('adds destinations to the scan report, valid against the schema', async () => {
    const report = await scan({
      inputs: [join(CAPTURES, 'ndpi', 'xiaomi.pcap'), join(CAPTURES, 'ndpi', 'doh.pcapng')],
      cwd: '/',
      jobs: 1,
    });
    expect(report.artefacts.map((a) => a.kind)).toEqual(['capture', 'capture']);
    expect(report.destinations?.length).toBeGreaterThan(0);
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8')) as object;
    const ajv = new (AjvModule as unknown as typeof AjvModule.default)({ allErrors: true, strict: false });
    ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(schema);
    expect(validate(report), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // Public addresses get a country; private ones never do.
    expect(report.destinations?.find((d) => d.ips.includes('1.1.1.1'))?.country).toBe('AU');
    for (const d of report.destinations ?? [])
      if (d.ips.every((ip) => /^(10|192\.168|127)\./.test(ip))) expect(d.country).toBeNull();
  });
});

describe('TLS ClientHello cut short (hand-made bytes)', () => {
  // Record header, handshake type 1 with a 24-bit length, then version and random (34 bytes).
  const hello = (handshakeLength: number, rest: number[]) =>
    Buffer.from([
      0x16,
      0x03,
      0x01,
      0x00,
      4 + handshakeLength,
      0x01,
      0x00,
      0x00,
      handshakeLength,
      0x03,
      0x03,
      ...new Array<number>(32).fill(0x11),
      ...rest,
    ]);

  it('is not a hello when it ends before the session id length', () => {
    expect(parseClientHello(hello(34, []))).toBeNull();
  });

  it('reads no half cipher suite when the cipher list length is odd', () => {
    // Session id of length 0, then a cipher list of one byte that ends the hello.
    const h = parseClientHello(hello(38, [0x00, 0x00, 0x01, 0x13]));
    expect(h).toBeNull();
  });
});

describe('the covert upload the 2021 assessment described', () => {
  it('reports encrypted beacons to Singapore as a high-severity transfer, tied to the app naming it', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const { deriveApk } = await import('./fixtures/apk-builder.js');
    const { buildDex } = await import('./fixtures/dex-builder.js');
    const { corpusFile } = await import('./helpers.js');
    const dir = tempDir();
    const start = 1_700_000_000;
    const connections = Array.from({ length: 6 }, (_, i) => ({
      ts: start + i * 60,
      client: '192.168.1.23',
      server: '161.117.96.10',
      clientPort: 40000 + i,
      serverPort: 443,
      sni: 'sa.api.intl.miui.com',
      uploadBytes: 1200,
      downloadBytes: 300,
    }));
    const pcap = join(dir, 'phone.pcap');
    writeFileSync(
      pcap,
      buildPcap(connections, [{ ts: start - 1, name: 'sa.api.intl.miui.com', address: '161.117.96.10' }]),
    );
    // The fixture is a valid capture for tshark too.
    expect(tshark(pcap, 'tls.handshake.type == 1', 'tls.handshake.extensions_server_name')).toEqual(
      new Set(['sa.api.intl.miui.com']),
    );
    const apk = deriveApk({
      base: corpusFile('urzip.apk'),
      out: join(dir, 'browser.apk'),
      entries: {
        'classes.dex': buildDex([
          {
            descriptor: 'Lcom/miui/analytics/Sensors;',
            methods: [{ name: 'flush', strings: ['https://sa.api.intl.miui.com/sa?project=global'] }],
          },
        ]),
      },
    });
    const report = await scan({ inputs: [apk, pcap], cwd: '/', jobs: 1 });
    const dest = report.destinations?.find((d) => d.host === 'sa.api.intl.miui.com');
    expect(dest).toMatchObject({
      country: 'SG',
      connections: 6,
      periodSeconds: 60,
      encryptedShare: 1,
      apps: ['info.guardianproject.urzip'],
      nameSource: 'sni',
    });
    const transfer = report.findings.find((f) => f.detectorId === 'network/transfer-outside-eea');
    expect(transfer).toMatchObject({
      severity: 'high',
      messageId: 'no-adequacy',
      evidence: { country: 'SG', periodSeconds: 60 },
    });
    expect(report.scan.options.geolocation).toMatch(/nro\.net/);
    const local = report.destinations?.find((d) => d.ips.includes('192.168.1.1'));
    expect(local?.country ?? null).toBeNull();
    // The app's hard-coded endpoint says it was seen in the capture, where and how often.
    const endpoint = findingsOf(report.findings, 'network/endpoints').find(
      (f) => f.evidence.host === 'sa.api.intl.miui.com',
    );
    expect(endpoint?.evidence.seenInCapture).toEqual([
      { capture: pcap, host: 'sa.api.intl.miui.com', connections: 6, frames: dest?.sampleFrames, country: 'SG' },
    ]);
    const unseen = findingsOf(report.findings, 'network/endpoints').filter(
      (f) => f.evidence.host !== 'sa.api.intl.miui.com',
    );
    for (const f of unseen) expect(f.evidence.seenInCapture).toBe(false);
  });
});

describe('identifier leaks', () => {
  it('finds identifiers in URLs, headers and bodies, encoded or hashed, with flow, frame and field', async () => {
    const { buildPcap } = await import('./fixtures/pcap-builder.js');
    const { createHash } = await import('node:crypto');
    const imei = '490154203237518';
    const mac = '3c:5a:b4:01:02:03';
    const androidId = '9774d56d682e549c';
    const md5Imei = createHash('md5').update(imei).digest('hex').toUpperCase();
    const sha256Mac = createHash('sha256').update(mac).digest('hex');
    const mail = encodeURIComponent('tester@example.org');
    const encodedId = Buffer.from(`androidid=${androidId}`).toString('base64');
    const body =
      `{"gaid":"38400000-8cf0-11bd-b23e-10b96e40000d","mail":"${mail}","d":"${encodedId}",` +
      `"h":"${md5Imei}","m":"${sha256Mac}"}`;
    const request =
      `POST /collect?imei=${imei}&mac=${encodeURIComponent(mac)} HTTP/1.1\r\nHost: tracker.example.cn\r\n` +
      `X-Device: ${androidId}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const pcap = join(tempDir(), 'leak.pcap');
    writeFileSync(
      pcap,
      buildPcap([
        {
          ts: 1_700_000_000,
          client: '192.168.1.23',
          server: '203.116.0.1',
          clientPort: 41000,
          serverPort: 80,
          httpRequest: request,
        },
      ]),
    );
    const report = await scan({ inputs: [pcap], cwd: '/', jobs: 1, deviceIds: { imei, mac, androidId } });
    const leaks = report.findings
      .filter((f) => f.detectorId === 'network/identifier-leak')
      .map((f) => `${f.evidence.kind}|${f.evidence.field}|${f.evidence.form}`);
    expect(leaks).toEqual(
      expect.arrayContaining([
        'imei|url|plain',
        'mac-address|url|percent-decoded',
        'advertising-id|body|plain',
        'email|body|percent-decoded',
        'android-id|body|base64',
        'device-imei|url|plain',
        'device-imei|body|md5-of-imei-upper',
        'device-mac|body|sha256-of-mac',
        'device-androidId|header X-Device|plain',
      ]),
    );
    const imeiLeak = findingsOf(report.findings, 'network/identifier-leak').find((f) => f.evidence.kind === 'imei');
    expect(imeiLeak?.location).toMatchObject({ frame: 1 });
    expect(imeiLeak?.severity).toBe('high');
  });

  it('does not take numbers that fail the check digit for IMEIs', async () => {
    const { findLeaks } = await import('../src/capture/leaks.js');
    expect(findLeaks('id=490154203237519&t=100000000000000', 'url').map((l) => l.kind)).toEqual([]);
  });
});

describe('HAR', () => {
  it('reads real HAR files from browsers, mitmproxy and Charles: one destination per host', async () => {
    const dir = join(CAPTURES, 'har');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.har'))) {
      const hosts = JSON.parse(
        spawnSync(
          'python3',
          [
            '-c',
            [
              'import json,sys',
              'from urllib.parse import urlparse',
              'd=json.load(open(sys.argv[1]))',
              'print(json.dumps(sorted({urlparse(e["request"]["url"]).hostname.lower() for e in d["log"]["entries"]' +
                ' if urlparse(e["request"]["url"]).hostname})))',
            ].join('\n'),
            join(dir, f),
          ],
          { encoding: 'utf8' },
        ).stdout,
      ) as string[];
      const report = await scan({ inputs: [join(dir, f)], cwd: '/', jobs: 1 });
      expect(
        report.artefacts.map((a) => a.kind),
        f,
      ).toEqual(['capture']);
      expect((report.destinations ?? []).map((d) => d.host).sort(), f).toEqual(hosts);
    }
  });

  it('attributes destinations to trackers by host, with the built-in set and Exodus network signatures', async () => {
    const pcapReport = await scan({ inputs: [join(CAPTURES, 'ndpi', 'android.pcap')], cwd: '/', jobs: 1 });
    expect(pcapReport.destinations?.find((d) => d.host === 'app-measurement.com')?.trackers).toEqual([
      'Google Firebase Analytics',
    ]);
    const har = await scan({
      inputs: [join(CAPTURES, 'har', 'pagexray-www.nytimes.com.har')],
      cwd: '/',
      jobs: 1,
      trackersPath: EXODUS_JSON,
    });
    const by = Object.fromEntries((har.destinations ?? []).map((d) => [d.host, d.trackers ?? []]));
    expect(by['www.google-analytics.com']).toContain('Google Analytics');
    expect(by['beacon.krxd.net']).toContain('Audience Studio (Krux)');
    expect(by['static01.nyt.com']).toEqual([]);
  });

  it('finds a blocklist downloaded in clear and an identifier sent with it', async () => {
    const { POLITICAL_TERMS } = await import('./fixtures/lists.js');
    const har = {
      log: {
        version: '1.2',
        entries: [
          {
            startedDateTime: '2026-01-01T00:00:00Z',
            serverIPAddress: '161.117.96.10',
            request: {
              method: 'GET',
              url: 'http://globalapi.ad.xiaomi.com/filter/text?appKey=x&imei=490154203237518',
              headers: [],
              headersSize: 200,
              bodySize: 0,
            },
            response: {
              status: 200,
              headers: [],
              content: {
                mimeType: 'application/json',
                encoding: 'base64',
                text: Buffer.from(
                  JSON.stringify({
                    status: 0,
                    message: 'updated',
                    keywords: POLITICAL_TERMS,
                    version: 9,
                    cacheTime: 43200000,
                  }),
                ).toString('base64'),
              },
              headersSize: 100,
              bodySize: 900,
            },
          },
        ],
      },
    };
    const file = join(tempDir(), 'phone.har');
    writeFileSync(file, JSON.stringify(har));
    const report = await scan({ inputs: [file], cwd: '/', jobs: 1 });
    const list = report.findings.find((f) => f.detectorId === 'censorship/keyword-list');
    expect(list).toMatchObject({ severity: 'high', location: { entry: textContaining('/filter/text') } });
    expect(list?.evidence.termCount).toBe(POLITICAL_TERMS.length);
    expect(report.findings.find((f) => f.detectorId === 'network/identifier-leak')?.evidence).toMatchObject({
      kind: 'imei',
      value: '490154203237518',
      scheme: 'http',
    });
    expect(report.destinations?.[0]).toMatchObject({ host: 'globalapi.ad.xiaomi.com', country: 'SG' });
    writeFileSync(file, '{"log": {"entries": 5}}');
    const bad = await scan({ inputs: [file], cwd: '/', jobs: 1 });
    expect(bad.diagnostics.map((d) => d.code)).toContain('har/no-entries');
  });
});
